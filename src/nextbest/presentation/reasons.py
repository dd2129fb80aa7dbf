"""Why this suggestion fits this client: short lines by life stage, country, goals, values and
past success (seed 002's ``generate_personalized_reasoning``).

Each line is fixed wording chosen by a table, never generated, and appears only when it is
relevant to the action: a UK client is told about ISAs when a suggestion involves saving or
investing, not when it asks to sell a restricted holding. The lines name no amount and promise
no return.

>>> from decimal import Decimal
>>> from nextbest.domain.client import Client, ClientProfile, Goal
>>> from nextbest.domain.enums import GoalType, RiskTolerance
>>> from nextbest.domain.ids import ClientId, GoalId
>>> goal = Goal(GoalId("r-1"), GoalType.RETIREMENT, 2045, Decimal(500000))
>>> client = Client(ClientId("c1"), 1990, "US", "USD", RiskTolerance.MEDIUM,
...                 profile=ClientProfile(goals=(goal,)))
>>> country_lines(client, "increase-contribution", GoalType.RETIREMENT)
('A 401(k) or IRA lets retirement savings grow with tax deferred.',)
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from nextbest.behavior.profile import ProfileReport
from nextbest.decision.catalog import Action
from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client, Goal
from nextbest.domain.enums import Controversy, EsgFocus, GoalType, LifeStage, Sector
from nextbest.presentation.sources import label

__all__ = [
    "MIN_OUTCOMES",
    "SUCCESS_MARGIN",
    "country_lines",
    "goal_line",
    "life_stage_lines",
    "reasons_for",
    "success_line",
    "values_lines",
]

MIN_OUTCOMES = 3
"""Accepted plus dismissed suggestions in a category before past success is mentioned."""
SUCCESS_MARGIN = 0.15
"""How far above the book's default acceptance a category's mean must be to count as success."""

_WORDING: dict[str, Any] = yaml.safe_load(
    resources.files("nextbest.presentation").joinpath("templates/reasons.yaml").read_text("utf-8")
)
"""The wording tables (``templates/reasons.yaml``), read once on import."""

_SAVING = frozenset(
    {"increase-contribution", "increase-savings-rate", "set-up-regular-contribution"}
)
_INVESTING = frozenset({"invest-idle-cash", "explore-sustainable-funds"})

_LIFE_STAGE: Mapping[LifeStage, Mapping[str, str]] = {
    LifeStage(stage): lines for stage, lines in _WORDING["life_stage"].items()
}
_COUNTRY: Mapping[str, Mapping[str, str]] = _WORDING["country"]
"""country -> kind -> line; kind is ``retirement``, ``education``, ``saving`` or ``tax``."""

_CONTROVERSY_WORDS = {c.value: label(c) for c in Controversy} | {
    s.value: f"the {label(s)} sector" for s in Sector
}


def _country_kind(action_id: str, goal_type: GoalType | None) -> str | None:
    if action_id == "harvest-tax-loss":
        return "tax"
    if action_id == "increase-contribution" and goal_type is GoalType.RETIREMENT:
        return "retirement"
    if action_id == "increase-contribution" and goal_type is GoalType.EDUCATION:
        return "education"
    if action_id in _SAVING or action_id in _INVESTING:
        return "saving"
    return None


def country_lines(client: Client, action_id: str, goal_type: GoalType | None) -> tuple[str, ...]:
    """The tax wrapper of the client's country that matters to this action, if any."""
    kind = _country_kind(action_id, goal_type)
    line = None if kind is None else _COUNTRY.get(client.country, {}).get(kind)
    return () if line is None else (line,)


def life_stage_lines(stage: LifeStage, action_id: str) -> tuple[str, ...]:
    line = _LIFE_STAGE.get(stage, {}).get(action_id)
    return () if line is None else (line,)


def goal_line(goal: Goal, action_id: str) -> str:
    """``This supports your 2045 retirement goal.``"""
    name = f"“{goal.name}”" if goal.name else label(goal.goal_type)
    if action_id == "goal-on-track":
        return (
            f"You set your {goal.target_year} {name} goal, and it is worth knowing it is on course."
        )
    return f"This supports your {goal.target_year} {name} goal."


def values_lines(client: Client, action: Action, candidate: Candidate | None) -> tuple[str, ...]:
    """The client's own screens and ESG focus, where the action acts on them."""
    preferences = client.profile.preferences
    if action.action_id == "sell-restricted-holding" and candidate is not None:
        reasons = candidate.evidence.get("reasons") or []
        codes = [str(r).partition(":")[2] for r in reasons if ":" in str(r)]
        words = [_CONTROVERSY_WORDS[c] for c in codes if c in _CONTROVERSY_WORDS]
        if words:
            return (f"This respects your preference to avoid {' and '.join(words)}.",)
        return ("This respects the restrictions you set.",)
    if action.category.value == "ESG":
        if preferences.esg_focus in (EsgFocus.MEDIUM, EsgFocus.HIGH):
            return ("You told us investing in line with your values matters to you.",)
        restricted = sorted(
            _CONTROVERSY_WORDS[r.value] for r in client.profile.constraints.restricted_sectors
        )
        if restricted:
            return (f"This follows your preference to avoid {restricted[0]}.",)
    return ()


def success_line(profile: ProfileReport, category: str) -> tuple[str, ...]:
    """ "Similar suggestions have worked well for you", when the category's record shows it and
    the client has not turned personalisation off (then its behaviour is not used)."""
    if not profile.personalization:
        return ()
    found = profile.category(category)
    if found is None or found.accepted + found.dismissed < MIN_OUTCOMES:
        return ()
    if found.mean < profile.default_category_mean + SUCCESS_MARGIN:
        return ()
    return ("Similar suggestions have worked well for you in the past.",)


def reasons_for(
    action: Action, candidate: Candidate | None, client: Client, profile: ProfileReport
) -> tuple[str, ...]:
    """Every reason line for this action and client, goal first, then values, life stage,
    country and past success; no line twice."""
    goal = None
    if candidate is not None and candidate.goal_id is not None:
        goal = client.profile.goal(candidate.goal_id)
    lines: list[str] = []
    if goal is not None:
        lines.append(goal_line(goal, action.action_id))
    lines.extend(values_lines(client, action, candidate))
    lines.extend(life_stage_lines(profile.life_stage.value, action.action_id))
    goal_type = None if goal is None else goal.goal_type
    lines.extend(country_lines(client, action.action_id, goal_type))
    category = action.category.value if candidate is None else candidate.category.value
    lines.extend(success_line(profile, category))
    return tuple(dict.fromkeys(lines))
