"""GOAL_FUNDING_DERISK: a goal inside its derisking window holding more growth than allowed.

The running example is a MEDIUM-risk client's home bought at the end of 2030, seen on
1 December 2026: 48 months, exactly 4 of the 8 years of the MEDIUM window, so the glide path
allows 0.20 + (0.60 - 0.20) * 4 / 8 = 40% growth, and the detector fires above 45%.
``months_to_target`` counts to the END of the target year, so the window's edge moves with
the month of the as-of date.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType, TradeSide
from nextbest.domain.client import Goal
from nextbest.domain.enums import AssetClass, GoalType, RiskTolerance, Sector
from nextbest.domain.portfolio import Portfolio
from nextbest.finance.glide_path import DEFAULT_GLIDE_PATH, DEFENSIVE_ASSETS
from nextbest.signals.goal_funding_derisk import GoalFundingDeriskDetector
from tests.signals_builders import (
    account,
    cash_security,
    client,
    context,
    goal,
    holding,
    portfolio,
    security,
    taxable_account,
)

HOME = "home-purchase-1"
DECEMBER = date(2026, 12, 1)
SECURITIES = (
    security("EQ-FUND", sector=Sector.DIVERSIFIED),
    security("PR-REIT", asset_class=AssetClass.PROPERTY, sector=Sector.REAL_ESTATE),
    security("BD-GILT", asset_class=AssetClass.BOND, sector=Sector.GOVERNMENT),
    cash_security(),
)
GROWTH_IDS = {"EQ-FUND", "PR-REIT"}


def _home(**kw: Any) -> Goal:
    fields: dict[str, Any] = {"target_year": 2030, "target_amount": 50_000, **kw}
    return goal(GoalType.HOME_PURCHASE, **fields)


def _linked(growth: Decimal | str | int, total: Decimal | str | int = 10_000) -> Portfolio:
    """An ISA linked to the home holding ``growth`` in equity and the rest in gilts."""
    bonds = Decimal(str(total)) - Decimal(str(growth))
    return portfolio(
        account("isa-1", holding("EQ-FUND", growth), holding("BD-GILT", bonds), goal_id=HOME)
    )


def _detect(
    book: Portfolio,
    *,
    home: Goal | None = None,
    as_of: date = DECEMBER,
    risk: RiskTolerance = RiskTolerance.MEDIUM,
    **kw: Any,
) -> list[Candidate]:
    who = client(goals=[home or _home()], risk_tolerance=risk)
    ctx = context(client=who, portfolio=book, securities=SECURITIES, as_of=as_of)
    return GoalFundingDeriskDetector(**kw).detect(ctx)


@pytest.mark.parametrize("risk", list(RiskTolerance))
def test_a_goal_exactly_the_window_away_is_inside_and_a_month_more_is_not(
    risk: RiskTolerance,
) -> None:
    window = DEFAULT_GLIDE_PATH.derisking_window_years(risk)
    home = _home(target_year=2026 + int(window))
    all_growth = _linked(10_000)
    # 1 December: 12 * window months to the end of the target year, the window's edge
    [found] = _detect(all_growth, home=home, risk=risk, tolerance=Decimal(0))
    assert found.evidence["months_to_target"] == 12 * int(window)
    assert found.evidence["derisking_window_years"] == window
    # 30 November: one month more, just outside
    outside = date(2026, 11, 30)
    assert _detect(all_growth, home=home, as_of=outside, risk=risk, tolerance=Decimal(0)) == []


def test_a_goal_eight_calendar_years_on_is_outside_the_window_until_december() -> None:
    # 2034 is eight calendar years after 2026, but from February that is 106 months away.
    home = _home(target_year=2034)
    assert _detect(_linked(10_000), home=home, as_of=date(2026, 2, 1)) == []
    assert _detect(_linked(10_000), home=home, as_of=DECEMBER)


def test_fires_just_above_the_allowed_share_plus_tolerance() -> None:
    assert _detect(_linked(4_500)) == []  # 45.00%: exactly allowed + tolerance
    [found] = _detect(_linked(4_501))
    assert found.key == f"GOAL_FUNDING_DERISK:{HOME}"
    assert found.signal is SignalType.GOAL_FUNDING_DERISK
    assert found.action_type is ActionType.DERISK_GOAL_ASSETS
    assert found.category is Category.GOAL
    assert found.regulated
    assert not found.mandatory
    assert found.goal_id == HOME
    assert found.evidence["growth_share"] == "0.4501"
    assert found.evidence["allowed_growth_share"] == "0.4000"
    assert found.evidence["tolerance"] == "0.05"
    assert found.evidence["amount_to_move"] == "501.00"
    assert found.benefit.amount == Decimal("501.00")
    assert found.benefit.percentage == Decimal("5.01")


def test_a_wider_tolerance_moves_the_trigger() -> None:
    assert _detect(_linked(5_000), tolerance=Decimal("0.10")) == []
    [found] = _detect(_linked(5_001), tolerance=Decimal("0.10"))
    assert found.evidence["amount_to_move"] == "1001.00"  # down to 40%, not to the trigger


def test_min_amount_is_the_smallest_move_suggested() -> None:
    assert _detect(_linked(4_501), min_amount=Decimal("501.00"))
    assert _detect(_linked(4_501), min_amount=Decimal("501.01")) == []


def _trades_book() -> Portfolio:
    """10,000 linked to the home, 5,001 of it growth; 60,000 of equity that funds nothing."""
    return portfolio(
        account(
            "isa-1",
            holding("EQ-FUND", 3_000),
            holding("PR-REIT", 1_001),
            holding("BD-GILT", 3_999),
            goal_id=HOME,
        ),
        taxable_account(
            "gia-1",
            holding("EQ-FUND", 1_000, goal_id=HOME),
            holding("CASH-GBP", 1_000, goal_id=HOME),
            holding("EQ-FUND", 50_000),
        ),
        taxable_account("gia-2", holding("EQ-FUND", 10_000)),
    )


def test_sells_only_linked_growth_and_buys_only_bonds_and_cash_to_the_cent() -> None:
    [found] = _detect(_trades_book())
    excess = Decimal("1001.00")  # 50.01% - 40% of 10,000
    assert found.evidence["goal_assets_value"] == "10000"
    assert found.evidence["growth_value"] == "5001"
    assert found.evidence["amount_to_move"] == str(excess)
    sells = [t for t in found.trades if t.side is TradeSide.SELL]
    buys = [t for t in found.trades if t.side is TradeSide.BUY]
    assert {t.security_id for t in sells} == GROWTH_IDS
    assert set(found.security_ids) == GROWTH_IDS
    assert {t.account_id for t in sells} == {"isa-1", "gia-1"}  # never gia-2
    assert all(t.security_id is None for t in buys)
    assert {t.asset_class for t in buys} == set(DEFENSIVE_ASSETS)
    assert sum(t.amount for t in sells) == excess == sum(t.amount for t in buys)
    assert found.benefit.amount == excess
    # EQ-FUND sold in proportion: 4,000 of the 5,001 growth, split 3:1 across its accounts
    by_holding = {(t.security_id, t.account_id): t.amount for t in sells}
    assert by_holding == {
        ("EQ-FUND", "isa-1"): Decimal("600.48"),
        ("EQ-FUND", "gia-1"): Decimal("200.16"),
        ("PR-REIT", "isa-1"): Decimal("200.36"),
    }
    # Four years out the glide path keeps 30% of the defensive part in cash.
    by_class = {t.asset_class: t.amount for t in buys}
    assert by_class == {AssetClass.BOND: Decimal("700.70"), AssetClass.CASH: Decimal("300.30")}


def test_only_explicitly_linked_holdings_count() -> None:
    growth = portfolio(account("isa-1", holding("EQ-FUND", 10_000)))
    declared = _home(extra={"funding_share": "1"})
    assert _detect(growth, home=declared) == []  # a share names nothing to sell
    other_goal = portfolio(account("isa-1", holding("EQ-FUND", 10_000), goal_id="retirement-1"))
    assert _detect(other_goal) == []
    assert _detect(portfolio()) == []
    assert _detect(_linked(10_000), home=_home(goal_id="education-1")) == []


def test_a_holding_missing_from_the_master_is_not_counted() -> None:
    book = portfolio(
        account(
            "isa-1",
            holding("EQ-FUND", 4_501),
            holding("BD-GILT", 5_499),
            holding("XX-UNKNOWN", 90_000),
            goal_id=HOME,
        )
    )
    [found] = _detect(book)
    assert found.evidence["goal_assets_value"] == "10000"
    assert "XX-UNKNOWN" not in json.dumps(found.evidence)


def test_urgency_grows_as_the_date_nears_and_with_the_excess() -> None:
    [four_years] = _detect(_linked(4_501))
    assert four_years.urgency == 65  # 40 + 40 * (1 - 4/8) + 20 * 0.0501 / 0.20
    [one_year] = _detect(_linked(4_501), home=_home(target_year=2027))
    assert one_year.urgency > four_years.urgency
    [far_over] = _detect(_linked(10_000))
    assert far_over.urgency == 80  # the excess term caps at 20


def test_evidence_is_json_ready_and_agrees_with_the_benefit_text() -> None:
    [found] = _detect(_linked(4_501))
    json.dumps(found.evidence)
    assert found.benefit.description == (
        "Your 2030 home purchase goal is 4.0 years away but 45.01% of its money is in growth "
        "assets; moving 501.00 GBP into bonds and cash brings that to 40.00%, so a late fall in "
        "markets matters less."
    )
    assert found.evidence["risk_tolerance"] == "MEDIUM"
    assert found.evidence["target_year"] == 2030
