"""Every rendered variant, recorded: the yardstick a faster renderer must meet byte for byte.

The inputs are frozen in ``data/render_inputs.json``: the preview's demo candidates (one per
catalog action, content actions without one), their clients' country, currency and goals, and
each action's regulated and mandatory flags. They are frozen so that a change to the demo book,
the detectors or the catalog cannot move the yardstick: only the presentation code and the
templates can.

Each candidate is also rendered in four perturbed forms that take the renderer's other paths:
``no-detail`` (no ``detail`` values, so optional parts drop out), ``bare`` (no evidence, detail or
benefit figures, so required parts fail), ``deadline`` (a deadline added, or the one it had
removed) and ``no-goals`` (a client without goals, so goal words are missing).

``data/render_digests.txt`` holds, per (action, form, country, detail), the SHA-256 of every
output (title, text, reasons, glossary, numbers with their sources in order, words, disclosure,
or the ``PresentationError`` message) over the literacy bands, tones and framings. Record it
again only when wording is changed on purpose::

    .venv/bin/python -m tests.unit.presentation.golden --digests
    .venv/bin/python -m tests.unit.presentation.golden --inputs   # refreeze the demo data
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from nextbest.decision.catalog import Action
from nextbest.domain.candidate import Benefit, Candidate, Category
from nextbest.domain.client import Client, ClientProfile, Goal
from nextbest.domain.enums import CommentaryTone, DetailLevel, GoalType, Priority, RiskTolerance
from nextbest.domain.ids import ClientId, GoalId
from nextbest.presentation import (
    LOCALES,
    BenefitEmphasis,
    Framing,
    PresentationError,
    Presented,
    Presenter,
    Reader,
    UrgencyFraming,
)
from nextbest.storage.candidate_codec import candidate_from_json, candidate_to_json

DATA = Path(__file__).parent / "data"
INPUTS = DATA / "render_inputs.json"
DIGESTS = DATA / "render_digests.txt"

COUNTRIES = {"GB": "GBP", "ZA": "ZAR", "US": "USD"}
LITERACIES = (2, 5, 9)
FRAMINGS = (
    Framing(),
    Framing(BenefitEmphasis.MONETARY, UrgencyFraming.HIGH_URGENCY, social_proof=1234),
    Framing(BenefitEmphasis.PERCENTAGE, UrgencyFraming.LOW_PRESSURE, social_proof=40),
    Framing(social_proof=24),
    Framing(BenefitEmphasis.MONETARY, social_proof=7, social_proof_floor=5),
)
"""Control, every emphasis and urgency, social proof above, at and below its floor."""
PERTURBED_FRAMINGS = FRAMINGS[:3]
FORMS = ("no-detail", "bare", "deadline", "no-goals")
ADDED_DEADLINE = date(2026, 4, 5)


@dataclass(frozen=True, slots=True)
class Example:
    action: Action
    client: Client
    candidate: Candidate | None


@dataclass(frozen=True, slots=True)
class Case:
    group: str
    """``action form country detail``: one line of the digest file."""
    example: Example
    reader: Reader
    framing: Framing
    reasons: tuple[str, ...]


def freeze_inputs() -> list[dict[str, Any]]:
    """The preview's demo data as plain JSON (run once; see the module docstring)."""
    from nextbest.cli.render import demo_examples

    frozen = []
    for action_id, example in demo_examples().items():
        client, action = example.client, example.action
        frozen.append(
            {
                "action": {
                    "id": action_id,
                    "name": action.name,
                    "category": action.category.value,
                    "regulated": action.regulated,
                    "mandatory": action.mandatory,
                },
                "client": {
                    "id": client.client_id,
                    "birth_year": client.birth_year,
                    "country": client.country,
                    "currency": client.base_currency,
                    "goals": [
                        {
                            "id": g.goal_id,
                            "type": g.goal_type.value,
                            "target_year": g.target_year,
                            "target_amount": str(g.target_amount),
                            "priority": g.priority.value,
                            "name": g.name,
                        }
                        for g in client.profile.goals
                    ],
                },
                "candidate": None
                if example.candidate is None
                else candidate_to_json(example.candidate),
            }
        )
    return frozen


def load_examples() -> list[Example]:
    found = []
    for item in json.loads(INPUTS.read_text("utf-8")):
        a, c = item["action"], item["client"]
        action = Action(
            action_id=a["id"],
            name=a["name"],
            category=Category(a["category"]),
            channels=(),
            value=None,
            lever=1.0,
            expiry_days=30,
            regulated=a["regulated"],
            mandatory=a["mandatory"],
        )
        goals = tuple(
            Goal(
                GoalId(g["id"]),
                GoalType(g["type"]),
                g["target_year"],
                Decimal(g["target_amount"]),
                Priority(g["priority"]),
                g["name"],
            )
            for g in c["goals"]
        )
        client = Client(
            ClientId(c["id"]),
            c["birth_year"],
            c["country"],
            c["currency"],
            RiskTolerance.MEDIUM,
            profile=ClientProfile(goals=goals),
        )
        raw = item["candidate"]
        candidate = None if raw is None else candidate_from_json(raw)
        found.append(Example(action, client, candidate))
    return found


def _forms(example: Example) -> Iterator[tuple[str, Example]]:
    candidate = example.candidate
    if candidate is None:
        return
    yield "no-detail", replace(example, candidate=replace(candidate, detail={}))
    bare = replace(
        candidate,
        evidence={},
        detail={},
        benefit=Benefit(candidate.benefit.description),
    )
    yield "bare", replace(example, candidate=bare)
    deadline = None if candidate.deadline is not None else ADDED_DEADLINE
    yield "deadline", replace(example, candidate=replace(candidate, deadline=deadline))
    no_goals = replace(example.client, profile=ClientProfile())
    yield "no-goals", replace(example, client=no_goals)


def _readers(country: str, detail: DetailLevel) -> Iterator[Reader]:
    for literacy, tone in itertools.product(LITERACIES, CommentaryTone):
        yield Reader(detail, literacy, tone, LOCALES[country], COUNTRIES[country], country)


def cases() -> Iterator[Case]:
    """Every recorded case, grouped (consecutively) by digest line."""
    for example in load_examples():
        action_id = example.action.action_id
        reasons = (f"A reason for {action_id}.", "A second reason.")
        for country, detail in itertools.product(COUNTRIES, DetailLevel):
            client = replace(example.client, country=country, base_currency=COUNTRIES[country])
            local = replace(example, client=client)
            group = f"{action_id} demo {country} {detail.value}"
            for reader in _readers(country, detail):
                for framing in FRAMINGS:
                    yield Case(group, local, reader, framing, reasons)
        for form, changed in _forms(example):
            country = changed.client.country
            for detail in DetailLevel:
                group = f"{action_id} {form} {country} {detail.value}"
                for reader in _readers(country, detail):
                    for framing in PERTURBED_FRAMINGS:
                        yield Case(group, changed, reader, framing, ())


def describe(presented: Presented) -> str:
    """Everything a ``Presented`` holds, in order, as text."""
    numbers = [
        (name, s.source, s.kind, type(s.exact).__name__, str(s.exact), str(s.value), s.text)
        for name, s in presented.numbers.items()
    ]
    return "\n".join(
        (
            presented.action_id,
            presented.title,
            presented.text,
            repr(presented.reasons),
            repr(presented.glossary),
            repr(numbers),
            repr(list(presented.words.items())),
            repr(presented.disclosure),
        )
    )


def outcome(presenter: Presenter, case: Case) -> str:
    example = case.example
    try:
        presented = presenter.render(
            example.action,
            example.candidate,
            example.client,
            case.reader,
            framing=case.framing,
            reasons=case.reasons,
        )
    except PresentationError as error:
        return f"PresentationError: {error}"
    return describe(presented)


def digests(presenter: Presenter) -> dict[str, str]:
    """Group -> SHA-256 over every case's outcome in the group."""
    found: dict[str, Any] = {}
    for case in cases():
        hasher = found.setdefault(case.group, hashlib.sha256())
        hasher.update(outcome(presenter, case).encode("utf-8"))
        hasher.update(b"\x00")
    return {group: hasher.hexdigest() for group, hasher in found.items()}


def read_digests() -> dict[str, str]:
    lines = DIGESTS.read_text("utf-8").splitlines()
    return dict(line.rsplit(" ", 1) for line in lines if line and not line.startswith("#"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record the rendering yardstick.")
    parser.add_argument("--inputs", action="store_true", help="refreeze the demo inputs")
    parser.add_argument("--digests", action="store_true", help="record the output digests")
    args = parser.parse_args(argv)
    DATA.mkdir(exist_ok=True)
    if args.inputs:
        INPUTS.write_text(json.dumps(freeze_inputs(), indent=1) + "\n", "utf-8")
    if args.digests:
        recorded = digests(Presenter())
        header = "# group (action form country detail) -> sha256 of every variant; see golden.py"
        body = "\n".join(f"{group} {digest}" for group, digest in recorded.items())
        DIGESTS.write_text(f"{header}\n{body}\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
