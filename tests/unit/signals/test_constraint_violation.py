"""CONSTRAINT_VIOLATION: restricted holdings must be sold, and the engine says so first."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType, TradeSide
from nextbest.domain.enums import AssetClass, Controversy, Sector
from nextbest.domain.portfolio import Holding
from nextbest.domain.security import Security
from nextbest.signals.constraint_violation import ConstraintViolationDetector
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

TOBACCO = security(
    "EQ-TOB", sector=Sector.CONSUMER_STAPLES, esg_score=20, controversies=[Controversy.TOBACCO]
)
FUND = security("EQ-FUND", sector=Sector.DIVERSIFIED, esg_score=55)


def _detect(
    *,
    restricted: Iterable[Sector | Controversy] = (),
    securities_restricted: Iterable[str] = (),
    holdings: list[Holding] | None = None,
    securities: list[Security] | None = None,
    **kw: Any,
) -> list[Candidate]:
    book = portfolio(
        account("isa-1", *(holdings or [holding("EQ-TOB", 1000), holding("EQ-FUND", 9000)]))
    )
    who = client(restricted_sectors=restricted, restricted_securities=securities_restricted)
    ctx = context(client=who, portfolio=book, securities=securities or [TOBACCO, FUND])
    return ConstraintViolationDetector(**kw).detect(ctx)


def test_flags_a_holding_whose_involvement_the_client_restricted() -> None:
    [found] = _detect(restricted=[Controversy.TOBACCO])
    assert found.key == "CONSTRAINT_VIOLATION:EQ-TOB"
    assert found.signal is SignalType.CONSTRAINT_VIOLATION
    assert found.action_type is ActionType.SELL_RESTRICTED_HOLDING
    assert found.category is Category.COMPLIANCE
    assert found.mandatory
    assert found.regulated
    assert found.evidence["reasons"] == ["INVOLVEMENT:TOBACCO"]


def test_flags_a_holding_in_a_restricted_sector() -> None:
    [found] = _detect(restricted=[Sector.CONSUMER_STAPLES])
    assert found.evidence["reasons"] == ["SECTOR:CONSUMER_STAPLES"]
    assert found.mandatory


def test_flags_a_security_the_client_restricted_by_id() -> None:
    [found] = _detect(securities_restricted=["EQ-FUND"])
    assert found.key == "CONSTRAINT_VIOLATION:EQ-FUND"
    assert found.evidence["reasons"] == ["RESTRICTED_SECURITY"]


def test_is_quiet_when_the_restrictions_do_not_touch_any_holding() -> None:
    assert _detect(restricted=[Controversy.GAMBLING, Sector.ENERGY]) == []
    assert _detect() == []


def test_sells_the_whole_holding_with_one_trade_per_account() -> None:
    book = portfolio(
        account("isa-1", holding("EQ-TOB", "600.10"), holding("EQ-FUND", 5000)),
        taxable_account("gia-1", holding("EQ-TOB", "400.25", cost_basis=500)),
    )
    ctx = context(
        client=client(restricted_sectors=[Controversy.TOBACCO]),
        portfolio=book,
        securities=[TOBACCO, FUND],
    )
    [found] = ConstraintViolationDetector().detect(ctx)
    assert [(t.side, t.account_id, t.amount) for t in found.trades] == [
        (TradeSide.SELL, "isa-1", Decimal("600.10")),
        (TradeSide.SELL, "gia-1", Decimal("400.25")),
    ]
    assert found.benefit.amount == Decimal("1000.35") == sum(t.amount for t in found.trades)
    assert found.evidence["market_value"] == "1000.35"
    assert [h["account_id"] for h in found.evidence["holdings"]] == ["isa-1", "gia-1"]


def test_suggests_the_highest_esg_unrestricted_alternative_in_the_same_asset_class() -> None:
    candidates = [
        TOBACCO,
        FUND,
        security("EQ-BEST", esg_score=90),
        security("EQ-GOOD", esg_score=80),
        security("EQ-CASINO", esg_score=95, controversies=[Controversy.GAMBLING]),
        security("EQ-BANNED", esg_score=97),
        security("BD-GREEN", asset_class=AssetClass.BOND, esg_score=99),
        security("EQ-USD", esg_score=96, currency="USD"),
    ]
    [found] = _detect(
        restricted=[Controversy.TOBACCO],
        securities_restricted=["EQ-BANNED"],
        securities=candidates,
        holdings=[holding("EQ-TOB", 1000)],
    )
    # controversial, restricted, other-class and foreign-currency securities are passed over
    assert found.detail["alternative"]["security_id"] == "EQ-BEST"
    assert found.detail["alternative"]["esg_score"] == "90"


def test_still_fires_when_no_alternative_exists() -> None:
    [found] = _detect(restricted=[Controversy.TOBACCO], securities=[TOBACCO])
    assert found.detail == {"alternative": None}


def test_urgency_is_high_and_reaches_100_at_the_full_urgency_weight() -> None:
    def urgency_at(value: int) -> int:
        [found] = _detect(
            restricted=[Controversy.TOBACCO],
            holdings=[holding("EQ-TOB", value), holding("EQ-FUND", 10_000 - value)],
        )
        return found.urgency

    assert urgency_at(1) == 80
    assert urgency_at(500) == 90
    assert urgency_at(999) == 100  # 9.99% rounds up
    assert urgency_at(1000) == 100
    assert urgency_at(5000) == 100
    assert urgency_at(1) <= urgency_at(300) <= urgency_at(700)


def test_deadline_is_thirty_days_out_by_default() -> None:
    [found] = _detect(restricted=[Controversy.TOBACCO])
    assert found.deadline == AS_OF + timedelta(days=30)
    [later] = _detect(restricted=[Controversy.TOBACCO], deadline_days=10)
    assert later.deadline == AS_OF + timedelta(days=10)


def test_evidence_is_json_ready_and_matches_the_candidate() -> None:
    [found] = _detect(restricted=[Controversy.TOBACCO])
    json.dumps(found.evidence)
    json.dumps(dict(found.detail))
    assert found.evidence["weight"] == "0.1000"
    assert found.evidence["portfolio_value"] == "10000.00"
    assert Decimal(found.evidence["market_value"]) == found.benefit.amount
    assert found.benefit.percentage == Decimal("10.00")


def test_keys_are_stable_across_recomputations_and_account_order() -> None:
    one = portfolio(
        account("isa-1", holding("EQ-TOB", 100)), taxable_account("gia-1", holding("EQ-TOB", 50))
    )
    two = portfolio(
        taxable_account("gia-1", holding("EQ-TOB", 50)), account("isa-1", holding("EQ-TOB", 100))
    )
    who = client(restricted_sectors=[Controversy.TOBACCO])
    detector = ConstraintViolationDetector()
    first = detector.detect(context(client=who, portfolio=one, securities=[TOBACCO]))
    again = detector.detect(context(client=who, portfolio=one, securities=[TOBACCO]))
    other = detector.detect(context(client=who, portfolio=two, securities=[TOBACCO]))
    assert first == again
    assert [c.key for c in first] == [c.key for c in other] == ["CONSTRAINT_VIOLATION:EQ-TOB"]


def test_rejects_nonsense_hyper_parameters() -> None:
    with pytest.raises(ValueError, match="base_urgency"):
        ConstraintViolationDetector(base_urgency=101)
