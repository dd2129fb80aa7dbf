"""The little a message pipeline needs to know about the client, read from a plain dict.

The service builds the dict from the stored client (``context_from_client``); the pipeline reads
it back with ``ClientContext.from_mapping``, which ignores keys it does not know and tolerates
missing ones, so a host can also pass a hand-made context.

>>> ctx = ClientContext.from_mapping({"base_currency": "GBP", "goals": [
...     {"goal_id": "g1", "goal_type": "RETIREMENT", "target_year": 2045,
...      "target_amount": "500000"}]})
>>> ctx.goals[0].target_amount, ctx.tone.value
(Decimal('500000'), 'CONCISE')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nextbest.domain.client import Client
from nextbest.domain.enums import CommentaryTone, GoalType

__all__ = ["ClientContext", "GoalSummary", "context_from_client"]


@dataclass(frozen=True, slots=True)
class GoalSummary:
    goal_id: str
    goal_type: GoalType
    target_year: int | None = None
    target_amount: Decimal | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        """How a reply names the goal: its own name, else its type in words."""
        return self.name or self.goal_type.value.replace("_", " ").lower()


@dataclass(frozen=True, slots=True)
class ClientContext:
    birth_year: int | None = None
    base_currency: str | None = None
    tone: CommentaryTone = CommentaryTone.CONCISE
    goals: tuple[GoalSummary, ...] = ()

    @classmethod
    def from_mapping(cls, context: Mapping[str, Any]) -> ClientContext:
        goals = tuple(
            GoalSummary(
                goal_id=str(goal["goal_id"]),
                goal_type=GoalType(goal.get("goal_type", GoalType.CUSTOM)),
                target_year=None if goal.get("target_year") is None else int(goal["target_year"]),
                target_amount=(
                    None
                    if goal.get("target_amount") is None
                    else Decimal(str(goal["target_amount"]))
                ),
                name=goal.get("name"),
            )
            for goal in context.get("goals", ())
        )
        tone = context.get("commentary_tone")
        birth_year = context.get("birth_year")
        return cls(
            birth_year=None if birth_year is None else int(birth_year),
            base_currency=context.get("base_currency"),
            tone=CommentaryTone(tone) if tone else CommentaryTone.CONCISE,
            goals=goals,
        )


def context_from_client(client: Client) -> dict[str, Any]:
    """The JSON-able context dict of a stored client: what the message pipeline may see."""
    tone = client.profile.preferences.commentary_tone
    return {
        "birth_year": client.birth_year,
        "base_currency": client.base_currency,
        "commentary_tone": None if tone is None else tone.value,
        "goals": [
            {
                "goal_id": str(goal.goal_id),
                "goal_type": goal.goal_type.value,
                "target_year": goal.target_year,
                "target_amount": str(goal.target_amount),
                "name": goal.name,
            }
            for goal in client.profile.goals
        ],
    }
