"""Candidates: what a signal detector found and suggests, with the evidence behind it.

A candidate is not yet a recommendation: the decision loop decides whether and how to show it.

>>> from decimal import Decimal
>>> c = Candidate(
...     key="CONCENTRATION:EQ-1",
...     signal=SignalType.CONCENTRATION,
...     action_type=ActionType.REDUCE_CONCENTRATION,
...     category=Category.RISK,
...     urgency=40,
...     benefit=Benefit(description="less depends on one company"),
...     evidence={"weight": "0.31", "limit": "0.20"},
... )
>>> c.regulated, c.mandatory
(False, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from nextbest.domain.enums import AssetClass
from nextbest.domain.ids import AccountId, GoalId, SecurityId

__all__ = ["ActionType", "Benefit", "Candidate", "Category", "SignalType", "Trade", "TradeSide"]


class SignalType(StrEnum):
    GOAL_PROGRESS = "GOAL_PROGRESS"
    PREFERENCE_MISMATCH = "PREFERENCE_MISMATCH"
    CONSTRAINT_VIOLATION = "CONSTRAINT_VIOLATION"
    GOAL_FUNDING_DERISK = "GOAL_FUNDING_DERISK"
    REBALANCING_DRIFT = "REBALANCING_DRIFT"
    TAX_LOSS_HARVEST = "TAX_LOSS_HARVEST"
    EMERGENCY_FUND = "EMERGENCY_FUND"
    IDLE_CASH = "IDLE_CASH"
    CONCENTRATION = "CONCENTRATION"
    SAVINGS_RATE = "SAVINGS_RATE"


class ActionType(StrEnum):
    """What the client (or advisor) would do; the decision loop's catalog actions refer to these."""

    INCREASE_CONTRIBUTION = "INCREASE_CONTRIBUTION"
    GOAL_ON_TRACK = "GOAL_ON_TRACK"
    SWITCH_TO_ESG_ALTERNATIVE = "SWITCH_TO_ESG_ALTERNATIVE"
    SELL_RESTRICTED_HOLDING = "SELL_RESTRICTED_HOLDING"
    DERISK_GOAL_ASSETS = "DERISK_GOAL_ASSETS"
    REBALANCE = "REBALANCE"
    HARVEST_TAX_LOSS = "HARVEST_TAX_LOSS"
    BUILD_EMERGENCY_FUND = "BUILD_EMERGENCY_FUND"
    INVEST_IDLE_CASH = "INVEST_IDLE_CASH"
    REDUCE_CONCENTRATION = "REDUCE_CONCENTRATION"
    INCREASE_SAVINGS_RATE = "INCREASE_SAVINGS_RATE"


class Category(StrEnum):
    """Recommendation categories; the behaviour profile learns preferences per category."""

    GOAL = "GOAL"
    RETIREMENT = "RETIREMENT"
    ESG = "ESG"
    COMPLIANCE = "COMPLIANCE"
    RISK = "RISK"
    REBALANCING = "REBALANCING"
    TAX = "TAX"
    CASH = "CASH"
    SAVINGS = "SAVINGS"
    PROTECTION = "PROTECTION"
    CONTENT = "CONTENT"


class TradeSide(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


@dataclass(frozen=True, slots=True)
class Trade:
    """A suggested trade, by value in the portfolio's base currency. Never executed by nextbest."""

    side: TradeSide
    amount: Decimal
    security_id: SecurityId | None = None
    asset_class: AssetClass | None = None
    account_id: AccountId | None = None


@dataclass(frozen=True, slots=True)
class Benefit:
    """What acting would bring: an amount, a percentage, or both, and what that means."""

    description: str
    amount: Decimal | None = None
    percentage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One suggestion a detector found.

    ``key`` identifies the same finding across recomputations (e.g. ``CONSTRAINT_VIOLATION:EQ-1``).
    ``evidence`` holds the numbers behind it as JSON-ready values (decimals as strings), so a
    regulator can be shown exactly what the engine saw.
    """

    key: str
    signal: SignalType
    action_type: ActionType
    category: Category
    urgency: int
    benefit: Benefit
    evidence: Mapping[str, Any]
    regulated: bool = False
    mandatory: bool = False
    deadline: date | None = None
    goal_id: GoalId | None = None
    security_ids: tuple[SecurityId, ...] = ()
    trades: tuple[Trade, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.urgency <= 100:
            raise ValueError(f"urgency must be 0-100, not {self.urgency}")
