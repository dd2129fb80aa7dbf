"""What funds a goal: linked holdings and accounts, or a declared share of the rest.

A holding funds the goal its ``goal_id`` names; a holding without one funds the goal of its
account. Monthly contributions count towards the goal of their account. A goal may instead (or
as well) declare ``funding_share`` in its profile (a fraction 0-1, seed 000's open profile): that
share of every unlinked holding and unlinked account's contribution is counted for it. A
``funding_share`` that is not a number from 0 to 1 is ignored and said so in the evidence. A goal
nothing funds is projected from zero: that is a finding, not an error.

>>> from datetime import date
>>> months_to_target(2045, date(2026, 2, 1)), months_to_target(2026, date(2026, 12, 15))
(238, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from nextbest.domain.candidate import Category
from nextbest.domain.client import Goal
from nextbest.domain.enums import GoalType
from nextbest.domain.portfolio import Portfolio
from nextbest.signals.base import SecurityMaster
from nextbest.signals.positions import Position, positions

__all__ = ["GoalFunding", "category_of", "goal_funding", "goal_label", "months_to_target"]


@dataclass(frozen=True, slots=True)
class GoalFunding:
    goal: Goal
    linked: tuple[Position, ...]
    """Holdings explicitly linked to the goal (directly or through their account)."""
    value: Decimal
    """Linked value plus the declared share of unlinked holdings."""
    monthly_contribution: Decimal
    share: Decimal | None
    share_problem: str | None = None

    @property
    def funded(self) -> bool:
        return self.value > 0 or self.monthly_contribution > 0

    def evidence(self) -> dict[str, object]:
        return {
            "funded_value": str(self.value),
            "monthly_contribution": str(self.monthly_contribution),
            "linked_holdings": [p.holding.security_id for p in self.linked],
            "funding_share": None if self.share is None else str(self.share),
            "funding_share_problem": self.share_problem,
        }


def months_to_target(target_year: int, as_of: date) -> int:
    """Whole months from ``as_of`` to the end of ``target_year``; at least 1."""
    return max(1, (target_year - as_of.year) * 12 + 12 - as_of.month)


def _declared_share(goal: Goal) -> tuple[Decimal | None, str | None]:
    raw = goal.extra.get("funding_share")
    if raw is None:
        return None, None
    try:
        share = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None, f"funding_share {raw!r} is not a number"
    if share.is_nan():  # Decimal parses "nan", but ordering a NaN raises InvalidOperation
        return None, f"funding_share {raw!r} is not a number"
    if not Decimal(0) <= share <= Decimal(1):
        return None, f"funding_share {raw!r} is not between 0 and 1"
    return share, None


def goal_funding(goal: Goal, portfolio: Portfolio | None, master: SecurityMaster) -> GoalFunding:
    share, problem = _declared_share(goal)
    linked: list[Position] = []
    unlinked_value = Decimal(0)
    for position in positions(portfolio, master):
        owner = position.holding.goal_id or position.account.goal_id
        if owner == goal.goal_id:
            linked.append(position)
        elif owner is None:
            unlinked_value += position.holding.market_value
    contribution = Decimal(0)
    unlinked_contribution = Decimal(0)
    for account in portfolio.accounts if portfolio is not None else ():
        if account.goal_id == goal.goal_id:
            contribution += account.monthly_contribution
        elif account.goal_id is None:
            unlinked_contribution += account.monthly_contribution
    value = sum((p.holding.market_value for p in linked), Decimal(0))
    if share is not None:
        value += share * unlinked_value
        contribution += share * unlinked_contribution
    return GoalFunding(goal, tuple(linked), value, contribution, share, problem)


def category_of(goal: Goal) -> Category:
    return Category.RETIREMENT if goal.goal_type is GoalType.RETIREMENT else Category.GOAL


def goal_label(goal: Goal) -> str:
    """``your 2045 retirement goal`` or, with a name, ``your 2029 goal "Home renovation"``."""
    if goal.name:
        return f'your {goal.target_year} goal "{goal.name}"'
    kind = goal.goal_type.value.lower().replace("_", " ")
    return f"your {goal.target_year} {kind} goal"
