"""Low-literacy text reads at or below US grade 8 (Flesch-Kincaid), measured on real demo data."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
import textstat  # type: ignore[import-untyped]

from nextbest.cli.render import DemoExample
from nextbest.decision.catalog import load_catalog
from nextbest.domain.enums import CommentaryTone, DetailLevel
from nextbest.presentation import Presenter

from .test_variants import reader_for_example

ACTION_IDS = [a.action_id for a in load_catalog().actions]
MAX_GRADE = 8.0


@pytest.fixture(autouse=True)
def pyphen_syllables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Count syllables with pyphen, offline.

    textstat 0.7.13 looks words up in NLTK's CMU dictionary first, which it downloads on first
    use; tests must not reach the network (and CI cannot). Without the dictionary textstat counts
    with pyphen's hyphenation, as it did before it used the CMU dictionary.
    """
    counts = importlib.import_module("textstat.backend.counts._count_syllables")
    monkeypatch.setattr(counts, "get_cmudict", lambda lang: None)
    return


@pytest.mark.parametrize("action_id", ACTION_IDS)
def test_low_literacy_text_is_at_most_grade_eight(
    presenter: Presenter, examples: dict[str, DemoExample], action_id: str
) -> None:
    example = examples[action_id]
    for detail in DetailLevel:
        for tone in CommentaryTone:
            reader = reader_for_example(example, detail, 2, tone)
            presented = presenter.render(example.action, example.candidate, example.client, reader)
            for text in (presented.text, presented.disclosure or ""):
                if text:
                    grade = textstat.flesch_kincaid_grade(text)
                    assert grade <= MAX_GRADE, (detail, tone, grade, text)


def test_the_glossary_is_plain_too(presenter: Presenter) -> None:
    for term, meaning in presenter.library.glossary.items():
        assert textstat.flesch_kincaid_grade(meaning) <= MAX_GRADE, term


def test_low_literacy_readers_get_a_glossary_of_the_terms_used(
    presenter: Presenter, examples: dict[str, DemoExample]
) -> None:
    example = examples["reduce-concentration"]
    low = presenter.render(
        example.action,
        example.candidate,
        example.client,
        reader_for_example(example, DetailLevel.DETAILED, 2, CommentaryTone.CONCISE),
    )
    high = presenter.render(
        example.action,
        example.candidate,
        example.client,
        reader_for_example(example, DetailLevel.DETAILED, 9, CommentaryTone.CONCISE),
    )
    assert "portfolio" in dict(low.glossary)
    assert all(term.lower() in low.text.lower() for term, _ in low.glossary)
    assert high.glossary == ()
