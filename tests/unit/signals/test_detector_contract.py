"""What every detector in this package promises, checked on each of them the same way."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from nextbest.domain.candidate import Candidate
from nextbest.domain.enums import AssetClass, Controversy, EsgFocus, Sector
from nextbest.signals.base import Detector, DetectorRegistry, SignalContext
from nextbest.signals.cash import CashDetector
from nextbest.signals.concentration import ConcentrationDetector
from nextbest.signals.constraint_violation import ConstraintViolationDetector
from nextbest.signals.preference_mismatch import PreferenceMismatchDetector
from nextbest.signals.savings_rate import SavingsRateDetector
from nextbest.signals.tax_loss_harvest import TaxLossHarvestDetector
from tests.signals_builders import (
    AS_OF,
    account,
    cash_account,
    cash_security,
    client,
    context,
    holding,
    portfolio,
    security,
    taxable_account,
)

DETECTORS: list[Detector] = [
    ConstraintViolationDetector(),
    PreferenceMismatchDetector(),
    TaxLossHarvestDetector(),
    CashDetector(),
    ConcentrationDetector(),
    SavingsRateDetector(),
]
NAMES = {
    ConstraintViolationDetector: "constraint_violation",
    PreferenceMismatchDetector: "preference_mismatch",
    TaxLossHarvestDetector: "tax_loss_harvest",
    CashDetector: "cash",
    ConcentrationDetector: "concentration",
    SavingsRateDetector: "savings_rate",
}
SECURITIES = [
    security("EQ-TOB", sector=Sector.CONSUMER_STAPLES, controversies=[Controversy.TOBACCO]),
    security("EQ-DIRTY", sector=Sector.MATERIALS, esg_score=12),
    security("EQ-LOSS", sector=Sector.ENERGY, esg_score=55),
    security("EQ-CLEAN", sector=Sector.UTILITIES, esg_score=88),
    security("EQ-FUND", sector=Sector.DIVERSIFIED, esg_score=60),
    security("BD-GILT", asset_class=AssetClass.BOND, sector=Sector.GOVERNMENT, esg_score=70),
    cash_security(),
]
MISSING = "XX-NOT-IN-MASTER"


def _rich_context() -> SignalContext:
    """A client and portfolio in which every detector finds something."""
    long_ago = AS_OF - timedelta(days=800)
    book = portfolio(
        taxable_account(
            "gia-1",
            holding("EQ-TOB", 2000, cost_basis=1500, acquired_on=long_ago),
            holding("EQ-LOSS", 3000, cost_basis=5000, acquired_on=long_ago),
            holding(MISSING, 4000, cost_basis=9000, acquired_on=long_ago),
        ),
        account(
            "isa-1",
            holding("EQ-DIRTY", 2500),
            holding("EQ-FUND", 6000),
            holding("BD-GILT", 2000),
            monthly_contribution=100,
        ),
        cash_account("cash-1", holding("CASH-GBP", 500, acquired_on=None)),
    )
    who = client(esg_focus=EsgFocus.HIGH, restricted_sectors=[Controversy.TOBACCO])
    return context(client=who, portfolio=book, securities=SECURITIES)


@pytest.fixture(params=DETECTORS, ids=lambda d: d.name)
def detector(request: pytest.FixtureRequest) -> Detector:
    found: Detector = request.param
    return found


def test_each_detector_has_its_documented_unique_name(detector: Detector) -> None:
    assert detector.name == NAMES[type(detector)]
    registry = DetectorRegistry()
    for each in DETECTORS:
        registry.register(each)
    assert len(registry) == len(DETECTORS)


def test_each_detector_finds_something_in_the_rich_example(detector: Detector) -> None:
    assert detector.detect(_rich_context())


def test_is_quiet_without_a_portfolio_or_holdings(detector: Detector) -> None:
    rich = _rich_context()
    assert detector.detect(replace(rich, portfolio=None)) == []
    assert detector.detect(replace(rich, portfolio=portfolio())) == []
    no_holdings = portfolio(account("isa-1", monthly_contribution=0), cash_account("cash-1"))
    assert detector.detect(replace(rich, portfolio=no_holdings)) == []


def test_a_security_missing_from_the_master_is_skipped_without_a_trace(detector: Detector) -> None:
    for candidate in detector.detect(_rich_context()):
        assert MISSING not in json.dumps(_as_json(candidate))
    alone = portfolio(taxable_account("gia-1", holding(MISSING, 5000, cost_basis=9000)))
    found = detector.detect(replace(_rich_context(), portfolio=alone))
    assert all(MISSING not in json.dumps(_as_json(candidate)) for candidate in found)
    if detector.name not in {"cash", "savings_rate"}:  # those two judge more than holdings
        assert found == []


def test_results_are_deterministic_with_unique_stable_keys(detector: Detector) -> None:
    first = detector.detect(_rich_context())
    assert first == detector.detect(_rich_context())
    keys = [c.key for c in first]
    assert len(keys) == len(set(keys))
    assert all(key.startswith(f"{c.signal.value}:") for key, c in zip(keys, first, strict=True))


def test_candidates_are_json_ready_with_money_in_cents(detector: Detector) -> None:
    for candidate in detector.detect(_rich_context()):
        json.dumps(candidate.evidence)
        json.dumps(dict(candidate.detail))
        assert isinstance(candidate.urgency, int)
        assert 0 <= candidate.urgency <= 100
        assert candidate.benefit.description
        amounts = [t.amount for t in candidate.trades]
        if candidate.benefit.amount is not None:
            amounts.append(candidate.benefit.amount)
        for amount in amounts:
            assert amount == amount.quantize(Decimal("0.01")), candidate.key
            assert amount > 0, candidate.key


def _as_json(candidate: Candidate) -> dict[str, object]:
    return {
        "key": candidate.key,
        "security_ids": list(candidate.security_ids),
        "trades": [str(t) for t in candidate.trades],
        "evidence": candidate.evidence,
        "detail": candidate.detail,
    }
