from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pytest

from nextbest.domain.enums import AssetClass, RiskTolerance
from nextbest.finance import optimiser
from nextbest.finance.assumptions import ASSET_CLASSES, DEFAULT_ASSUMPTIONS
from nextbest.finance.optimiser import DEFAULT_BOUNDS, optimal_allocation

E, B, C, P, A = ASSET_CLASSES
CAUTIOUS_TO_ADVENTUROUS = list(RiskTolerance)


def _volatility(mix: dict[AssetClass, Decimal]) -> float:
    return DEFAULT_ASSUMPTIONS.portfolio({c: float(w) for c, w in mix.items()})[1]


def test_riskier_tolerance_gets_more_equity() -> None:
    equity = [optimal_allocation(r, DEFAULT_ASSUMPTIONS)[E] for r in CAUTIOUS_TO_ADVENTUROUS]
    assert equity == sorted(equity)
    assert len(set(equity)) == len(equity)


def test_riskier_tolerance_gets_more_volatility() -> None:
    vols = [_volatility(optimal_allocation(r, DEFAULT_ASSUMPTIONS)) for r in RiskTolerance]
    assert vols == sorted(vols)
    assert 0.04 < vols[0] < vols[-1] < 0.17


@pytest.mark.parametrize("tolerance", list(RiskTolerance))
def test_weights_sum_to_exactly_one(tolerance: RiskTolerance) -> None:
    mix = optimal_allocation(tolerance, DEFAULT_ASSUMPTIONS)
    assert list(mix) == list(ASSET_CLASSES)
    assert sum(mix.values()) == Decimal("1")
    # Whole percents, written to two places.
    assert all(w.as_tuple().exponent == -2 for w in mix.values())


@pytest.mark.parametrize("tolerance", list(RiskTolerance))
@pytest.mark.parametrize(
    "bounds",
    [
        None,
        {E: (0.1, 0.4), B: (0.2, 0.6)},
        {C: (0.0, 1.0), P: (0.0, 0.0), A: (0.0, 0.0)},
        {C: (0.07, 0.09), E: (0.3, 0.3)},
    ],
    ids=["defaults", "equity-capped", "no-real-assets", "tight"],
)
def test_every_tolerance_respects_the_bounds(
    tolerance: RiskTolerance, bounds: dict[AssetClass, tuple[float, float]] | None
) -> None:
    mix = optimal_allocation(tolerance, DEFAULT_ASSUMPTIONS, bounds=bounds)
    merged = {**DEFAULT_BOUNDS, **(bounds or {})}
    for c, (low, high) in merged.items():
        assert Decimal(str(low)) <= mix[c] <= Decimal(str(high)), c
    assert sum(mix.values()) == 1


def test_the_defaults_keep_some_cash_and_cap_property_and_alternatives() -> None:
    for tolerance in RiskTolerance:
        mix = optimal_allocation(tolerance, DEFAULT_ASSUMPTIONS)
        assert mix[C] >= Decimal("0.02")
        assert mix[P] <= Decimal("0.15")
        assert mix[A] <= Decimal("0.15")


@pytest.mark.parametrize("tolerance", list(RiskTolerance))
def test_no_one_point_move_within_the_bounds_does_noticeably_better(
    tolerance: RiskTolerance,
) -> None:
    """Rounding to whole percents stays next to the optimum, checked without cvxpy."""
    mu, sigma = DEFAULT_ASSUMPTIONS.means(), DEFAULT_ASSUMPTIONS.covariance()
    aversion = optimiser.RISK_AVERSION[tolerance]
    low = np.array([DEFAULT_BOUNDS[c][0] for c in ASSET_CLASSES])
    high = np.array([DEFAULT_BOUNDS[c][1] for c in ASSET_CLASSES])
    mix = optimal_allocation(tolerance, DEFAULT_ASSUMPTIONS)
    w = np.array([float(mix[c]) for c in ASSET_CLASSES])

    def utility(x: np.ndarray) -> float:
        return float(mu @ x - aversion / 2 * x @ sigma @ x)

    for i in range(5):
        for j in range(5):
            moved = w.copy()
            moved[i] -= 0.01
            moved[j] += 0.01
            if i != j and np.all(moved >= low - 1e-9) and np.all(moved <= high + 1e-9):
                assert utility(moved) - utility(w) < 1e-5


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ({E: (0.5, 0.4)}, "minimum for EQUITY"),
        ({E: (0.6, 1.0), B: (0.5, 1.0)}, "cannot be met"),
        ({E: (0, 0.2), B: (0, 0.2), C: (0, 0.2)}, "cannot be met"),
        ({C: (0.021, 0.029)}, "whole percents"),
        ({E: (float("nan"), 1.0)}, "finite"),
    ],
)
def test_infeasible_bounds_raise_a_clear_value_error(
    bounds: dict[AssetClass, tuple[float, float]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        optimal_allocation(RiskTolerance.MEDIUM, DEFAULT_ASSUMPTIONS, bounds=bounds)


def test_the_same_inputs_are_answered_from_the_cache() -> None:
    optimiser._solve.cache_clear()
    first = optimal_allocation(RiskTolerance.HIGH, DEFAULT_ASSUMPTIONS)
    same_figures = dataclasses.replace(DEFAULT_ASSUMPTIONS)
    second = optimal_allocation(RiskTolerance.HIGH, same_figures, bounds=dict(DEFAULT_BOUNDS))
    assert first == second
    info = optimiser._solve.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_changed_assumptions_are_not_answered_from_the_cache() -> None:
    before = optimal_allocation(RiskTolerance.MEDIUM, DEFAULT_ASSUMPTIONS)
    gloomier = dataclasses.replace(
        DEFAULT_ASSUMPTIONS, expected_return={**DEFAULT_ASSUMPTIONS.expected_return, E: 0.05}
    )
    after = optimal_allocation(RiskTolerance.MEDIUM, gloomier)
    assert after[E] < before[E]


def test_changing_a_returned_allocation_does_not_change_the_cache() -> None:
    mix = optimal_allocation(RiskTolerance.LOW, DEFAULT_ASSUMPTIONS)
    mix[E] = Decimal("0.99")
    assert optimal_allocation(RiskTolerance.LOW, DEFAULT_ASSUMPTIONS)[E] != Decimal("0.99")


def test_rounding_moves_the_fewest_points_and_respects_the_bounds() -> None:
    exact = np.array([33.4, 33.3, 33.3, 0.0, 0.0])
    assert optimiser._round(exact, [0] * 5, [100] * 5) == [34, 33, 33, 0, 0]
    # 1.6 would round to 2, but its bound says at most 1; the point goes to the next in line.
    capped = optimiser._round(np.array([50.1, 48.3, 1.6, 0, 0]), [0] * 5, [100, 100, 1, 0, 0])
    assert capped == [50, 49, 1, 0, 0]
    # 1.4999 would round to 1, below its 2% minimum; the point comes from the class that was
    # rounded up the most instead.
    floored = optimiser._round(np.array([60.0, 38.5001, 1.4999, 0, 0]), [0, 0, 2, 0, 0], [100] * 5)
    assert floored == [60, 38, 2, 0, 0]
