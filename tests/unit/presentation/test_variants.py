"""Every catalog action has every detail x literacy variant in every tone, and they differ."""

from __future__ import annotations

import itertools

import pytest

from nextbest.cli.render import DemoExample
from nextbest.decision.catalog import load_catalog
from nextbest.domain.enums import CommentaryTone, DetailLevel
from nextbest.presentation import LOCALES, Presenter, Reader

CATALOG = load_catalog()
ACTION_IDS = [a.action_id for a in CATALOG.actions]
LITERACY = {"LOW": 2, "MIDDLE": 5, "HIGH": 9}


def reader_for_example(
    example: DemoExample, detail: DetailLevel, literacy: int, tone: CommentaryTone
) -> Reader:
    client = example.client
    return Reader(
        detail, literacy, tone, LOCALES[client.country], client.base_currency, client.country
    )


def texts(
    presenter: Presenter, example: DemoExample, tone: CommentaryTone
) -> dict[tuple[str, str], str]:
    found = {}
    for detail, (band, literacy) in itertools.product(DetailLevel, LITERACY.items()):
        reader = reader_for_example(example, detail, literacy, tone)
        presented = presenter.render(example.action, example.candidate, example.client, reader)
        found[(detail.value, band)] = f"{presented.title}\n{presented.text}"
    return found


def test_every_catalog_action_has_templates(presenter: Presenter) -> None:
    assert presenter.missing(CATALOG) == []
    assert len(ACTION_IDS) == 18


def test_every_catalog_action_has_a_demo_example(examples: dict[str, DemoExample]) -> None:
    assert sorted(examples) == sorted(ACTION_IDS)


@pytest.mark.parametrize("action_id", ACTION_IDS)
@pytest.mark.parametrize("tone", list(CommentaryTone))
def test_all_nine_variants_render_and_differ(
    presenter: Presenter, examples: dict[str, DemoExample], action_id: str, tone: CommentaryTone
) -> None:
    found = texts(presenter, examples[action_id], tone)
    assert len(found) == 9
    assert all(text.strip() for text in found.values())
    assert len(set(found.values())) == 9


@pytest.mark.parametrize("action_id", ACTION_IDS)
def test_the_four_tones_read_differently(
    presenter: Presenter, examples: dict[str, DemoExample], action_id: str
) -> None:
    by_tone = {tone: texts(presenter, examples[action_id], tone) for tone in CommentaryTone}
    for variant in by_tone[CommentaryTone.CONCISE]:
        assert len({by_tone[tone][variant] for tone in CommentaryTone}) == 4, variant


@pytest.mark.parametrize("action_id", ACTION_IDS)
def test_concise_is_shortest_and_detailed_longest(
    presenter: Presenter, examples: dict[str, DemoExample], action_id: str
) -> None:
    found = texts(presenter, examples[action_id], CommentaryTone.CONCISE)
    for band in LITERACY:
        concise, moderate, detailed = (len(found[(d.value, band)]) for d in DetailLevel)
        assert concise < moderate < detailed


def test_rendering_is_deterministic(presenter: Presenter, examples: dict[str, DemoExample]) -> None:
    example = examples["increase-contribution"]
    reader = reader_for_example(example, DetailLevel.DETAILED, 5, CommentaryTone.EMPATHETIC)
    first = presenter.render(example.action, example.candidate, example.client, reader)
    again = presenter.render(example.action, example.candidate, example.client, reader)
    assert first == again
