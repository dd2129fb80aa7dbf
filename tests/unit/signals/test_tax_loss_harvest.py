"""TAX_LOSS_HARVEST: realise losses in taxable accounts, never inside a wash-sale window."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType, TradeSide
from nextbest.domain.enums import AccountType, AssetClass, Controversy, Sector, TaxWrapper
from nextbest.domain.portfolio import Account, Holding
from nextbest.domain.security import Security
from nextbest.signals.tax_loss_harvest import TaxLossHarvestDetector, tax_year_end
from tests.signals_builders import (
    AS_OF,
    account,
    client,
    context,
    holding,
    portfolio,
    security,
    taxable_account,
)

LOSER = security("EQ-LOSS", sector=Sector.ENERGY)
TWIN = security("EQ-TWIN", sector=Sector.ENERGY, esg_score=50)
OTHER = security("EQ-OTHER", sector=Sector.UTILITIES, esg_score=90)
LONG_AGO = AS_OF - timedelta(days=400)


def _lot(value: str | int = 4000, cost: str | int | None = 5000, **kw: Any) -> Holding:
    kw.setdefault("acquired_on", LONG_AGO)
    return holding("EQ-LOSS", value, cost_basis=cost, **kw)


def _detect(
    *accounts: Account,
    securities: tuple[Security, ...] = (LOSER, TWIN, OTHER),
    country: str = "GB",
    currency: str = "GBP",
    as_of: date = AS_OF,
    **kw: Any,
) -> list[Candidate]:
    book = portfolio(*(accounts or (taxable_account("gia-1", _lot()),)), base_currency=currency)
    ctx = context(
        client=client(country=country, base_currency=currency),
        portfolio=book,
        securities=securities,
        as_of=as_of,
    )
    return TaxLossHarvestDetector(**kw).detect(ctx)


def test_harvests_a_loss_in_a_taxable_account_into_a_same_sector_replacement() -> None:
    [found] = _detect()
    assert found.key == "TAX_LOSS_HARVEST:EQ-LOSS"
    assert found.signal is SignalType.TAX_LOSS_HARVEST
    assert found.action_type is ActionType.HARVEST_TAX_LOSS
    assert found.category is Category.TAX
    assert found.regulated
    assert not found.mandatory
    assert found.detail["replacement"]["security_id"] == "EQ-TWIN"  # same sector beats ESG
    assert [(t.side, t.security_id, t.account_id, t.amount) for t in found.trades] == [
        (TradeSide.SELL, "EQ-LOSS", "gia-1", Decimal("4000.00")),
        (TradeSide.BUY, "EQ-TWIN", "gia-1", Decimal("4000.00")),
    ]


@pytest.mark.parametrize(
    ("value", "cost", "fires"),
    [
        ("4500.00", "5000.00", False),  # a loss of exactly 500
        ("4499.99", "5000.00", True),  # 500.01, and 10.0002% of cost
        ("9000.00", "10000.00", False),  # exactly 10% (1,000 is well above 500)
        ("8999.00", "10000.00", True),  # 10.01%
    ],
)
def test_fires_only_above_both_the_absolute_and_the_relative_threshold(
    value: str, cost: str, fires: bool
) -> None:
    found = _detect(taxable_account("gia-1", _lot(value, cost)))
    assert bool(found) is fires


def test_a_large_loss_that_is_a_small_share_of_cost_is_not_harvested() -> None:
    assert _detect(taxable_account("gia-1", _lot(95_000, 100_000))) == []  # 5,000 but 5%


@pytest.mark.parametrize(
    ("account_type", "wrapper"),
    [
        (AccountType.TAX_FREE_SAVINGS, TaxWrapper.ISA),
        (AccountType.RETIREMENT, TaxWrapper.SIPP),
        (AccountType.TAXABLE, TaxWrapper.ISA),
        (AccountType.EDUCATION, TaxWrapper.NONE),
    ],
)
def test_tax_sheltered_accounts_have_nothing_to_harvest(
    account_type: AccountType, wrapper: TaxWrapper
) -> None:
    sheltered = account("acc-1", _lot(), account_type=account_type, tax_wrapper=wrapper)
    assert _detect(sheltered) == []


def test_holdings_without_a_cost_basis_are_skipped() -> None:
    assert _detect(taxable_account("gia-1", _lot(cost=None))) == []


def test_a_purchase_exactly_thirty_days_ago_is_inside_the_wash_sale_window() -> None:
    assert _detect(taxable_account("gia-1", _lot(acquired_on=AS_OF - timedelta(days=30)))) == []
    [found] = _detect(taxable_account("gia-1", _lot(acquired_on=AS_OF - timedelta(days=31))))
    assert found.evidence["days_since_last_purchase"] == 31
    assert (
        _detect(
            taxable_account("gia-1", _lot(acquired_on=AS_OF - timedelta(days=40))),
            wash_sale_days=45,
        )
        == []
    )


def test_a_recent_purchase_of_the_same_security_in_any_account_blocks_the_harvest() -> None:
    recent = holding("EQ-LOSS", 100, cost_basis=100, acquired_on=AS_OF - timedelta(days=5))
    assert _detect(taxable_account("gia-1", _lot()), account("isa-1", recent)) == []


def test_an_unknown_purchase_date_cannot_rule_out_a_wash_sale() -> None:
    assert _detect(taxable_account("gia-1", _lot(acquired_on=None))) == []


def test_a_recently_bought_replacement_is_never_suggested() -> None:
    twin_lot = holding("EQ-TWIN", 100, cost_basis=100, acquired_on=AS_OF - timedelta(days=3))
    [found] = _detect(taxable_account("gia-1", _lot(), twin_lot))
    assert found.detail["replacement"]["security_id"] == "EQ-OTHER"
    assert _detect(taxable_account("gia-1", _lot(), twin_lot), securities=(LOSER, TWIN)) == []


def test_says_when_the_sold_security_may_be_bought_back() -> None:
    [found] = _detect()
    assert found.detail["do_not_repurchase_before"] == (AS_OF + timedelta(days=31)).isoformat()


def test_stays_quiet_without_an_allowed_replacement() -> None:
    smoky = security("EQ-SMOKY", sector=Sector.ENERGY, controversies=[Controversy.FOSSIL_FUELS])
    bond = security("BD-1", asset_class=AssetClass.BOND, sector=Sector.ENERGY)
    assert _detect(securities=(LOSER, smoky, bond)) == []


@pytest.mark.parametrize(
    ("country", "currency", "rate", "saving"),
    [
        ("GB", "GBP", "0.18", "180.00"),
        ("ZA", "ZAR", "0.144", "1440.00"),
        ("US", "USD", "0.15", "150.00"),
    ],
)
def test_tax_saving_is_the_loss_at_the_countrys_rate(
    country: str, currency: str, rate: str, saving: str
) -> None:
    lot = _lot(40_000, 50_000) if currency == "ZAR" else _lot()
    [found] = _detect(taxable_account("gia-1", lot), country=country, currency=currency)
    loss = Decimal(found.evidence["loss"])
    assert found.evidence["tax_rate"] == rate
    assert found.benefit.amount == (loss * Decimal(rate)).quantize(Decimal("0.01"))
    assert found.benefit.amount == Decimal(saving)
    assert found.evidence["tax_saving"] == str(found.benefit.amount)


def test_a_country_without_a_rate_or_a_currency_without_a_minimum_is_not_judged() -> None:
    assert _detect(country="FR", currency="GBP") == []
    assert _detect(currency="EUR") == []


def test_evidence_adds_up_and_is_json_ready() -> None:
    [found] = _detect(taxable_account("gia-1", _lot("3999.99", "5000.01")))
    evidence = found.evidence
    json.dumps(evidence)
    json.dumps(dict(found.detail))
    assert Decimal(evidence["cost_basis"]) - Decimal(evidence["market_value"]) == Decimal(
        evidence["loss"]
    )
    assert evidence["loss"] == "1000.02"
    assert evidence["loss_share"] == "0.2000"
    sold = sum(t.amount for t in found.trades if t.side is TradeSide.SELL)
    bought = sum(t.amount for t in found.trades if t.side is TradeSide.BUY)
    assert sold == bought == Decimal(evidence["market_value"])


def test_takes_a_securitys_lots_in_all_taxable_accounts_together() -> None:
    [found] = _detect(
        taxable_account("gia-1", _lot(2000, 2500)),
        taxable_account("gia-2", _lot(2000, 2500)),
        account("isa-1", _lot(1000, 5000)),  # sheltered: its loss does not count
    )
    assert found.evidence["loss"] == "1000.00"
    assert {t.account_id for t in found.trades} == {"gia-1", "gia-2"}


@pytest.mark.parametrize(
    ("country", "as_of", "end"),
    [
        ("GB", date(2026, 2, 1), date(2026, 4, 5)),
        ("GB", date(2026, 4, 5), date(2026, 4, 5)),
        ("GB", date(2026, 4, 6), date(2027, 4, 5)),
        ("ZA", date(2028, 1, 10), date(2028, 2, 29)),
        ("ZA", date(2026, 3, 1), date(2027, 2, 28)),
        ("US", date(2026, 2, 1), date(2026, 12, 31)),
    ],
)
def test_the_deadline_is_the_end_of_the_clients_tax_year(
    country: str, as_of: date, end: date
) -> None:
    assert tax_year_end(as_of, country) == end


def test_urgency_rises_as_the_tax_year_ends() -> None:
    def urgency(as_of: date) -> int:
        [found] = _detect(as_of=as_of)
        return found.urgency

    assert urgency(date(2025, 12, 1)) < urgency(date(2026, 2, 1)) < urgency(date(2026, 4, 1))
    assert urgency(date(2026, 4, 5)) == 20 + 15 + 40  # a 20% loss on the last day


def test_a_home_currency_replacement_comes_before_a_foreign_one_in_the_same_sector() -> None:
    foreign_twin = security("EQ-US-TWIN", sector=Sector.ENERGY, currency="USD", esg_score=99)
    [found] = _detect(securities=(LOSER, foreign_twin, OTHER))
    assert found.detail["replacement"]["security_id"] == "EQ-OTHER"
