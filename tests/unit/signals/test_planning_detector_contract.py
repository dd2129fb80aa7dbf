"""The shared detector promises, checked on the goal and rebalancing detectors.

``test_detector_contract.py`` checks the holdings detectors on an example with no goals, and
expects every detector to be quiet without a portfolio. These three need goals linked to
holdings to find anything, and GOAL_PROGRESS is deliberately not quiet without a portfolio (a
goal nothing funds is projected from zero: a finding, not an error), so they get their own
rich example here and that one promise is stated for them as it is.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from nextbest.domain.candidate import ActionType, Candidate
from nextbest.domain.enums import AssetClass, GoalType, Sector
from nextbest.signals.base import Detector, DetectorRegistry, SignalContext
from nextbest.signals.goal_funding_derisk import GoalFundingDeriskDetector
from nextbest.signals.goal_progress import GoalProgressDetector
from nextbest.signals.rebalancing_drift import RebalancingDriftDetector
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

DETECTORS: list[Detector] = [
    GoalProgressDetector(paths=2_000),
    GoalFundingDeriskDetector(),
    RebalancingDriftDetector(),
]
NAMES = {
    GoalProgressDetector: "goal_progress",
    GoalFundingDeriskDetector: "goal_funding_derisk",
    RebalancingDriftDetector: "rebalancing_drift",
}
SECURITIES = [
    security("EQ-FUND", sector=Sector.DIVERSIFIED),
    security("BD-GILT", asset_class=AssetClass.BOND, sector=Sector.GOVERNMENT),
    cash_security(),
]
MISSING = "XX-NOT-IN-MASTER"
GOALS = [
    goal(GoalType.HOME_PURCHASE, target_year=2029, target_amount=60_000),
    goal(GoalType.RETIREMENT, target_year=2050, target_amount=400_000),
]


def _rich_context() -> SignalContext:
    """A home goal near its date held in equities, a pension, and a portfolio off its target."""
    book = portfolio(
        account(
            "isa-1",
            holding("EQ-FUND", 20_000),
            holding("BD-GILT", 2_000),
            holding(MISSING, 4_000),
            monthly_contribution=300,
            goal_id="home-purchase-1",
        ),
        account("sipp-1", holding("EQ-FUND", 30_000), monthly_contribution=500),
        cash_account("cash-1", holding("CASH-GBP", 1_000)),
    )
    return context(client=client(goals=GOALS), portfolio=book, securities=SECURITIES)


@pytest.fixture(params=DETECTORS, ids=lambda d: d.name)
def detector(request: pytest.FixtureRequest) -> Detector:
    found: Detector = request.param
    return found


def _as_json(candidate: Candidate) -> dict[str, object]:
    return {
        "key": candidate.key,
        "security_ids": list(candidate.security_ids),
        "trades": [str(t) for t in candidate.trades],
        "evidence": candidate.evidence,
        "detail": candidate.detail,
    }


def test_each_detector_has_its_documented_unique_name(detector: Detector) -> None:
    assert detector.name == NAMES[type(detector)]
    registry = DetectorRegistry()
    for each in DETECTORS:
        registry.register(each)
    assert len(registry) == len(DETECTORS)


def test_each_detector_finds_something_in_the_rich_example(detector: Detector) -> None:
    assert detector.detect(_rich_context())


def test_holdings_detectors_are_quiet_without_a_portfolio_or_holdings(detector: Detector) -> None:
    rich = _rich_context()
    empty = portfolio(account("isa-1", monthly_contribution=0), cash_account("cash-1"))
    for book in (None, portfolio(), empty):
        found = detector.detect(replace(rich, portfolio=book))
        if detector.name == "goal_progress":
            assert [c.goal_id for c in found] == [g.goal_id for g in GOALS]
            assert all(c.action_type is ActionType.INCREASE_CONTRIBUTION for c in found)
            assert all(c.evidence["funded_value"] == "0" for c in found)
        else:
            assert found == []


def test_goal_detectors_are_quiet_for_a_client_without_goals(detector: Detector) -> None:
    found = detector.detect(replace(_rich_context(), client=client()))
    if detector.name == "rebalancing_drift":
        assert found  # the portfolio is still off its target
    else:
        assert found == []


def test_a_security_missing_from_the_master_is_skipped_without_a_trace(detector: Detector) -> None:
    for candidate in detector.detect(_rich_context()):
        assert MISSING not in json.dumps(_as_json(candidate))
    alone = portfolio(account("isa-1", holding(MISSING, 50_000), goal_id="home-purchase-1"))
    found = detector.detect(replace(_rich_context(), portfolio=alone))
    assert all(MISSING not in json.dumps(_as_json(candidate)) for candidate in found)
    if detector.name == "goal_progress":
        assert all(c.evidence["funded_value"] == "0" for c in found)
    else:
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
