"""SAVINGS_RATE: monthly saving below the share of income suggested for the client's age.

A MIDDLE-income GBP household is taken to earn 45,000 a year, 3,750 a month: 10% is 375.00,
15% is 562.50 and 20% is 750.00 a month.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType
from nextbest.domain.enums import IncomeBand
from nextbest.signals.savings_rate import SavingsRateDetector
from tests.signals_builders import AS_OF, account, client, context, holding, portfolio, security


def _detect(
    saving: Decimal | str | int,
    *,
    age: int = 40,
    income_band: IncomeBand | None = IncomeBand.MIDDLE,
    currency: str = "GBP",
    **kw: Any,
) -> list[Candidate]:
    half = Decimal(str(saving)) / 2
    book = portfolio(
        account("isa-1", holding("EQ-1", 1000), monthly_contribution=half),
        account("sipp-1", monthly_contribution=Decimal(str(saving)) - half),
        base_currency=currency,
    )
    who = client(birth_year=AS_OF.year - age, income_band=income_band, base_currency=currency)
    ctx = context(client=who, portfolio=book, securities=[security("EQ-1")])
    return SavingsRateDetector(**kw).detect(ctx)


def test_fires_just_below_the_target_for_the_age_band() -> None:
    [found] = _detect("562.49")
    assert found.key == "SAVINGS_RATE:c-1"
    assert found.signal is SignalType.SAVINGS_RATE
    assert found.action_type is ActionType.INCREASE_SAVINGS_RATE
    assert found.category is Category.SAVINGS
    assert not found.regulated
    assert found.benefit.amount == Decimal("0.01")
    assert _detect("562.50") == []


@pytest.mark.parametrize(
    ("age", "target"),
    [
        (22, "375.00"),
        (34, "375.00"),
        (35, "562.50"),
        (49, "562.50"),
        (50, "750.00"),
        (66, "750.00"),
    ],
)
def test_the_target_rises_with_age(age: int, target: str) -> None:
    monthly = Decimal(target)
    [found] = _detect(monthly - Decimal("0.01"), age=age)
    assert found.evidence["monthly_increase"] == "0.01"
    assert _detect(monthly, age=age) == []


@pytest.mark.parametrize("age", [21, 67, 75])
def test_clients_too_young_or_of_retirement_age_are_not_judged(age: int) -> None:
    assert _detect(0, age=age) == []


@pytest.mark.parametrize(("band", "currency"), [(None, "GBP"), (IncomeBand.MIDDLE, "EUR")])
def test_is_quiet_without_an_income_estimate(band: IncomeBand | None, currency: str) -> None:
    assert _detect(0, income_band=band, currency=currency) == []


def test_urgency_grows_with_the_gap() -> None:
    def urgency(saving: int) -> int:
        [found] = _detect(saving)
        return found.urgency

    assert urgency(0) == 70
    assert urgency(0) > urgency(281) > urgency(562) == 20


def test_evidence_adds_up() -> None:
    [found] = _detect(300)
    evidence = found.evidence
    json.dumps(evidence)
    assert evidence["age"] == 40
    assert evidence["target_rate"] == "0.15"
    assert evidence["annual_income"] == "45000"
    assert evidence["monthly_income"] == "3750.00"
    assert evidence["monthly_contribution"] == "300.00"
    assert evidence["savings_rate"] == "0.0800"
    assert [c["account_id"] for c in evidence["contributions"]] == ["isa-1", "sipp-1"]
    assert Decimal(evidence["monthly_increase"]) == found.benefit.amount == Decimal("262.50")
    assert found.benefit.percentage == Decimal("7.00")  # 15% - 8% in percentage points


def test_target_rates_are_hyper_parameters() -> None:
    rates = [(18, Decimal("0.05"))]
    assert _detect(300, age=70, target_rates=rates, max_age=80) == []  # 300 of 3,750 is 8%
    [found] = _detect(100, age=70, target_rates=rates, max_age=80)
    assert found.evidence["age_band_from"] == 18
    with pytest.raises(ValueError, match="target_rates"):
        SavingsRateDetector(target_rates=[])
