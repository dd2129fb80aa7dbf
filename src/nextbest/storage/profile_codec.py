"""The client profile as stored JSON and back. Unknown fields ride along untouched (seed 000)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nextbest.domain.client import ClientProfile, Constraints, Goal, Preferences
from nextbest.domain.enums import (
    CommentaryTone,
    Controversy,
    DetailLevel,
    EsgFocus,
    GoalType,
    Priority,
    Sector,
)
from nextbest.domain.ids import GoalId, SecurityId

__all__ = ["profile_from_json", "profile_to_json", "restricted_from_name"]


def restricted_from_name(name: str) -> Sector | Controversy:
    return Controversy(name) if name in Controversy.__members__ else Sector(name)


def _optional(enum: Any, value: Any) -> Any:
    return None if value is None else enum(value)


def profile_to_json(profile: ClientProfile) -> dict[str, Any]:
    preferences = profile.preferences
    constraints = profile.constraints
    return {
        **profile.extra,
        "goals": [
            {
                **goal.extra,
                "id": goal.goal_id,
                "type": goal.goal_type.value,
                "target_year": goal.target_year,
                "target_amount": str(goal.target_amount),
                "priority": goal.priority.value,
                "name": goal.name,
            }
            for goal in profile.goals
        ],
        "preferences": {
            **preferences.extra,
            "esg_focus": preferences.esg_focus,
            "commentary_tone": preferences.commentary_tone,
            "detail_level": preferences.detail_level,
        },
        "constraints": {
            **constraints.extra,
            "restricted_sectors": sorted(constraints.restricted_sectors),
            "restricted_securities": sorted(constraints.restricted_securities),
        },
    }


def profile_from_json(data: dict[str, Any]) -> ClientProfile:
    known_goal = {"id", "type", "target_year", "target_amount", "priority", "name"}
    goals = tuple(
        Goal(
            goal_id=GoalId(goal["id"]),
            goal_type=GoalType(goal["type"]),
            target_year=int(goal["target_year"]),
            target_amount=Decimal(goal["target_amount"]),
            priority=Priority(goal["priority"]),
            name=goal.get("name"),
            extra={k: v for k, v in goal.items() if k not in known_goal},
        )
        for goal in data.get("goals", [])
    )
    prefs = data.get("preferences", {})
    cons = data.get("constraints", {})
    return ClientProfile(
        goals=goals,
        preferences=Preferences(
            esg_focus=_optional(EsgFocus, prefs.get("esg_focus")),
            commentary_tone=_optional(CommentaryTone, prefs.get("commentary_tone")),
            detail_level=_optional(DetailLevel, prefs.get("detail_level")),
            extra={
                k: v
                for k, v in prefs.items()
                if k not in {"esg_focus", "commentary_tone", "detail_level"}
            },
        ),
        constraints=Constraints(
            restricted_sectors=frozenset(
                restricted_from_name(name) for name in cons.get("restricted_sectors", [])
            ),
            restricted_securities=frozenset(
                SecurityId(s) for s in cons.get("restricted_securities", [])
            ),
            extra={
                k: v
                for k, v in cons.items()
                if k not in {"restricted_sectors", "restricted_securities"}
            },
        ),
        extra={k: v for k, v in data.items() if k not in {"goals", "preferences", "constraints"}},
    )
