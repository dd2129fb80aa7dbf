"""The goal-update flow asks for what is missing and proposes the change once it has it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from nextbest.domain.enums import GoalType
from nextbest.nlp.context import ClientContext
from nextbest.nlp.conversation import InMemoryConversationStore
from nextbest.nlp.entities import extract_entities
from nextbest.nlp.goal_update import (
    FLOW_TIMEOUT,
    FlowStatus,
    FlowStep,
    advance_goal_update,
    continues_flow,
)

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
ONE_GOAL = ClientContext.from_mapping(
    {
        "birth_year": 1980,
        "base_currency": "GBP",
        "goals": [
            {"goal_id": "g-ret", "goal_type": "RETIREMENT", "target_year": 2045,
             "target_amount": "500000"},
        ],
    }
)  # fmt: skip
TWO_GOALS = ClientContext.from_mapping(
    {
        "base_currency": "ZAR",
        "goals": [
            {"goal_id": "g-ret", "goal_type": "RETIREMENT", "target_year": 2045,
             "target_amount": "5000000"},
            {"goal_id": "g-home", "goal_type": "HOME_PURCHASE", "target_year": 2030,
             "target_amount": "400000", "name": "Beach house"},
        ],
    }
)  # fmt: skip


def turn(text: str, state: dict[str, Any], context: ClientContext, now: datetime = NOW) -> FlowStep:
    entities = extract_entities(text, today=now.date())
    return advance_goal_update(text, state, entities=entities, context=context, now=now)


def test_asks_for_year_then_amount_then_proposes() -> None:
    store = InMemoryConversationStore()
    first = turn("I want to change my retirement goal", store.get("c"), ONE_GOAL)
    assert (first.status, first.prompt) == (FlowStatus.ASKING, "ask_target_year")
    store.put("c", first.state)
    second = turn("2042 please", store.get("c"), ONE_GOAL, NOW + timedelta(minutes=1))
    assert second.prompt == "ask_target_amount"
    store.put("c", second.state)
    third = turn("make it £650k", store.get("c"), ONE_GOAL, NOW + timedelta(minutes=2))
    assert third.status is FlowStatus.COMPLETED
    assert third.state == {}
    assert third.proposal is not None
    assert (third.proposal.goal_id, third.proposal.target_year) == ("g-ret", 2042)
    assert (third.proposal.target_amount, third.proposal.currency) == (Decimal("650000"), "GBP")


def test_completes_in_one_message_when_it_has_everything() -> None:
    step = turn("Change my retirement goal to R6 million by 2048", {}, TWO_GOALS)
    assert step.status is FlowStatus.COMPLETED
    assert step.proposal is not None
    assert step.proposal.goal_id == "g-ret"
    assert (step.proposal.target_amount, step.proposal.currency) == (Decimal("6000000"), "ZAR")


def test_asks_which_goal_when_the_client_has_several() -> None:
    first = turn("I need to update my goal", {}, TWO_GOALS)
    assert first.prompt == "ask_goal"
    second = turn("the beach house one, by 2032", dict(first.state), TWO_GOALS)
    assert second.prompt == "ask_target_amount"
    assert second.state["goal_id"] == "g-home"
    assert second.state["target_year"] == 2032


def test_an_age_becomes_a_year_with_the_birth_year() -> None:
    step = turn("update my retirement goal to retire at 62", {}, ONE_GOAL)
    assert step.state["target_year"] == 1980 + 62


def test_keep_takes_the_current_value() -> None:
    first = turn("move my retirement goal to 2040", {}, ONE_GOAL)
    assert first.prompt == "ask_target_amount"
    second = turn("keep it the same", dict(first.state), ONE_GOAL)
    assert second.proposal is not None
    assert second.proposal.target_amount == Decimal("500000")


def test_a_monthly_amount_is_not_a_target() -> None:
    step = turn("change my retirement goal, I can put in £300 a month", {}, ONE_GOAL)
    assert step.state["target_amount"] is None


def test_cancel_leaves_everything_as_it_was() -> None:
    first = turn("change my retirement goal", {}, ONE_GOAL)
    step = turn("actually never mind", dict(first.state), ONE_GOAL)
    assert (step.status, step.state, step.proposal) == (FlowStatus.CANCELLED, {}, None)


def test_a_stale_conversation_starts_over() -> None:
    first = turn("change my retirement goal to 2040", {}, ONE_GOAL)
    later = NOW + FLOW_TIMEOUT + timedelta(seconds=1)
    step = turn("£700k", dict(first.state), ONE_GOAL, later)
    assert step.state["target_year"] is None  # the 2040 from before was forgotten
    assert step.prompt == "ask_target_year"


def test_without_goals_it_proposes_a_goal_of_the_named_type() -> None:
    step = turn("change my house goal to 300k by 2031", {}, ClientContext())
    assert step.proposal is not None
    assert (step.proposal.goal_id, step.proposal.goal_type) == (None, GoalType.HOME_PURCHASE)


def test_what_counts_as_an_answer() -> None:
    def answers(text: str) -> bool:
        return continues_flow(text, extract_entities(text, today=NOW.date()), TWO_GOALS)

    assert answers("2040")
    assert answers("R500k")
    assert answers("the Beach house")
    assert answers("keep it")
    assert answers("cancel")
    assert not answers("my card was stolen")
