"""A target allocation per risk tolerance: constrained mean-variance optimisation.

Maximise ``mu @ w - (risk_aversion / 2) * w @ Sigma @ w`` over asset-class weights ``w`` with
``sum(w) == 1`` and per-class bounds, then round to whole percents that sum to exactly 1.
The same few inputs are asked for again and again (every client of one tolerance under one set
of assumptions), so results are cached by tolerance, assumptions fingerprint and bounds.

>>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
>>> mix = optimal_allocation(RiskTolerance.MEDIUM, DEFAULT_ASSUMPTIONS)
>>> sum(mix.values()), mix[AssetClass.CASH] >= Decimal("0.02")
(Decimal('1.00'), True)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from nextbest.domain.enums import AssetClass, RiskTolerance
from nextbest.finance.assumptions import ASSET_CLASSES, CapitalMarketAssumptions

__all__ = ["DEFAULT_BOUNDS", "RISK_AVERSION", "optimal_allocation"]

RISK_AVERSION: Mapping[RiskTolerance, float] = MappingProxyType(
    {
        RiskTolerance.VERY_LOW: 5.0,
        RiskTolerance.LOW: 3.5,
        RiskTolerance.MEDIUM: 2.5,
        RiskTolerance.HIGH: 1.75,
        RiskTolerance.VERY_HIGH: 1.0,
    }
)
"""The ``lambda`` of each tolerance. Chosen so that, under the default assumptions and bounds,
expected volatility steps about evenly from the cautious end to the adventurous one (roughly
5.5%, 7.5%, 9.5%, 12% and 14%, with 15%, 25%, 37%, 55% and 70% in equities); below 1 the
optimiser piles into equities and the two top tolerances would look alike."""

DEFAULT_BOUNDS: Mapping[AssetClass, tuple[float, float]] = MappingProxyType(
    {
        AssetClass.EQUITY: (0.0, 1.0),
        AssetClass.BOND: (0.0, 1.0),
        AssetClass.CASH: (0.02, 1.0),
        AssetClass.PROPERTY: (0.0, 0.15),
        AssetClass.ALTERNATIVE: (0.0, 0.15),
    }
)
"""Cash of at least 2% to meet withdrawals and fees without a forced sale; property and
alternatives at most 15% each, because they are less liquid and their assumptions (smoothed
valuations) understate their risk, which an unbounded optimiser would gladly exploit."""

_PERCENT = Decimal("0.01")


def optimal_allocation(
    risk_tolerance: RiskTolerance,
    assumptions: CapitalMarketAssumptions,
    *,
    bounds: Mapping[AssetClass, tuple[float, float]] | None = None,
) -> dict[AssetClass, Decimal]:
    """Weights in whole percents (``Decimal('0.37')``) summing to exactly ``Decimal('1')``.

    ``bounds`` replace the defaults for the classes they name; the others keep
    :data:`DEFAULT_BOUNDS`. Raises ``ValueError`` when the bounds admit no allocation in whole
    percents (a minimum above its maximum, minimums above 100%, maximums below 100%).
    """
    merged = {**DEFAULT_BOUNDS, **(bounds or {})}
    key = tuple((float(merged[c][0]), float(merged[c][1])) for c in ASSET_CLASSES)
    _check(key)
    return dict(_solve(risk_tolerance, _Keyed(assumptions.fingerprint(), assumptions), key))


@dataclass(frozen=True, slots=True)
class _Keyed:
    """Assumptions hashed and compared by fingerprint, so they can key the cache."""

    fingerprint: str
    assumptions: CapitalMarketAssumptions = field(compare=False)


def _check(bounds: tuple[tuple[float, float], ...]) -> None:
    for c, (low, high) in zip(ASSET_CLASSES, bounds, strict=True):
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"bounds for {c.value} must be finite numbers")
        if low > high:
            raise ValueError(f"the minimum for {c.value} ({low:.0%}) is above its maximum")
    low_total, high_total = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
    if low_total > 1 + 1e-9 or high_total < 1 - 1e-9:
        raise ValueError(
            f"bounds cannot be met: minimums sum to {low_total:.0%} and maximums to "
            f"{high_total:.0%}, and the weights must sum to 100%"
        )
    low_pct, high_pct = _whole_percents(bounds)
    if any(lo > hi for lo, hi in zip(low_pct, high_pct, strict=True)) or not (
        sum(low_pct) <= 100 <= sum(high_pct)
    ):
        raise ValueError("bounds admit no allocation in whole percents")


def _whole_percents(bounds: tuple[tuple[float, float], ...]) -> tuple[list[int], list[int]]:
    # The tolerance keeps 0.07 (7.000000000000001 percent) a minimum of 7, not 8.
    low = [max(math.ceil(lo * 100 - 1e-6), 0) for lo, _ in bounds]
    high = [min(math.floor(hi * 100 + 1e-6), 100) for _, hi in bounds]
    return low, high


@lru_cache(maxsize=256)
def _solve(
    risk_tolerance: RiskTolerance, keyed: _Keyed, bounds: tuple[tuple[float, float], ...]
) -> tuple[tuple[AssetClass, Decimal], ...]:
    # cvxpy takes about a second to import; only code that optimises should pay for it.
    import cvxpy as cp
    from cvxpy.atoms.sum_squares import sum_squares

    assumptions = keyed.assumptions
    # w' Sigma w as a sum of squares of F' w (Sigma = F F'), from the eigendecomposition so a
    # merely semi-definite Sigma (perfectly correlated classes) works where Cholesky would not.
    eigenvalues, eigenvectors = np.linalg.eigh(assumptions.covariance())
    factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    aversion = RISK_AVERSION[risk_tolerance]

    weights = cp.Variable(len(ASSET_CLASSES))
    risk = sum_squares(factor.T @ weights)
    problem = cp.Problem(
        cp.Maximize(assumptions.means() @ weights - aversion / 2 * risk),
        [weights.sum() == 1, weights >= low, weights <= high],
    )
    try:
        # cvxpy warns on an inaccurate solution; the status check below decides instead.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            problem.solve(solver=cp.CLARABEL)  # type: ignore[no-untyped-call]
    except cp.error.SolverError as error:
        raise ValueError(f"the allocation could not be optimised: {error}") from error
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or weights.value is None:
        raise ValueError(f"no allocation meets the bounds (solver status {problem.status})")
    percents = _round(np.asarray(weights.value, dtype=float) * 100, *_whole_percents(bounds))
    return tuple((c, Decimal(p) * _PERCENT) for c, p in zip(ASSET_CLASSES, percents, strict=True))


def _round(exact: NDArray[np.float64], low: list[int], high: list[int]) -> list[int]:
    """Nearest whole percents within the bounds, then the fewest one-point moves to make 100.

    Each move goes to the class rounded furthest the other way, so the result is the
    largest-remainder rounding whenever the bounds allow it.
    """
    percents = [
        min(max(round(float(x)), lo), hi) for x, lo, hi in zip(exact, low, high, strict=True)
    ]
    while (gap := 100 - sum(percents)) != 0:
        step = 1 if gap > 0 else -1
        movable = [i for i, p in enumerate(percents) if (p < high[i] if step > 0 else p > low[i])]
        # _check guarantees the bounds allow a total of 100, so something can always move.
        i = max(movable, key=lambda i: step * (float(exact[i]) - percents[i]))
        percents[i] += step
    return percents
