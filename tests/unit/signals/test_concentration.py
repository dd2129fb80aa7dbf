"""CONCENTRATION: a single company or a sector above its share of the portfolio."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType, TradeSide
from nextbest.domain.enums import AssetClass, Sector
from nextbest.domain.portfolio import Holding
from nextbest.domain.security import Security
from nextbest.signals.concentration import ConcentrationDetector
from tests.signals_builders import (
    account,
    cash_security,
    context,
    holding,
    portfolio,
    security,
    taxable_account,
)

ACME = security("EQ-ACME", sector=Sector.MATERIALS)
FUND = security("EQ-FUND", sector=Sector.DIVERSIFIED)
GILT = security("BD-GILT", asset_class=AssetClass.BOND, sector=Sector.GOVERNMENT)
TECH = [security(f"EQ-T{i}", sector=Sector.INFORMATION_TECHNOLOGY) for i in range(5)]
MASTER = (ACME, FUND, GILT, cash_security(), *TECH)


def _detect(
    *holdings: Holding, securities: tuple[Security, ...] = MASTER, **kw: Any
) -> list[Candidate]:
    ctx = context(portfolio=portfolio(account("isa-1", *holdings)), securities=securities)
    return ConcentrationDetector(**kw).detect(ctx)


def test_a_single_holding_just_above_ten_percent_is_concentrated() -> None:
    assert _detect(holding("EQ-ACME", 1000), holding("EQ-FUND", 9000)) == []  # exactly 10%
    [found] = _detect(holding("EQ-ACME", 1001), holding("EQ-FUND", 8999))
    assert found.key == "CONCENTRATION:EQ-ACME"
    assert found.signal is SignalType.CONCENTRATION
    assert found.action_type is ActionType.REDUCE_CONCENTRATION
    assert found.category is Category.RISK
    assert found.regulated
    assert found.benefit.amount == Decimal("1.00")
    assert found.evidence["scope"] == "HOLDING"


def test_sells_down_to_the_limit() -> None:
    [found] = _detect(holding("EQ-ACME", 3000), holding("EQ-FUND", 7000))
    [trade] = found.trades
    assert (trade.side, trade.security_id, trade.account_id) == (TradeSide.SELL, "EQ-ACME", "isa-1")
    assert trade.amount == Decimal("2000.00") == found.benefit.amount
    assert (Decimal(3000) - trade.amount) / Decimal(10_000) == Decimal("0.10")
    assert found.evidence["weight"] == "0.3000"
    assert found.evidence["limit"] == "0.10"
    assert found.evidence["excess"] == "2000.00"
    assert found.benefit.percentage == Decimal("20.00")
    json.dumps(found.evidence)


@pytest.mark.parametrize("held", ["EQ-FUND", "BD-GILT", "CASH-GBP"])
def test_diversified_funds_government_bonds_and_cash_are_never_concentrated(held: str) -> None:
    assert _detect(holding(held, 9000), holding("EQ-ACME", 1000)) == []


def test_only_equities_and_alternatives_count_as_single_names() -> None:
    corp = security("BD-CORP", asset_class=AssetClass.BOND, sector=Sector.FINANCIALS)
    gold = security("AL-GOLD", asset_class=AssetClass.ALTERNATIVE, sector=Sector.MATERIALS)
    found = _detect(
        holding("BD-CORP", 2000),
        holding("AL-GOLD", 2000),
        holding("EQ-FUND", 6000),
        securities=(*MASTER, corp, gold),
    )
    assert [c.key for c in found] == ["CONCENTRATION:AL-GOLD"]


def test_a_holding_across_accounts_is_one_exposure() -> None:
    book = portfolio(
        account("isa-1", holding("EQ-ACME", 600), holding("EQ-FUND", 8800)),
        taxable_account("gia-1", holding("EQ-ACME", 600, cost_basis=500)),
    )
    [found] = ConcentrationDetector().detect(context(portfolio=book, securities=MASTER))
    assert found.evidence["market_value"] == "1200.00"
    assert [(t.account_id, t.amount) for t in found.trades] == [
        ("isa-1", Decimal("100.00")),
        ("gia-1", Decimal("100.00")),
    ]


def test_a_sector_just_above_thirty_five_percent_is_concentrated() -> None:
    # five technology companies of 7% each: none alone above 10%, together 35%
    at_limit = [holding(f"EQ-T{i}", 700) for i in range(5)]
    assert _detect(*at_limit, holding("EQ-FUND", 6500)) == []
    above = [holding(f"EQ-T{i}", "700.01") for i in range(5)]
    [found] = _detect(*above, holding("EQ-FUND", "6499.95"))
    assert found.key == "CONCENTRATION:sector:INFORMATION_TECHNOLOGY"
    assert found.evidence["scope"] == "SECTOR"
    assert found.benefit.amount == Decimal("0.05")
    assert sum(t.amount for t in found.trades) == found.benefit.amount
    assert found.security_ids == tuple(f"EQ-T{i}" for i in range(5))


def test_sector_trades_are_spread_over_its_holdings_by_value() -> None:
    [found] = _detect(
        holding("EQ-T0", 3000),
        holding("EQ-T1", 1000),
        holding("EQ-FUND", 6000),
        max_holding_weight=Decimal("0.5"),
    )
    assert [(t.security_id, t.amount) for t in found.trades] == [
        ("EQ-T0", Decimal("375.00")),
        ("EQ-T1", Decimal("125.00")),
    ]


def test_exempt_sectors_are_not_summed_as_a_sector() -> None:
    assert _detect(holding("EQ-FUND", 5000), holding("BD-GILT", 5000)) == []


def test_urgency_grows_with_the_excess_and_caps_at_twice_the_limit() -> None:
    def urgency(value: int) -> int:
        found = _detect(holding("EQ-ACME", value), holding("EQ-FUND", 10_000 - value))
        return next(c.urgency for c in found if c.evidence["scope"] == "HOLDING")

    assert urgency(1001) == 30
    assert urgency(1500) == 55
    assert urgency(2000) == urgency(3000) == 80


def test_limits_are_hyper_parameters() -> None:
    held = (holding("EQ-ACME", 1500), holding("EQ-FUND", 8500))
    assert _detect(*held, max_holding_weight=Decimal("0.20")) == []
    with pytest.raises(ValueError, match="fractions"):
        ConcentrationDetector(max_sector_weight=Decimal(0))


def test_keys_are_stable_across_recomputations() -> None:
    held = (holding("EQ-ACME", 5000), holding("EQ-FUND", 5000))
    assert _detect(*held) == _detect(*held)
    assert [c.key for c in _detect(*held)] == [
        "CONCENTRATION:EQ-ACME",
        "CONCENTRATION:sector:MATERIALS",
    ]
