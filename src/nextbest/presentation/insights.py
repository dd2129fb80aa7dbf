"""The insight report: a short narrative on a client's portfolio, goals, values and restrictions.

Seed 000's phase 3 ("narrative commentary"): what a planner would write at the top of a review —
what the portfolio is worth and how it is invested, whether each goal is on track and what would
put it back, whether holdings fit the client's ESG preference and whether any breaks a
restriction — in the client's tone, detail level and literacy band, as Markdown or HTML.

Every number is read from the portfolio or from the signals' evidence (never recomputed from
scratch) and kept in ``Insight.numbers`` with its source, so the report agrees with the signals:

* the value and monthly contribution from the portfolio; the mix (when the security master is
  given) from each holding's asset class;
* each goal's chance, aim and extra saving from its GOAL_PROGRESS candidate's evidence;
* each ESG mismatch and breach from its PREFERENCE_MISMATCH / CONSTRAINT_VIOLATION candidate.

The HTML is rendered with autoescaping, so a goal named ``<b>`` is shown, not interpreted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from jinja2 import Template

from nextbest.domain.candidate import ActionType, Candidate, SignalType
from nextbest.domain.client import Client, Goal
from nextbest.domain.enums import AssetClass, DetailLevel, EsgFocus
from nextbest.domain.ids import SecurityId
from nextbest.domain.portfolio import Portfolio
from nextbest.domain.security import Security
from nextbest.presentation.figures import Formatter, Kind, Shown
from nextbest.presentation.library import TemplateError, sandbox
from nextbest.presentation.presenter import Presenter, default_presenter
from nextbest.presentation.reader import LiteracyBand, Reader
from nextbest.presentation.sources import as_number, label, word

__all__ = ["Insight", "build_insight", "insight_report"]

Format = Literal["md", "html"]
_CLASS_WORDS: Mapping[LiteracyBand, Mapping[AssetClass, str]] = {
    LiteracyBand.LOW: {
        AssetClass.EQUITY: "shares",
        AssetClass.BOND: "bonds",
        AssetClass.CASH: "cash",
        AssetClass.PROPERTY: "property",
        AssetClass.ALTERNATIVE: "other investments",
    },
    LiteracyBand.MIDDLE: {
        AssetClass.EQUITY: "shares",
        AssetClass.BOND: "bonds",
        AssetClass.CASH: "cash",
        AssetClass.PROPERTY: "property",
        AssetClass.ALTERNATIVE: "alternatives",
    },
    LiteracyBand.HIGH: {
        AssetClass.EQUITY: "equities",
        AssetClass.BOND: "fixed income",
        AssetClass.CASH: "cash",
        AssetClass.PROPERTY: "property",
        AssetClass.ALTERNATIVE: "alternatives",
    },
}


@dataclass(frozen=True, slots=True)
class Insight:
    title: str
    intro: str | None
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    """(heading, paragraphs) in order."""
    outro: str | None
    numbers: Mapping[str, Shown]


@dataclass(frozen=True, slots=True)
class _Wording:
    title: Mapping[LiteracyBand, Template]
    headings: Mapping[str, Mapping[LiteracyBand, Template]]
    sentences: Mapping[str, Mapping[LiteracyBand, Template]]
    layouts: Mapping[str, Template]


def _banded(env: Any, data: Any, where: str) -> dict[LiteracyBand, Template]:
    if not isinstance(data, Mapping) or set(data) != {b.value for b in LiteracyBand}:
        raise TemplateError(f"insights.yaml: {where} needs LOW, MIDDLE and HIGH")
    return {band: env.from_string(" ".join(str(data[band.value]).split())) for band in LiteracyBand}


@cache
def _wording() -> _Wording:
    root = resources.files("nextbest.presentation").joinpath("templates")
    data = yaml.safe_load(root.joinpath("insights.yaml").read_text("utf-8"))
    text, html = sandbox(), sandbox(autoescape=True)
    return _Wording(
        title=_banded(text, data["title"], "title"),
        headings={k: _banded(text, v, f"headings.{k}") for k, v in data["headings"].items()},
        sentences={k: _banded(text, v, f"sentences.{k}") for k, v in data["sentences"].items()},
        layouts={
            "md": text.from_string(root.joinpath("insight.md.j2").read_text("utf-8")),
            "html": html.from_string(root.joinpath("insight.html.j2").read_text("utf-8")),
        },
    )


class _Writer:
    def __init__(self, reader: Reader, formatter: Formatter) -> None:
        self.band = reader.band
        self.formatter = formatter
        self.wording = _wording()
        self.numbers: dict[str, Shown] = {}

    def number(self, key: str, source: str, kind: Kind, value: Any) -> str | None:
        exact = as_number(value)
        if exact is None:
            return None
        shown = self.formatter.show(source, kind, exact)
        self.numbers[key] = shown
        return shown.text

    def say(self, sentence: str, **slots: str | None) -> str | None:
        if any(v is None for v in slots.values()):
            return None  # a sentence missing one of its numbers is left out, never guessed
        return self.wording.sentences[sentence][self.band].render(slots).strip()


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _portfolio(
    w: _Writer,
    portfolio: Portfolio | None,
    securities: Mapping[SecurityId, Security] | None,
    detail: DetailLevel,
) -> list[str]:
    if portfolio is None or not portfolio.accounts:
        return [s for s in (w.say("no_portfolio"),) if s]
    total = portfolio.market_value
    lines = [w.say("value", value=w.number("value", "portfolio.market_value", "money", total))]
    if detail is not DetailLevel.CONCISE and securities is not None and total > 0:
        by_class: dict[AssetClass, Decimal] = {}
        for _, holding in portfolio.holdings():
            security = securities.get(holding.security_id)
            if security is not None:
                by_class[security.asset_class] = (
                    by_class.get(security.asset_class, Decimal(0)) + holding.market_value
                )
        parts = []
        for asset, value in sorted(by_class.items(), key=lambda item: (-item[1], item[0])):
            share = (value / total).quantize(Decimal("0.0001"))
            shown = w.number(f"mix.{asset}", f"portfolio.mix.{asset}", "share", share)
            if shown is not None and value > 0:
                parts.append(f"{shown} {_CLASS_WORDS[w.band][asset]}")
        if parts:
            lines.append(w.say("mix", mix=_join(parts)))
    if detail is DetailLevel.DETAILED and portfolio.monthly_contribution > 0:
        monthly = w.number(
            "monthly", "portfolio.monthly_contribution", "money", portfolio.monthly_contribution
        )
        lines.append(w.say("contribution", monthly=monthly))
    return [line for line in lines if line]


def _goal(w: _Writer, goal: Goal, candidate: Candidate | None, detail: DetailLevel) -> str:
    year = str(goal.target_year)
    name = f"“{goal.name}” goal" if goal.name else f"{label(goal.goal_type)} goal"
    if candidate is None:
        return w.say("not_projected", year=year, goal=name) or ""
    evidence = candidate.evidence
    where = f"goal.{goal.goal_id}"

    def number(key: str, kind: Kind) -> str | None:
        return w.number(
            f"{where}.{key}", f"{candidate.key}:evidence.{key}", kind, evidence.get(key)
        )

    chance = number("probability_real", "share")
    sentences: list[str | None] = []
    if candidate.action_type is ActionType.GOAL_ON_TRACK:
        sentences.append(w.say("on_track", year=year, goal=name, chance=chance))
    else:
        aim = number("threshold", "share")
        sentences.append(w.say("off_track", year=year, goal=name, chance=chance, aim=aim))
        if detail is not DetailLevel.CONCISE:
            sentences.append(
                w.say(
                    "off_track_fix",
                    increase=number("monthly_increase", "money_up"),
                    chance_after=number("probability_with_increase", "share"),
                )
            )
    if detail is DetailLevel.DETAILED:
        sentences.append(w.say("outcome", median=number("outcome_today_p50", "money")))
    return " ".join(s for s in sentences if s)


def _values(
    w: _Writer, client: Client, candidates: Sequence[Candidate], detail: DetailLevel
) -> list[str]:
    lines: list[str] = []
    breaches = [c for c in candidates if c.signal is SignalType.CONSTRAINT_VIOLATION]
    for candidate in breaches:
        security_id = candidate.evidence.get("security_id")
        lines.append(
            w.say(
                "breach",
                security=str(candidate.evidence.get("name")),
                weight=w.number(
                    f"breach.{security_id}.weight",
                    f"{candidate.key}:evidence.weight",
                    "share",
                    candidate.evidence.get("weight"),
                ),
                restriction=word("restriction", candidate.evidence.get("reasons"), client),
            )
            or ""
        )
    if not breaches and (
        client.profile.constraints.restricted_sectors or detail is DetailLevel.DETAILED
    ):
        lines.append(w.say("no_breach") or "")
    focus = client.profile.preferences.esg_focus
    if focus in (EsgFocus.MEDIUM, EsgFocus.HIGH):
        mismatches = [c for c in candidates if c.signal is SignalType.PREFERENCE_MISMATCH]
        if mismatches:
            count = w.number(
                "esg.mismatches", "signals.PREFERENCE_MISMATCH.count", "count", len(mismatches)
            )
            names = _join([str(c.evidence.get("name")) for c in mismatches])
            lines.append(w.say("esg_mismatch", count=count, names=names) or "")
        else:
            lines.append(w.say("esg_ok") or "")
    return [line for line in lines if line]


def build_insight(
    client: Client,
    portfolio: Portfolio | None,
    candidates: Sequence[Candidate],
    reader: Reader,
    *,
    securities: Mapping[SecurityId, Security] | None = None,
    presenter: Presenter | None = None,
) -> Insight:
    """The report's sentences and the numbers they show, before Markdown or HTML."""
    presenter = presenter or default_presenter()
    w = _Writer(reader, presenter.formatter(reader.locale, reader.currency))
    wording = w.wording
    band, detail = reader.band, reader.detail
    sections: list[tuple[str, tuple[str, ...]]] = []
    heading = {k: v[band].render().strip() for k, v in wording.headings.items()}
    sections.append(
        (heading["portfolio"], (" ".join(_portfolio(w, portfolio, securities, detail)),))
    )
    progress = {
        c.goal_id: c for c in candidates if c.signal is SignalType.GOAL_PROGRESS and c.goal_id
    }
    goals = tuple(
        line
        for goal in client.profile.goals
        if (line := _goal(w, goal, progress.get(goal.goal_id), detail))
    )
    sections.append((heading["goals"], goals or (w.say("no_goals") or "",)))
    values = _values(w, client, candidates, detail)
    if values:
        sections.append((heading["values"], (" ".join(values),)))
    tone = presenter.library.tones[reader.tone]
    intro = tone.phrases.get(("opening", band))
    outro = tone.phrases.get(("closing", band))
    return Insight(
        title=wording.title[band].render().strip(),
        intro=None if intro is None or detail is DetailLevel.CONCISE else intro.template.render(),
        sections=tuple(sections),
        outro=None if outro is None or detail is DetailLevel.CONCISE else outro.template.render(),
        numbers=dict(w.numbers),
    )


def insight_report(
    client: Client,
    portfolio: Portfolio | None,
    candidates: Sequence[Candidate],
    reader: Reader,
    fmt: Format = "md",
    *,
    securities: Mapping[SecurityId, Security] | None = None,
    presenter: Presenter | None = None,
) -> str:
    """The insight report as Markdown (``md``) or an HTML fragment (``html``)."""
    if fmt not in ("md", "html"):
        raise ValueError(f"format must be md or html, not {fmt!r}")
    insight = build_insight(
        client, portfolio, candidates, reader, securities=securities, presenter=presenter
    )
    sections = list(insight.sections)
    if insight.intro:
        first_heading, first = sections[0]
        sections[0] = (first_heading, (insight.intro, *first))
    if insight.outro:
        last_heading, last = sections[-1]
        sections[-1] = (last_heading, (*last, insight.outro))
    text = _wording().layouts[fmt].render(title=insight.title, sections=sections)
    return text.strip() + "\n"
