"""REBALANCING_DRIFT: a portfolio outside the 5/25 bands around its target allocation.

The builders' target is 60% equity, 30% bonds and 10% cash. By the 5/25 rule equity and bonds
may move 5 points (less than 25% of their targets), cash only 2.5 points (25% of 10%). The
example portfolios hold 10,000, so one unit is 0.01 percentage points.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType, TradeSide
from nextbest.domain.enums import AssetClass, Controversy, RiskTolerance, Sector
from nextbest.domain.portfolio import Portfolio
from nextbest.finance.allocation import Bands
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.finance.optimiser import optimal_allocation
from nextbest.signals.rebalancing_drift import RebalancingDriftDetector
from tests.signals_builders import (
    account,
    cash_account,
    cash_security,
    client,
    context,
    holding,
    portfolio,
    security,
)

SECURITIES = (
    security("EQ-FUND", sector=Sector.DIVERSIFIED),
    security("EQ-TOB", sector=Sector.CONSUMER_STAPLES, controversies=[Controversy.TOBACCO]),
    security("BD-GILT", asset_class=AssetClass.BOND, sector=Sector.GOVERNMENT),
    security("BD-UTIL", asset_class=AssetClass.BOND, sector=Sector.UTILITIES),
    security("PR-REIT", asset_class=AssetClass.PROPERTY, sector=Sector.REAL_ESTATE),
    security("AL-FUND", asset_class=AssetClass.ALTERNATIVE, sector=Sector.DIVERSIFIED),
    cash_security(),
)


def _book(
    equity: int | str,
    bonds: int | str,
    cash: int | str,
    *,
    target: dict[AssetClass, str] | None = None,
) -> Portfolio:
    return portfolio(
        account("isa-1", holding("EQ-FUND", equity), holding("BD-GILT", bonds)),
        cash_account("cash-1", holding("CASH-GBP", cash)),
        target_allocation=target,
    )


def _detect(book: Portfolio, *, who: Any = None, **kw: Any) -> list[Candidate]:
    ctx = context(client=who, portfolio=book, securities=SECURITIES)
    return RebalancingDriftDetector(**kw).detect(ctx)


def _assert_cash_neutral(found: Candidate) -> None:
    sells = sum(t.amount for t in found.trades if t.side is TradeSide.SELL)
    buys = sum(t.amount for t in found.trades if t.side is TradeSide.BUY)
    assert sells == buys > 0
    assert sells + buys == found.benefit.amount == Decimal(found.evidence["turnover"])


def test_the_bands_are_five_points_or_a_quarter_of_a_small_target() -> None:
    bands = Bands()
    assert bands.width(Decimal("0.60")) == bands.width(Decimal("0.30")) == Decimal("0.05")
    assert bands.width(Decimal("0.10")) == Decimal("0.025")


def test_is_quiet_on_the_band_edge_and_fires_just_past_it() -> None:
    assert _detect(_book(6_500, 2_500, 1_000)) == []  # equity +5.00, bonds -5.00 points
    [found] = _detect(_book(6_501, 2_499, 1_000))
    assert found.key == "REBALANCING_DRIFT:c-1"
    assert found.signal is SignalType.REBALANCING_DRIFT
    assert found.action_type is ActionType.REBALANCE
    assert found.category is Category.REBALANCING
    assert found.regulated
    assert found.evidence["target_source"] == "portfolio"
    assert found.evidence["total_drift"] == "0.0501"
    assert found.evidence["classes"]["EQUITY"] == {
        "current": "0.6501",
        "target": "0.60",
        "band": "0.05",
        "out_of_band": True,
    }
    _assert_cash_neutral(found)


def test_cash_has_a_narrower_band_than_equity() -> None:
    assert _detect(_book(5_750, 3_000, 1_250)) == []  # cash +2.50 points: on its edge
    [found] = _detect(_book(5_749, 3_000, 1_251))
    classes = found.evidence["classes"]
    assert classes["CASH"]["band"] == "0.0250"
    assert classes["CASH"]["out_of_band"] is True
    assert classes["EQUITY"]["out_of_band"] is False
    _assert_cash_neutral(found)


def test_trades_back_to_target_with_the_least_turnover() -> None:
    [found] = _detect(_book(6_501, 2_499, 1_000))
    assert [(t.side, t.security_id, t.asset_class, t.amount) for t in found.trades] == [
        (TradeSide.SELL, "EQ-FUND", AssetClass.EQUITY, Decimal("501.00")),
        (TradeSide.BUY, "BD-GILT", AssetClass.BOND, Decimal("501.00")),
    ]
    assert found.security_ids == ("EQ-FUND", "BD-GILT")
    assert found.urgency == 44  # 30 + 70 * 0.0501 / 0.25


def test_min_turnover_is_the_smallest_plan_suggested() -> None:
    book = _book(6_501, 2_499, 1_000)
    [found] = _detect(book)
    turnover = found.benefit.amount
    assert turnover == Decimal("1002.00")
    assert _detect(book, min_turnover=turnover)
    assert _detect(book, min_turnover=turnover + Decimal("0.01")) == []


def test_a_portfolio_without_a_target_is_measured_against_the_optimiser() -> None:
    all_equity = _book(10_000, 0, 0, target={})
    [found] = _detect(all_equity)
    assert found.evidence["target_source"] == "optimiser"
    optimal = optimal_allocation(RiskTolerance.MEDIUM, DEFAULT_ASSUMPTIONS)
    assert {c: v["target"] for c, v in found.evidence["classes"].items()} == {
        c.value: str(w) for c, w in optimal.items()
    }
    _assert_cash_neutral(found)
    bought = {t.asset_class for t in found.trades if t.side is TradeSide.BUY}
    assert bought == {c for c, w in optimal.items() if w > 0} - {AssetClass.EQUITY}
    assert _detect(all_equity, optimal_when_no_target=False) == []


def test_stays_quiet_when_the_target_needs_a_class_the_master_does_not_offer() -> None:
    # The optimiser wants property and alternatives; with none to buy there is no plan.
    shelf = [s for s in SECURITIES if s.asset_class not in {AssetClass.PROPERTY}]
    ctx = context(portfolio=_book(10_000, 0, 0, target={}), securities=shelf)
    assert RebalancingDriftDetector().detect(ctx) == []


def test_sells_restricted_holdings_first() -> None:
    book = portfolio(
        account(
            "isa-1",
            holding("EQ-TOB", 500),
            holding("EQ-FUND", 6_500),
            holding("BD-GILT", 2_000),
        ),
        cash_account("cash-1", holding("CASH-GBP", 1_000)),
    )
    [found] = _detect(book, who=client(restricted_sectors=[Controversy.TOBACCO]))
    sells = {t.security_id: t.amount for t in found.trades if t.side is TradeSide.SELL}
    assert sells == {"EQ-TOB": Decimal("500.00"), "EQ-FUND": Decimal("500.00")}
    assert all(t.security_id != "EQ-TOB" for t in found.trades if t.side is TradeSide.BUY)
    _assert_cash_neutral(found)


@pytest.mark.parametrize(
    "who",
    [
        client(restricted_sectors=[Sector.GOVERNMENT]),
        client(restricted_securities=["BD-GILT"]),
    ],
    ids=["restricted sector", "restricted security"],
)
def test_never_buys_a_restricted_security_even_one_already_held(who: Any) -> None:
    # The gilt is held and comes first in the master, but the client has ruled it out.
    [found] = _detect(_book(7_000, 2_000, 1_000), who=who)
    buys = [t for t in found.trades if t.side is TradeSide.BUY]
    assert [(t.security_id, t.asset_class) for t in buys] == [("BD-UTIL", AssetClass.BOND)]
    assert all(t.security_id != "BD-GILT" for t in found.trades)  # nor sells what is short
    _assert_cash_neutral(found)


def test_stays_quiet_rather_than_buy_a_restricted_security() -> None:
    who = client(restricted_securities=["BD-GILT", "BD-UTIL"])
    assert _detect(_book(7_000, 2_000, 1_000), who=who) == []


@pytest.mark.parametrize(
    "book",
    [
        None,
        portfolio(),
        portfolio(account("isa-1", holding("XX-UNKNOWN", 10_000))),
        _book(7_000, 2_000, 1_000, target={AssetClass.EQUITY: "0.5", AssetClass.BOND: "0.4"}),
    ],
    ids=["no portfolio", "no holdings", "only unknown securities", "target not summing to 1"],
)
def test_is_quiet_when_there_is_nothing_to_measure(book: Portfolio | None) -> None:
    assert RebalancingDriftDetector().detect(context(portfolio=book, securities=SECURITIES)) == []


def test_the_same_context_gives_the_same_candidates() -> None:
    ctx = context(portfolio=_book(7_000, 2_000, 1_000), securities=SECURITIES)
    assert RebalancingDriftDetector().detect(ctx) == RebalancingDriftDetector().detect(ctx)


def test_evidence_is_json_ready_and_agrees_with_the_benefit_text() -> None:
    [found] = _detect(_book(6_501, 2_499, 1_000))
    json.dumps(found.evidence)
    assert found.benefit.description == (
        "Your portfolio has drifted from its target: equity is 65.01% against 60.00%. Trading "
        "501.00 GBP each way brings every asset class back within its band, keeping your risk "
        "where you chose it."
    )
    assert found.benefit.percentage == Decimal("5.01")
    assert found.evidence["total_value"] == "10000"
    assert found.evidence["band_absolute"] == "0.05"
    assert found.evidence["band_relative"] == "0.25"
