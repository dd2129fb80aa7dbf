"""``nextbest render ACTION_ID``: an action's wording with the demo book's data, no API needed.

A product owner checking wording wants real numbers in it, not placeholders. The preview builds
a small seeded demo book (always the same, as of a fixed date), runs the detectors on it, and
renders the first demo client's finding for the action — or, for an action no detector raises
(content, behaviour), the first demo client — at the detail, literacy and tone asked for. The
numbers each text used are listed with the evidence they came from.

Register it in ``main.py`` with ``app.command("render")(render_command)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Annotated

import typer

from nextbest.behavior.priors import DEFAULT_PRIORS
from nextbest.behavior.profile import ProfileReport, ProfileRules, build_profile
from nextbest.behavior.state import DEFAULT_DECAY, ProfileState, fold
from nextbest.decision.catalog import Action, load_catalog
from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client
from nextbest.domain.enums import CommentaryTone, DetailLevel
from nextbest.domain.portfolio import Portfolio
from nextbest.domain.preferences import ExplicitPreferences
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.presentation import LOCALES, Presented, Reader, default_presenter, reasons_for
from nextbest.signals.base import SecurityMaster, SignalContext
from nextbest.signals.builtin import builtin_registry
from nextbest.signals.engine import detect_all
from nextbest.sim.demo_book import build_demo_book

__all__ = ["DEMO_AS_OF", "DemoExample", "demo_example", "render_command", "render_preview"]

DEMO_AS_OF = datetime(2026, 2, 1, tzinfo=UTC)
"""The preview's fixed "now": the same wording check gives the same numbers every time."""
_DEMO_CLIENTS = 25
"""Enough demo clients for every detector to find something (the first 21 cover every kind)."""
_DEMO_PATHS = 1_000
"""Monte Carlo paths for the preview's goal projections: plenty for wording, quick to run."""


@dataclass(frozen=True, slots=True)
class DemoExample:
    """A demo client with what an action's text needs: its candidate, profile and portfolio."""

    action: Action
    client: Client
    portfolio: Portfolio | None
    candidate: Candidate | None
    profile: ProfileReport


@cache
def _demo() -> tuple[dict[str, DemoExample], SecurityMaster]:
    book = build_demo_book(clients=_DEMO_CLIENTS, seed=7, days=60, as_of=DEMO_AS_OF)
    master = SecurityMaster(book.securities)
    portfolios = {p.client_id: p for p in book.portfolios}
    registry = builtin_registry(paths=_DEMO_PATHS)
    catalog = load_catalog()
    found: dict[str, tuple[Client, Candidate | None]] = {}
    for client in book.clients:
        context = SignalContext(
            client, portfolios.get(client.client_id), master, DEFAULT_ASSUMPTIONS,
            DEMO_AS_OF.date(), seed=7,
        )  # fmt: skip
        for candidate in detect_all(context, registry).candidates:
            action = catalog.for_signal(candidate.signal, candidate.action_type)
            if action is not None and action.action_id not in found:
                found[action.action_id] = (client, candidate)
    first = book.clients[0]
    examples: dict[str, DemoExample] = {}
    for action in catalog.actions:
        client, chosen = found.get(action.action_id, (first, None))
        if action.signals and chosen is None:
            continue  # no demo client has this finding; the preview says so
        events = [e for e in book.events if e.client_id == client.client_id]
        profile = build_profile(
            fold(events, ProfileState.empty(DEFAULT_DECAY)),
            client=client,
            preferences=ExplicitPreferences(),
            priors=DEFAULT_PRIORS,
            rules=ProfileRules(),
            now=DEMO_AS_OF,
        )
        examples[action.action_id] = DemoExample(
            action, client, portfolios.get(client.client_id), chosen, profile
        )
    return examples, master


def demo_examples() -> dict[str, DemoExample]:
    """Every catalog action with a demo client to show it with (built once per process)."""
    return dict(_demo()[0])


def demo_example(action_id: str) -> DemoExample:
    examples = _demo()[0]
    if action_id not in examples:
        known = ", ".join(a.action_id for a in load_catalog().actions)
        raise KeyError(f"no demo example for {action_id!r}; catalog actions: {known}")
    return examples[action_id]


def render_preview(action_id: str, detail: str, literacy: int, tone: str) -> str:
    """The action's title, text, reasons, glossary, disclosure and numbers, as plain text."""
    example = demo_example(action_id)
    client = example.client
    reader = Reader(
        detail=DetailLevel(detail.upper()),
        literacy=literacy,
        tone=CommentaryTone(tone.upper()),
        locale=LOCALES.get(client.country, "en_GB"),
        currency=client.base_currency,
        country=client.country,
    )
    reasons = reasons_for(example.action, example.candidate, client, example.profile)
    presented = default_presenter().render(
        example.action, example.candidate, client, reader, reasons=reasons
    )
    return _layout(presented, example, reader)


def _layout(presented: Presented, example: DemoExample, reader: Reader) -> str:
    lines = [
        f"{presented.action_id} for demo client {example.client.client_id} "
        f"({example.client.country}, {reader.locale}, {reader.currency}); "
        f"detail {reader.detail}, literacy {reader.literacy} ({reader.band}), tone {reader.tone}",
        "",
        presented.title,
        "",
        presented.text,
    ]
    if presented.reasons:
        lines += ["", "Why this fits you:", *(f"  - {line}" for line in presented.reasons)]
    if presented.glossary:
        lines += [
            "",
            "Words used:",
            *(f"  {term}: {meaning}" for term, meaning in presented.glossary),
        ]
    if presented.disclosure:
        lines += ["", presented.disclosure]
    if presented.numbers:
        lines += ["", "Numbers shown (as written <- evidence):"]
        lines += [
            f"  {name}: {shown.text} <- {shown.source} = {shown.exact}"
            for name, shown in presented.numbers.items()
        ]
    return "\n".join(lines)


def render_command(
    action_id: Annotated[str, typer.Argument(help="A catalog action id, e.g. rebalance")],
    detail: Annotated[
        DetailLevel, typer.Option(help="CONCISE, MODERATE or DETAILED")
    ] = DetailLevel.MODERATE,
    literacy: Annotated[int, typer.Option(min=1, max=10, help="Financial literacy 1-10")] = 5,
    tone: Annotated[
        CommentaryTone, typer.Option(help="CONCISE, EMPATHETIC, ANALYTICAL or ENCOURAGING")
    ] = CommentaryTone.CONCISE,
) -> None:
    """Show an action's wording with the demo book's data, to check it without the API."""
    try:
        text = render_preview(action_id, detail.value, literacy, tone.value)
    except KeyError as error:
        typer.echo(error.args[0], err=True)
        raise typer.Exit(2) from error
    typer.echo(text)
