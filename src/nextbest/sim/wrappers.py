"""Which accounts a client opens: the tax wrappers of their country, and the goals each funds."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from nextbest.domain.client import Client
from nextbest.domain.enums import AccountType, GoalType, IncomeBand, NetWorthBand, TaxWrapper
from nextbest.domain.ids import GoalId
from nextbest.sim.markets import MARKETS

__all__ = ["AccountPlan", "plan_accounts"]

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class _Wrapper:
    """An account a client may open. ``monthly_cap`` is the yearly allowance over 12."""

    account_id: str
    account_type: AccountType
    tax_wrapper: TaxWrapper
    weight: float
    goals: tuple[GoalType, ...]
    monthly_cap: int | None = None
    takes_contributions: bool = True


_SAVINGS_GOALS = (GoalType.WEALTH_GROWTH, GoalType.HOME_PURCHASE, GoalType.MAJOR_PURCHASE)
_TAXABLE_GOALS = (GoalType.WEALTH_GROWTH, GoalType.LEGACY, GoalType.MAJOR_PURCHASE)
_RETIREMENT = (GoalType.RETIREMENT,)
_EDUCATION = (GoalType.EDUCATION,)
_CASH = _Wrapper("cash-1", AccountType.CASH, TaxWrapper.NONE, 0.3, (GoalType.EMERGENCY_FUND,))

_WRAPPERS: dict[str, tuple[_Wrapper, ...]] = {
    "GB": (
        _Wrapper("isa-1", AccountType.TAX_FREE_SAVINGS, TaxWrapper.ISA, 1.2, _SAVINGS_GOALS, 1666),
        _Wrapper("sipp-1", AccountType.RETIREMENT, TaxWrapper.SIPP, 2.0, _RETIREMENT),
        _Wrapper(
            "lisa-1",
            AccountType.TAX_FREE_SAVINGS,
            TaxWrapper.LISA,
            0.4,
            (GoalType.HOME_PURCHASE, GoalType.RETIREMENT),
            333,
        ),
        _Wrapper("jisa-1", AccountType.EDUCATION, TaxWrapper.JISA, 0.4, _EDUCATION, 750),
        _Wrapper("gia-1", AccountType.TAXABLE, TaxWrapper.NONE, 1.5, _TAXABLE_GOALS),
        _CASH,
    ),
    "ZA": (
        _Wrapper(
            "tfsa-1", AccountType.TAX_FREE_SAVINGS, TaxWrapper.TFSA, 1.0, _SAVINGS_GOALS, 3000
        ),
        _Wrapper("ra-1", AccountType.RETIREMENT, TaxWrapper.RETIREMENT_ANNUITY, 2.0, _RETIREMENT),
        _Wrapper(
            "pf-1",
            AccountType.RETIREMENT,
            TaxWrapper.PRESERVATION_FUND,
            1.5,
            _RETIREMENT,
            takes_contributions=False,  # a preservation fund only holds a transferred pension
        ),
        _Wrapper("education-1", AccountType.EDUCATION, TaxWrapper.NONE, 0.4, _EDUCATION),
        _Wrapper("discretionary-1", AccountType.TAXABLE, TaxWrapper.NONE, 1.5, _TAXABLE_GOALS),
        _CASH,
    ),
    "US": (
        _Wrapper("401k-1", AccountType.RETIREMENT, TaxWrapper.K401, 2.0, _RETIREMENT, 1916),
        _Wrapper("ira-1", AccountType.RETIREMENT, TaxWrapper.IRA, 1.0, _RETIREMENT, 583),
        _Wrapper("roth-ira-1", AccountType.RETIREMENT, TaxWrapper.ROTH_IRA, 0.8, _RETIREMENT, 583),
        _Wrapper("529-1", AccountType.EDUCATION, TaxWrapper.PLAN_529, 0.5, _EDUCATION),
        _Wrapper(
            "brokerage-1",
            AccountType.TAXABLE,
            TaxWrapper.NONE,
            1.5,
            (*_TAXABLE_GOALS, GoalType.HOME_PURCHASE),
        ),
        _CASH,
    ),
}
_INCOME = tuple(IncomeBand)
_NET_WORTH = tuple(NetWorthBand)
_PRIMARY = {"GB": "isa-1", "ZA": "tfsa-1", "US": "brokerage-1"}
_BY_WEALTH = (0.1, 0.3, 0.6, 0.8, 0.9)  # chance of a taxable account, by net-worth band
_MONTHLY_POUNDS = (60, 150, 350, 800, 2000)  # what a client saves a month, by income band


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """An account before its holdings: what it is, the goal it funds, its share of the wealth.

    >>> plan = AccountPlan("isa-1", AccountType.TAX_FREE_SAVINGS, TaxWrapper.ISA,
    ...                    GoalId("home-purchase-1"), 1.2, Decimal("400.00"))
    >>> plan.tax_wrapper.value
    'ISA'
    """

    account_id: str
    account_type: AccountType
    tax_wrapper: TaxWrapper
    goal_id: GoalId | None
    weight: float
    monthly_contribution: Decimal


def _chance(wrapper: _Wrapper, *, age: int, goals: set[GoalType], wealth: int) -> float:
    has = goals.__contains__
    match wrapper.tax_wrapper:
        case TaxWrapper.ISA | TaxWrapper.TFSA:
            return 0.85
        case TaxWrapper.SIPP | TaxWrapper.RETIREMENT_ANNUITY:
            return 0.0 if age < 25 else (0.85 if has(GoalType.RETIREMENT) else 0.5)
        case TaxWrapper.PRESERVATION_FUND:
            return 0.15 if age >= 40 else 0.0
        case TaxWrapper.LISA:
            return 0.6 if age < 40 and has(GoalType.HOME_PURCHASE) else 0.0
        case TaxWrapper.JISA | TaxWrapper.PLAN_529:
            return 0.8 if has(GoalType.EDUCATION) else 0.0
        case TaxWrapper.K401:
            return 0.75 if age < 65 else 0.3
        case TaxWrapper.IRA:
            return 0.35
        case TaxWrapper.ROTH_IRA:
            return 0.55 if age < 40 else 0.3
    if wrapper.account_type is AccountType.EDUCATION:
        return 0.5 if has(GoalType.EDUCATION) else 0.0
    if wrapper.account_type is AccountType.CASH:
        return 0.6 if has(GoalType.EMERGENCY_FUND) else 0.3
    return _BY_WEALTH[wealth]


def _goal_for(rng: random.Random, wrapper: _Wrapper, client: Client) -> GoalId | None:
    by_type = {goal.goal_type: goal.goal_id for goal in client.profile.goals}
    found = next((by_type[t] for t in wrapper.goals if t in by_type), None)
    if wrapper.account_type in {AccountType.TAXABLE, AccountType.TAX_FREE_SAVINGS} and (
        wrapper.tax_wrapper is not TaxWrapper.LISA
    ):
        return found if rng.random() < 0.6 else None
    return found


def _monthly(rng: random.Random, wrapper: _Wrapper, budget: float) -> Decimal:
    if not wrapper.takes_contributions or rng.random() < 0.3:
        return Decimal(0).quantize(_CENT)
    amount = budget if wrapper.monthly_cap is None else min(budget, wrapper.monthly_cap)
    return Decimal(round(amount / 10) * 10).quantize(_CENT)


def plan_accounts(rng: random.Random, client: Client, *, today: date) -> list[AccountPlan]:
    """The accounts ``client`` holds: at least one that invests, linked to fitting goals.

    Monthly contributions are in the client's currency and respect each wrapper's allowance.
    """
    age = client.age_in(today.year)
    goals = {goal.goal_type for goal in client.profile.goals}
    wealth = 0 if client.net_worth_band is None else _NET_WORTH.index(client.net_worth_band)
    wrappers = _WRAPPERS[client.country]
    opened = [w for w in wrappers if rng.random() < _chance(w, age=age, goals=goals, wealth=wealth)]
    if all(w.account_type is AccountType.CASH for w in opened):
        primary = next(w for w in wrappers if w.account_id == _PRIMARY[client.country])
        opened.insert(0, primary)
    weights = [
        w.weight
        * rng.uniform(0.6, 1.4)
        * (1 + age / 40 if w.account_type is AccountType.RETIREMENT else 1.0)
        for w in opened
    ]
    income = 2 if client.income_band is None else _INCOME.index(client.income_band)
    scale = float(MARKETS[client.country].scale)
    saving = _MONTHLY_POUNDS[income] * rng.uniform(0.5, 1.5) * scale * (0.1 if age >= 67 else 1)
    total = sum(weights)
    return [
        AccountPlan(
            account_id=w.account_id,
            account_type=w.account_type,
            tax_wrapper=w.tax_wrapper,
            goal_id=_goal_for(rng, w, client),
            weight=weight,
            monthly_contribution=_monthly(rng, w, saving * weight / total),
        )
        for w, weight in zip(opened, weights, strict=True)
    ]
