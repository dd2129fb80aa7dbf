"""Everything a message names: money, times, securities and goal types, from one call.

Each kind has its own module (``money``, ``horizons``, ``securities``); this one runs them over
the masked text and adds goal types from the lexicon. Where a money mention and a time overlap
("2045" inside "R2045"), money wins, because amounts are checked more strictly.

>>> from datetime import date
>>> found = extract_entities("Move my retirement goal to 2045 with £500k", today=date(2026, 2, 1))
>>> [g.value for g in found.goal_types], [t.year for t in found.times], found.money[0].amount
(['RETIREMENT'], [2045], Decimal('500000'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from nextbest.domain.enums import GoalType
from nextbest.nlp.horizons import TimeMention, find_times
from nextbest.nlp.lexicon import GOAL_KEYWORDS, keyword_pattern
from nextbest.nlp.money import MoneyMention, find_money
from nextbest.nlp.securities import SecurityIndex, SecurityMention

__all__ = ["Entities", "extract_entities", "find_goal_types"]

_GOAL_PATTERNS = {goal: keyword_pattern(words) for goal, words in GOAL_KEYWORDS.items()}


@dataclass(frozen=True, slots=True)
class Entities:
    money: tuple[MoneyMention, ...] = ()
    times: tuple[TimeMention, ...] = ()
    securities: tuple[SecurityMention, ...] = ()
    goal_types: tuple[GoalType, ...] = ()


def find_goal_types(text: str) -> tuple[GoalType, ...]:
    """Goal types the text names, in the order they first appear.

    >>> [g.value for g in find_goal_types("saving for uni, then a house")]
    ['EDUCATION', 'HOME_PURCHASE']
    """
    first_seen: dict[GoalType, int] = {}
    for goal, pattern in _GOAL_PATTERNS.items():
        match = pattern.search(text)
        if match is not None:
            first_seen[goal] = match.start()
    return tuple(sorted(first_seen, key=first_seen.__getitem__))


def extract_entities(
    text: str,
    *,
    today: date,
    securities: Mapping[str, str] | SecurityIndex | None = None,
) -> Entities:
    """Money, times, securities (when a master is given) and goal types in ``text``."""
    money = find_money(text)
    times = [
        time
        for time in find_times(text, today=today)
        if not any(time.start < m.end and m.start < time.end for m in money)
    ]
    found_securities: list[SecurityMention] = []
    if securities is not None:
        found_securities = SecurityIndex.of(securities).find(text)
    return Entities(tuple(money), tuple(times), tuple(found_securities), find_goal_types(text))
