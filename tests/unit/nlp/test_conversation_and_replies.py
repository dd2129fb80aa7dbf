"""The in-memory store, the reply templates and the intent catalog's coverage."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from nextbest.domain.enums import CommentaryTone
from nextbest.nlp.conversation import ConversationStore, InMemoryConversationStore
from nextbest.nlp.datasets import load_banking77, load_planning_intents
from nextbest.nlp.intent_catalog import (
    BANKING_FAMILIES,
    INTENT_ROUTES,
    PLANNING_INTENTS,
    UNKNOWN_INTENT,
    route_for,
)
from nextbest.nlp.replies import REPLY_TEMPLATES, render_reply

TONES = (CommentaryTone.CONCISE, CommentaryTone.EMPATHETIC, CommentaryTone.ANALYTICAL)
FLOW_PROMPTS = (
    "ask_goal",
    "ask_target_year",
    "ask_target_amount",
    "goal_update_completed",
    "goal_update_cancelled",
)


def test_store_round_trips_and_clears() -> None:
    store = InMemoryConversationStore()
    assert isinstance(store, ConversationStore)
    store.put("a", {"flow": "update_goal", "target_year": 2040})
    assert store.get("a") == {"flow": "update_goal", "target_year": 2040}
    store.put("a", {})
    assert store.get("a") == {}
    assert len(store) == 0


def test_store_refuses_what_a_json_column_could_not_hold() -> None:
    with pytest.raises(TypeError):
        InMemoryConversationStore().put("a", {"amount": Decimal("1")})


def test_store_returns_copies() -> None:
    store = InMemoryConversationStore()
    store.put("a", {"turns": 1})
    store.get("a")["turns"] = 99
    assert store.get("a") == {"turns": 1}


@pytest.mark.parametrize(
    "key", sorted({r.family for r in INTENT_ROUTES.values()} | set(FLOW_PROMPTS))
)
def test_every_family_and_prompt_has_a_reply_in_every_tone(key: str) -> None:
    assert set(TONES) <= set(REPLY_TEMPLATES[key])
    for tone in (*TONES, CommentaryTone.ENCOURAGING):
        reply = render_reply(key, tone)
        assert reply
        assert not re.search(r"[{}]", reply)
        assert "your your" not in reply


def test_replies_fill_values_and_differ_by_tone() -> None:
    done = render_reply(
        "goal_update_completed", CommentaryTone.ANALYTICAL, goal="retirement", amount="£650,000",
        year="2042",
    )  # fmt: skip
    assert "£650,000" in done
    assert "2042" in done
    assert len({render_reply("market_worry", tone) for tone in TONES}) == 3
    assert render_reply("no_such_family", CommentaryTone.CONCISE) == render_reply(
        "unknown", CommentaryTone.CONCISE
    )


def test_catalog_covers_exactly_the_labels_in_the_data() -> None:
    banking = set(load_banking77("test").labels)
    assert {i for intents in BANKING_FAMILIES.values() for i in intents} == banking
    planning_train = load_planning_intents("train")
    planning_test = load_planning_intents("test")
    assert set(planning_train.labels) == set(planning_test.labels) == set(PLANNING_INTENTS)
    assert set(INTENT_ROUTES) == banking | set(PLANNING_INTENTS) | {UNKNOWN_INTENT}
    assert route_for("made_up").family == UNKNOWN_INTENT


def test_planning_test_split_is_held_out() -> None:
    def normalise(text: str) -> str:
        return re.sub(r"\W+", " ", text.lower()).strip()

    train = {normalise(t) for t in load_planning_intents("train").texts}
    test = [normalise(t) for t in load_planning_intents("test").texts]
    assert not train & set(test)
    assert len(test) >= 12 * len(PLANNING_INTENTS)


def test_complaints_and_advisor_requests_hand_off() -> None:
    assert route_for("complaint").advisor_handoff
    assert route_for("speak_to_advisor").advisor_handoff
    assert not route_for("card_arrival").advisor_handoff
    assert route_for("tax").signals
    assert route_for("tax").actions


def test_data_files_carry_their_licences() -> None:
    from nextbest.nlp.datasets import DEFAULT_DATA_DIR

    for folder in ("banking77", "twitter_financial_news_sentiment", "planning_intents"):
        source = (DEFAULT_DATA_DIR / folder / "SOURCE.txt").read_text()
        assert "LICENSE" in source.upper() or "LICENCE" in source.upper()
    json.loads((DEFAULT_DATA_DIR / "banking77" / "categories.json").read_text())
