"""A client: banded demographics, the ``client_profile`` of seed 000 and consents by purpose.

nextbest holds no names, e-mail addresses or exact incomes: the host application owns identity
and refers to its clients by an opaque id.

>>> from decimal import Decimal
>>> goal = Goal(GoalId("retirement-1"), GoalType.RETIREMENT, 2045, Decimal("500000"))
>>> profile = ClientProfile(goals=(goal,))
>>> profile.problems(as_of_year=2030)
[]
>>> profile.problems(as_of_year=2050)
[('client_profile.goals.0.target_year', 'target year 2045 is in the past (it is now 2050)')]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from nextbest.domain.enums import (
    CommentaryTone,
    ConsentPurpose,
    Controversy,
    DetailLevel,
    EsgFocus,
    GoalType,
    IncomeBand,
    NetWorthBand,
    Priority,
    RiskTolerance,
    Sector,
)
from nextbest.domain.ids import ClientId, GoalId, SecurityId
from nextbest.errors import Problem

__all__ = ["Client", "ClientProfile", "Constraints", "Goal", "Preferences"]


@dataclass(frozen=True, slots=True)
class Goal:
    """One financial goal. ``extra`` keeps fields nextbest does not know yet (seed 000)."""

    goal_id: GoalId
    goal_type: GoalType
    target_year: int
    target_amount: Decimal
    priority: Priority = Priority.MEDIUM
    name: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Preferences:
    esg_focus: EsgFocus | None = None
    commentary_tone: CommentaryTone | None = None
    detail_level: DetailLevel | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Constraints:
    """Hard limits: no holding may be in a restricted sector or involvement, or be restricted."""

    restricted_sectors: frozenset[Sector | Controversy] = frozenset()
    restricted_securities: frozenset[SecurityId] = frozenset()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClientProfile:
    goals: tuple[Goal, ...] = ()
    preferences: Preferences = field(default_factory=Preferences)
    constraints: Constraints = field(default_factory=Constraints)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def goal(self, goal_id: GoalId) -> Goal | None:
        return next((goal for goal in self.goals if goal.goal_id == goal_id), None)

    def problems(self, *, as_of_year: int) -> list[Problem]:
        """The rules a profile must meet that depend on more than one field or on the date."""
        found: list[Problem] = []
        seen: set[GoalId] = set()
        for index, goal in enumerate(self.goals):
            where = f"client_profile.goals.{index}"
            if goal.target_year < as_of_year:
                found.append(
                    (
                        f"{where}.target_year",
                        f"target year {goal.target_year} is in the past (it is now {as_of_year})",
                    )
                )
            if goal.goal_id in seen:
                found.append((f"{where}.id", f"goal id {goal.goal_id!r} is used twice"))
            seen.add(goal.goal_id)
        return found


@dataclass(frozen=True, slots=True)
class Client:
    client_id: ClientId
    birth_year: int
    country: str
    base_currency: str
    risk_tolerance: RiskTolerance
    income_band: IncomeBand | None = None
    net_worth_band: NetWorthBand | None = None
    profile: ClientProfile = field(default_factory=ClientProfile)
    consents: Mapping[ConsentPurpose, bool] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def has_consent(self, purpose: ConsentPurpose) -> bool:
        """Consent is opt-in: a purpose never recorded counts as refused."""
        return self.consents.get(purpose, False)

    def age_in(self, year: int) -> int:
        return year - self.birth_year
