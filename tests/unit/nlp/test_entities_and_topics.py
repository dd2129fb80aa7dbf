"""Goal types, the combined entity extraction, topics and key phrases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from nextbest.domain.enums import GoalType
from nextbest.nlp.entities import extract_entities, find_goal_types
from nextbest.nlp.topics import find_topics, key_phrases

TODAY = date(2026, 2, 1)


def test_goal_types_in_order_of_mention() -> None:
    assert find_goal_types("first the wedding, then a flat, then retiring") == (
        GoalType.MAJOR_PURCHASE,
        GoalType.HOME_PURCHASE,
        GoalType.RETIREMENT,
    )
    assert find_goal_types("what are your fees?") == ()


def test_extracts_every_kind_at_once() -> None:
    found = extract_entities(
        "Change my retirement goal to R2 million by 2045 and sell AAPL",
        today=TODAY,
        securities={"AAPL": "EQ-1"},
    )
    assert [(m.amount, m.currency) for m in found.money] == [(Decimal("2000000"), "ZAR")]
    assert [t.year for t in found.times] == [2045]
    assert [s.security_id for s in found.securities] == ["EQ-1"]
    assert found.goal_types == (GoalType.RETIREMENT,)


def test_money_wins_over_a_year_inside_it() -> None:
    found = extract_entities("I have 2,045,000 put away", today=TODAY)
    assert [m.amount for m in found.money] == [Decimal("2045000")]
    assert found.times == ()


def test_no_master_means_no_securities() -> None:
    assert extract_entities("sell AAPL", today=TODAY).securities == ()


def test_topics_rank_by_hits_and_show_the_words() -> None:
    topics = find_topics("Tax on my pension and my retirement annuity")
    assert topics[0].name == "RETIREMENT"
    assert set(topics[0].hits) == {"pension", "retirement", "annuity"}
    assert [t.name for t in topics] == ["RETIREMENT", "TAX"]
    assert find_topics("hello there") == ()


def test_key_phrases_prefer_rare_words_and_skip_placeholders() -> None:
    idf = {"card": 1.5, "stolen": 4.0, "yesterday": 3.0, "help": 1.0}
    phrases = key_phrases("My card [CARD] was stolen yesterday, help!", idf, limit=3)
    assert phrases == ("stolen yesterday", "card")
    assert all("[" not in phrase and "card]" not in phrase for phrase in phrases)


def test_key_phrases_are_at_most_three_words() -> None:
    phrases = key_phrases("global emerging market equity index tracker fund", {}, limit=5)
    assert all(len(p.split()) <= 3 for p in phrases)
    assert " ".join(phrases).split() == "global emerging market equity index tracker fund".split()
