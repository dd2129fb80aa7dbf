"""EMERGENCY_FUND and IDLE_CASH, measured in months of a household's essential spending.

A MIDDLE-income GBP household is taken to earn 45,000 a year and spend 40% of it on essentials:
1,500 a month, so a 3-month reserve is 4,500, a 6-month one 9,000, and 12 months 18,000.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType, TradeSide
from nextbest.domain.enums import AssetClass, GoalType, IncomeBand, Sector
from nextbest.signals.cash import CashDetector
from nextbest.signals.household import ANNUAL_INCOME, monthly_essential_expenses
from tests.signals_builders import (
    account,
    cash_account,
    cash_security,
    client,
    context,
    goal,
    holding,
    portfolio,
    security,
)

FUND = security("EQ-FUND", sector=Sector.DIVERSIFIED)
SECURITIES = (cash_security(), cash_security("CASH-USD", currency="USD"), FUND)


def _detect(
    cash: str | int,
    invested: str | int = 50_000,
    *,
    goals: tuple[Any, ...] = (),
    income_band: IncomeBand | None = IncomeBand.MIDDLE,
    currency: str = "GBP",
    target: dict[AssetClass, str] | None = None,
    **kw: Any,
) -> list[Candidate]:
    book = portfolio(
        cash_account("cash-1", holding("CASH-GBP", cash, acquired_on=None)),
        account("isa-1", holding("EQ-FUND", invested)),
        base_currency=currency,
        target_allocation=target,
    )
    who = client(income_band=income_band, goals=goals, base_currency=currency)
    return CashDetector(**kw).detect(context(client=who, portfolio=book, securities=SECURITIES))


def test_the_household_table_gives_1500_a_month_of_essentials_for_the_example() -> None:
    assert ANNUAL_INCOME["GBP"][IncomeBand.MIDDLE] == Decimal(45_000)
    assert monthly_essential_expenses(IncomeBand.MIDDLE, "GBP") == Decimal("1500.00")


def test_emergency_fund_fires_just_below_three_months_of_spending() -> None:
    [found] = _detect("4499.99")
    assert found.key == "EMERGENCY_FUND:c-1"
    assert found.signal is SignalType.EMERGENCY_FUND
    assert found.action_type is ActionType.BUILD_EMERGENCY_FUND
    assert found.category is Category.CASH
    assert not found.regulated
    assert found.benefit.amount == Decimal("0.01")
    assert found.evidence["shortfall"] == "0.01"
    assert found.evidence["emergency_reserve"] == "4500.00"
    assert found.trades == ()
    assert _detect("4500.00") == []


def test_a_client_with_an_emergency_fund_goal_is_measured_against_six_months() -> None:
    safety = goal(GoalType.EMERGENCY_FUND, target_amount=10_000)
    [found] = _detect("8999.99", goals=(safety,))
    assert found.goal_id == "emergency-fund-1"
    assert found.evidence["emergency_months"] == "6"
    assert found.benefit.amount == Decimal("0.01")
    assert _detect("9000", goals=(safety,)) == []


def test_emergency_urgency_grows_with_the_shortfall() -> None:
    def urgency(cash: int) -> int:
        [found] = _detect(cash)
        return found.urgency

    assert urgency(0) == 80
    assert urgency(0) > urgency(2250) == 55 > urgency(4499) == 30


def test_suggests_saving_the_shortfall_over_a_year() -> None:
    [found] = _detect(1500)
    assert found.detail == {"suggested_monthly_saving": "250.00", "months_to_build": 12}
    assert found.evidence["months_covered"] == "1.00"


def test_idle_cash_needs_more_than_twelve_months_of_spending() -> None:
    [found] = _detect("18000.01")  # 26% of the portfolio
    assert found.key == "IDLE_CASH:c-1"
    assert found.signal is SignalType.IDLE_CASH
    assert found.action_type is ActionType.INVEST_IDLE_CASH
    assert found.regulated
    assert _detect(18_000) == []


def test_idle_cash_needs_more_than_a_fifth_of_the_portfolio() -> None:
    assert _detect(30_000, 120_000) == []  # exactly 20%
    [found] = _detect(30_000, 119_999)
    assert found.signal is SignalType.IDLE_CASH


def test_invests_the_excess_over_the_reserve_across_the_target_mix() -> None:
    [found] = _detect(30_000, 119_999)
    # keep the larger of 4,500 (3 months) and 10% target cash of 149,999 = 14,999.90
    assert found.evidence["keep_in_cash"] == "14999.90"
    assert found.evidence["excess"] == "15000.10"
    assert [(t.side, t.asset_class, t.amount) for t in found.trades] == [
        (TradeSide.BUY, AssetClass.BOND, Decimal("5000.03")),
        (TradeSide.BUY, AssetClass.EQUITY, Decimal("10000.07")),
    ]
    assert sum(t.amount for t in found.trades) == Decimal(found.evidence["excess"])
    # 6.5% expected from the 60/30 mix against 3.5% on cash
    assert found.evidence["expected_uplift"] == "0.030000"
    assert found.benefit.percentage == Decimal("3.00")
    assert (
        found.benefit.amount == Decimal("450.00") == Decimal(found.evidence["expected_annual_gain"])
    )


def test_keeps_at_least_the_emergency_reserve_when_the_target_holds_little_cash() -> None:
    [found] = _detect(40_000, 60_000, target={AssetClass.EQUITY: "1"})
    assert found.evidence["keep_in_cash"] == "4500.00"
    assert found.evidence["excess"] == "35500.00"
    assert [t.amount for t in found.trades] == [Decimal("35500.00")]


def test_an_all_cash_target_still_flags_idle_cash_without_trades() -> None:
    [found] = _detect(40_000, 60_000, target={AssetClass.CASH: "0.3"})
    assert found.trades == ()
    assert found.benefit.amount is None


def test_idle_urgency_grows_with_the_cash_share() -> None:
    [low] = _detect(30_000, 119_999)
    [high] = _detect(80_000, 20_000)
    assert 20 <= low.urgency < high.urgency == 50


def test_counts_every_cash_class_holding_in_any_account() -> None:
    book = portfolio(
        account("isa-1", holding("CASH-GBP", 2000), holding("EQ-FUND", 10_000)),
        cash_account("cash-1", holding("CASH-USD", 2000)),
    )
    [found] = CashDetector().detect(context(portfolio=book, securities=SECURITIES))
    assert found.evidence["cash"] == "4000.00"
    assert len(found.evidence["cash_holdings"]) == 2


@pytest.mark.parametrize(("band", "currency"), [(None, "GBP"), (IncomeBand.MIDDLE, "EUR")])
def test_is_quiet_without_an_income_estimate(band: IncomeBand | None, currency: str) -> None:
    assert _detect(0, income_band=band, currency=currency) == []
    assert _detect(100_000, income_band=band, currency=currency) == []


def test_evidence_is_json_ready_and_consistent() -> None:
    for found in (*_detect(1000), *_detect(30_000, 50_000)):
        json.dumps(found.evidence)
        json.dumps(dict(found.detail))
        assert found.evidence["monthly_expenses"] == "1500.00"
        assert found.evidence["annual_income"] == "45000"
    [short] = _detect(1000)
    assert (
        Decimal(short.evidence["emergency_reserve"]) - Decimal(short.evidence["cash"])
        == short.benefit.amount
    )


def test_rejects_nonsense_hyper_parameters() -> None:
    with pytest.raises(ValueError, match="fractions"):
        CashDetector(idle_share=Decimal("1.5"))
