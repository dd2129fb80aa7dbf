"""Messages end to end through the shipped models: what a host application would get back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, SignalType
from nextbest.domain.enums import CommentaryTone
from nextbest.nlp.conversation import InMemoryConversationStore
from nextbest.nlp.goal_update import FlowStatus
from nextbest.nlp.pipeline import MessageResult, NlpModels, process_message
from nextbest.nlp.securities import SecurityIndex

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
CONTEXT: dict[str, Any] = {
    "birth_year": 1980,
    "base_currency": "GBP",
    "commentary_tone": "EMPATHETIC",
    "goals": [
        {"goal_id": "g-ret", "goal_type": "RETIREMENT", "target_year": 2045,
         "target_amount": "500000"},
        {"goal_id": "g-home", "goal_type": "HOME_PURCHASE", "target_year": 2030,
         "target_amount": "60000", "name": "Flat deposit"},
    ],
}  # fmt: skip
SECURITIES = SecurityIndex({"AAPL": "EQ-AAPL", "Apple Inc.": "EQ-AAPL"})


def run(
    models: NlpModels,
    text: str,
    *,
    store: InMemoryConversationStore | None = None,
    conversation_id: str = "c-1",
    now: datetime = NOW,
    context: dict[str, Any] | None = None,
) -> MessageResult:
    return process_message(
        text,
        conversation_id=conversation_id,
        context=CONTEXT if context is None else context,
        securities=SECURITIES,
        store=store if store is not None else InMemoryConversationStore(),
        now=now,
        models=models,
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I'm really worried about market volatility and my savings", "market_worry"),
        ("Can I speak to my financial advisor please?", "speak_to_advisor"),
        ("how much am I paying in platform fees", "investment_fees"),
        ("My card still hasn't arrived after two weeks", "card_arrival"),
        ("Will I have enough to retire at 60?", "retirement"),
        ("I don't want my pension invested in tobacco or weapons", "esg_values"),
    ],
)
def test_recognises_intents(models: NlpModels, text: str, intent: str) -> None:
    result = run(models, text)
    assert result.intent.intent == intent
    assert result.intent.confidence >= models.intents.threshold


def test_a_market_worry_points_at_derisking_and_reads_as_negative(models: NlpModels) -> None:
    result = run(models, "The markets are crashing and I'm scared I'll lose my pension")
    assert SignalType.GOAL_FUNDING_DERISK in result.signals
    assert ActionType.DERISK_GOAL_ASSETS in result.actions
    assert result.sentiment.probabilities["negative"] > result.sentiment.probabilities["positive"]
    assert result.satisfaction < 0
    assert "MARKETS" in {t.name for t in result.topics}


def test_a_complaint_alerts_an_advisor_and_caps_satisfaction(models: NlpModels) -> None:
    result = run(models, "I want to make a formal complaint, nobody has called me back in weeks")
    assert result.intent.intent == "complaint"
    assert result.advisor_alert
    assert result.alert_reason == "complaint"
    assert result.satisfaction <= -0.5
    assert "sorry" in result.reply.lower()


def test_personal_data_never_reaches_the_result(models: NlpModels) -> None:
    text = "My card 4111 1111 1111 1111 was stolen, email me at jo@example.com or +44 20 7946 0958"
    result = run(models, text)
    assert "4111" not in repr(result)
    assert "jo@example.com" not in repr(result)
    assert "7946" not in repr(result)
    assert result.masked_text == "My card [CARD] was stolen, email me at [EMAIL] or [PHONE]"
    assert result.intent.intent in {"lost_or_stolen_card", "compromised_card"}


def test_entities_and_key_phrases_come_back(models: NlpModels) -> None:
    result = run(models, "Should I sell my Apple shares to pay for the flat deposit by 2028?")
    assert [s.security_id for s in result.entities.securities] == ["EQ-AAPL"]
    assert [t.year for t in result.entities.times] == [2028]
    assert result.key_phrases
    assert all(p == p.lower() for p in result.key_phrases)


def test_the_reply_follows_the_clients_tone(models: NlpModels) -> None:
    text = "How is my portfolio performing this year?"
    replies = {
        run(models, text, context={**CONTEXT, "commentary_tone": tone.value}).reply
        for tone in (CommentaryTone.CONCISE, CommentaryTone.EMPATHETIC, CommentaryTone.ANALYTICAL)
    }
    assert len(replies) == 3


def test_gibberish_is_unknown(models: NlpModels) -> None:
    result = run(models, "qwx zzv blorp")
    assert result.intent.is_unknown
    assert result.intent.alternatives  # what it might have been is still there
    assert result.signals == ()
    assert "rephrase" in result.reply.lower() or "more" in result.reply.lower()


def test_a_goal_update_conversation_over_three_messages(models: NlpModels) -> None:
    store = InMemoryConversationStore()
    first = run(models, "I want to change my retirement goal", store=store)
    assert first.intent.intent == "update_goal"
    assert first.flow is not None
    assert first.flow.prompt == "ask_target_year"
    assert "year" in first.reply
    second = run(models, "by 2042 please", store=store, now=NOW + timedelta(minutes=1))
    assert second.flow is not None
    assert second.flow.prompt == "ask_target_amount"
    third = run(models, "make it £650k", store=store, now=NOW + timedelta(minutes=2))
    assert third.flow is not None
    assert third.flow.status is FlowStatus.COMPLETED
    assert third.flow.proposal is not None
    assert third.flow.proposal.goal_id == "g-ret"
    assert third.flow.proposal.target_year == 2042
    assert third.flow.proposal.target_amount == Decimal("650000")
    assert "£650,000" in third.reply
    assert "2042" in third.reply
    assert store.get("c-1") == {}


def test_a_new_topic_leaves_the_flow(models: NlpModels) -> None:
    store = InMemoryConversationStore()
    run(models, "I want to change my retirement goal", store=store)
    assert store.get("c-1")["flow"] == "update_goal"
    other = run(models, "Can I speak to my financial advisor please?", store=store)
    assert other.flow is None
    assert other.intent.intent == "speak_to_advisor"
    assert store.get("c-1") == {}


def test_conversations_are_kept_apart(models: NlpModels) -> None:
    store = InMemoryConversationStore()
    run(models, "I want to change my retirement goal", store=store, conversation_id="a")
    result = run(models, "by 2042 please", store=store, conversation_id="b")
    assert result.flow is None
    assert store.get("a")["flow"] == "update_goal"


def test_the_result_names_the_model_versions(models: NlpModels) -> None:
    result = run(models, "hello")
    assert result.model_versions["intents"].startswith("intents-")
    assert result.model_versions["sentiment"].startswith("sentiment-")


@pytest.mark.parametrize(
    "text",
    [
        "I was charged twice for the same transfer and I want to complain",
        "If this is not fixed this week I am going to the ombudsman",
    ],
)
def test_a_complaint_word_makes_any_message_a_complaint(models: NlpModels, text: str) -> None:
    result = run(models, text)
    assert result.alert_reason == "complaint"
    assert result.advisor_alert
    assert result.satisfaction <= -0.5
    assert result.reply == run(models, "I want to make a formal complaint").reply


def test_a_calm_service_question_raises_no_alert(models: NlpModels) -> None:
    result = run(models, "How long does a transfer to another bank usually take?")
    assert result.alert_reason is None
    assert not result.advisor_alert
