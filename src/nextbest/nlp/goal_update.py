"""The goal-update conversation: which goal, the new target year, the new target amount.

"I want to change my retirement goal" starts it; the flow then asks for whatever is still
missing, one thing at a time, and completes with a proposal once it knows the goal, a year and
an amount. It proposes and never writes: the host shows the change and applies it when the client
confirms. The state is a JSON-able dict, so the conversation survives between requests and
processes; a state idle for longer than ``FLOW_TIMEOUT`` is forgotten.

Slots are filled from the entities of each message: a year, date or horizon gives the target
year, an age gives one when the client's birth year is known, a one-off amount gives the target
amount (a monthly amount is a contribution, not a target), and "keep it"/"same" keeps the goal's
current value for the slot being asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from nextbest.domain.enums import GoalType
from nextbest.nlp.context import ClientContext, GoalSummary
from nextbest.nlp.entities import Entities
from nextbest.nlp.horizons import TimeKind

__all__ = [
    "FLOW_NAME",
    "FLOW_TIMEOUT",
    "FlowStatus",
    "FlowStep",
    "GoalUpdateProposal",
    "advance_goal_update",
    "continues_flow",
    "is_active",
]

FLOW_NAME = "update_goal"
FLOW_TIMEOUT = timedelta(minutes=30)
_CANCEL = re.compile(
    r"\b(?:cancel|never ?mind|forget (?:it|about it)|stop|don't bother|leave it)\b", re.IGNORECASE
)
_KEEP = re.compile(
    r"\b(?:keep(?: it)?(?: the same| as it is)?|same(?: as before)?|unchanged|as it is|no change"
    r"|don't change)\b",
    re.IGNORECASE,
)


class FlowStatus(StrEnum):
    ASKING = "ASKING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class GoalUpdateProposal:
    """The change the client asked for; ``goal_id`` is ``None`` when the client has no goals."""

    goal_id: str | None
    goal_type: GoalType | None
    target_year: int
    target_amount: Decimal
    currency: str | None


@dataclass(frozen=True, slots=True)
class FlowStep:
    """The outcome of one message: the next state (``{}`` when done) and what to say.

    ``prompt`` names the reply template: ``ask_goal``, ``ask_target_year``,
    ``ask_target_amount``, ``goal_update_completed`` or ``goal_update_cancelled``.
    """

    status: FlowStatus
    state: Mapping[str, Any]
    prompt: str
    proposal: GoalUpdateProposal | None = None
    slots: Mapping[str, Any] | None = None


def _year_from(entities: Entities, context: ClientContext) -> int | None:
    for time in entities.times:
        if time.kind is TimeKind.AGE and time.age is not None and context.birth_year:
            return context.birth_year + time.age
        if time.year is not None:
            return time.year
    return None


def _amount_from(entities: Entities) -> tuple[Decimal, str | None] | None:
    for money in entities.money:
        if money.per is None:
            return money.amount, money.currency
    return None


def is_active(state: Mapping[str, Any], now: datetime) -> bool:
    """Whether ``state`` holds a goal update under way (and not yet timed out)."""
    return state.get("flow") == FLOW_NAME and not _is_stale(state, now)


def continues_flow(text: str, entities: Entities, context: ClientContext) -> bool:
    """Whether a message answers the flow: a slot value, a goal's name, "keep it" or "cancel".

    A message that does none of these, and is confidently about something else, leaves the
    flow, so a client is never stuck in a question they have moved on from.
    """
    return bool(
        entities.goal_types
        or any(t.year is not None or t.age is not None for t in entities.times)
        or any(m.per is None for m in entities.money)
        or any(g.name and g.name.lower() in text.lower() for g in context.goals)
        or _KEEP.search(text)
        or _CANCEL.search(text)
    )


def _pick_goal(
    text: str, entities: Entities, context: ClientContext, state: Mapping[str, Any]
) -> GoalSummary | None:
    if state.get("goal_id"):
        return next((g for g in context.goals if g.goal_id == state["goal_id"]), None)
    named = [g for g in context.goals if g.name and g.name.lower() in text.lower()]
    if len(named) == 1:
        return named[0]
    typed = [g for g in context.goals if g.goal_type in entities.goal_types]
    if len(typed) == 1:
        return typed[0]
    if len(context.goals) == 1:
        return context.goals[0]
    return None


def _is_stale(state: Mapping[str, Any], now: datetime) -> bool:
    updated = state.get("updated_at")
    return updated is None or now - datetime.fromisoformat(updated) > FLOW_TIMEOUT


def advance_goal_update(
    text: str,
    state: Mapping[str, Any],
    *,
    entities: Entities,
    context: ClientContext,
    now: datetime,
) -> FlowStep:
    """One turn of the flow; ``state`` is ``{}`` (or stale) when this message starts it."""
    if not is_active(state, now):
        state = {}
    elif _CANCEL.search(text):
        return FlowStep(FlowStatus.CANCELLED, {}, "goal_update_cancelled")
    awaiting = state.get("awaiting")
    goal = _pick_goal(text, entities, context, state)
    goal_type = goal.goal_type if goal else (entities.goal_types or (None,))[0]
    if goal_type is None and state.get("goal_type"):
        goal_type = GoalType(state["goal_type"])
    year = _year_from(entities, context) or state.get("target_year")
    amount_found = _amount_from(entities)
    amount = str(amount_found[0]) if amount_found else state.get("target_amount")
    currency = (amount_found[1] if amount_found else None) or state.get("currency")
    if goal is not None and _KEEP.search(text):
        if awaiting == "target_year" and year is None:
            year = goal.target_year
        if awaiting == "target_amount" and amount is None and goal.target_amount is not None:
            amount = str(goal.target_amount)
    currency = currency or context.base_currency
    next_state: dict[str, Any] = {
        "flow": FLOW_NAME,
        "goal_id": goal.goal_id if goal else None,
        "goal_type": goal_type.value if goal_type else None,
        "target_year": year,
        "target_amount": amount,
        "currency": currency,
        "updated_at": now.isoformat(),
        "turns": int(state.get("turns", 0)) + 1,
    }
    slots = {"goal": goal, "target_year": year, "target_amount": amount, "currency": currency}
    if goal is None and context.goals:
        next_state["awaiting"] = "goal"
        return FlowStep(FlowStatus.ASKING, next_state, "ask_goal", slots=slots)
    if year is None:
        next_state["awaiting"] = "target_year"
        return FlowStep(FlowStatus.ASKING, next_state, "ask_target_year", slots=slots)
    if amount is None:
        next_state["awaiting"] = "target_amount"
        return FlowStep(FlowStatus.ASKING, next_state, "ask_target_amount", slots=slots)
    proposal = GoalUpdateProposal(
        goal.goal_id if goal else None, goal_type, int(year), Decimal(amount), currency
    )
    return FlowStep(FlowStatus.COMPLETED, {}, "goal_update_completed", proposal, slots)
