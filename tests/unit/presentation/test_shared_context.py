"""The fast render path: fragments share one template context only when they cannot tell, and
the sandbox's shortened attribute check for the presenter's views gives the full check's answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

import nextbest.presentation
from nextbest.cli.render import DemoExample
from nextbest.domain.enums import CommentaryTone, DetailLevel
from nextbest.presentation import Formatter, LiteracyBand, Presenter, load_library
from nextbest.presentation.library import Fragment, TemplateLibrary, sandbox
from nextbest.presentation.presenter import _Slots, _View

from .test_variants import reader_for_example

TEMPLATES = Path(nextbest.presentation.__file__).parent / "templates"


def library_with(tmp_path: Path, action_id: str, **parts: object) -> TemplateLibrary:
    """The built-in templates with some parts of one action rewritten."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    file = root / "actions" / f"{action_id}.yaml"
    data = yaml.safe_load(file.read_text("utf-8"))
    data.update(parts)
    file.write_text(yaml.safe_dump(data), "utf-8")
    return load_library(root)


def fragments(library: TemplateLibrary) -> list[Fragment]:
    found = [f for a in library.actions.values() for f in (*a.parts.values(), *a.emphasis.values())]
    found += [f for tone in library.tones.values() for f in tone.phrases.values()]
    return [*found, *library.urgency.values(), library.social_proof, *library.disclosure.values()]


def test_every_built_in_fragment_with_slots_renders_in_the_shared_context(
    presenter: Presenter,
) -> None:
    found = fragments(presenter.library)
    with_slots = [f for f in found if f.static is None]
    assert with_slots
    assert [f.source for f in with_slots if not f.inline] == []


def test_a_fragment_that_sets_a_variable_keeps_a_context_of_its_own(
    tmp_path: Path, examples: dict[str, DemoExample]
) -> None:
    library = library_with(
        tmp_path,
        "rebalance",
        key='{% set leak = "LEAKED" %}Your mix has drifted {{ n.drift }}.',
        more='Left over: {{ leak | default("nothing") }}.',
    )
    key = library.action("rebalance").part("key", LiteracyBand.MIDDLE)
    more = library.action("rebalance").part("more", LiteracyBand.MIDDLE)
    assert not key.inline
    assert not more.inline
    example = examples["rebalance"]
    reader = reader_for_example(example, DetailLevel.MODERATE, 5, CommentaryTone.CONCISE)
    text = Presenter(library).render(example.action, example.candidate, example.client, reader).text
    assert "Your mix has drifted" in text
    assert "Left over: nothing." in text
    assert "LEAKED" not in text


def test_a_fragment_reading_a_global_keeps_a_context_with_the_globals(
    tmp_path: Path, examples: dict[str, DemoExample]
) -> None:
    library = library_with(
        tmp_path,
        "rebalance",
        more="Drift {{ n.drift }}, {% if range is defined %}with{% else %}without{% endif %}.",
    )
    assert not library.action("rebalance").part("more", LiteracyBand.MIDDLE).inline
    example = examples["rebalance"]
    reader = reader_for_example(example, DetailLevel.MODERATE, 5, CommentaryTone.CONCISE)
    text = Presenter(library).render(example.action, example.candidate, example.client, reader).text
    assert ", with." in text


def test_a_private_name_is_still_refused_by_the_sandbox(
    tmp_path: Path, examples: dict[str, DemoExample]
) -> None:
    example = examples["rebalance"]
    numbers = yaml.safe_load((TEMPLATES / "actions" / "rebalance.yaml").read_text("utf-8"))[
        "numbers"
    ]
    numbers["_slots"] = {"from": "evidence.total_drift", "kind": "share"}
    library = library_with(tmp_path, "rebalance", numbers=numbers, key="Look: {{ n._slots }}.")
    assert library.action("rebalance").part("key", LiteracyBand.MIDDLE).inline
    reader = reader_for_example(example, DetailLevel.CONCISE, 5, CommentaryTone.CONCISE)
    with pytest.raises(SecurityError, match="_slots"):
        Presenter(library).render(example.action, example.candidate, example.client, reader)


@pytest.mark.parametrize(
    "name",
    ["drift", "_slots", "_numbers", "__class__", "__dict__", "mro", "format", "pop", "update"],
)
def test_the_short_attribute_check_gives_the_full_checks_answer(
    examples: dict[str, DemoExample], name: str
) -> None:
    example = examples["rebalance"]
    slots = _Slots({}, {}, {}, example.candidate, example.client, Formatter("en_GB", "GBP"))
    env = sandbox()
    for view in (_View(slots, True), _View(slots, False)):
        full = ImmutableSandboxedEnvironment.is_safe_attribute(env, view, name, "x")
        assert env.is_safe_attribute(view, name, "x") is full
