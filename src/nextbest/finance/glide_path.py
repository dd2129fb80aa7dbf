"""A glide path: how much of a goal's money may sit in growth assets as its target date nears.

Money needed soon cannot wait out a fall in equity prices, so the share of growth assets
(``GROWTH_ASSETS``: equity, property, alternatives) falls as the target approaches, the way
target-date funds derisk. Each risk tolerance has its own :class:`GlideSchedule`: the growth
share while the target is at least ``derisking_window_years`` away, the share at the target date,
and a straight line between the two inside the window. Growth is split among the growth assets
in fixed proportions; the rest is split between bonds and cash, with the cash share of the
defensive part rising along the same window, because the last few years' money should not carry
even bond-price risk.

The defaults are rounded house figures, not advice; a firm passes its own :class:`GlidePath`.

>>> DEFAULT_GLIDE_PATH.growth_share(20, RiskTolerance.VERY_HIGH)
0.95
>>> DEFAULT_GLIDE_PATH.growth_share(5, RiskTolerance.VERY_HIGH)
0.625
>>> DEFAULT_GLIDE_PATH.growth_share(0, RiskTolerance.VERY_HIGH)
0.3
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from nextbest.domain.enums import AssetClass, RiskTolerance
from nextbest.finance.assumptions import ASSET_CLASSES

__all__ = [
    "DEFAULT_GLIDE_PATH",
    "DEFENSIVE_ASSETS",
    "GROWTH_ASSETS",
    "GlidePath",
    "GlideSchedule",
]

GROWTH_ASSETS: tuple[AssetClass, ...] = (
    AssetClass.EQUITY,
    AssetClass.PROPERTY,
    AssetClass.ALTERNATIVE,
)
DEFENSIVE_ASSETS: tuple[AssetClass, ...] = (AssetClass.BOND, AssetClass.CASH)

_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class GlideSchedule:
    """The growth share for one risk tolerance: ``far_growth_share`` while the target is at
    least ``derisking_window_years`` away, falling in a straight line to ``target_growth_share``
    at the target date.

    >>> GlideSchedule(far_growth_share=0.6, target_growth_share=0.2, derisking_window_years=8)
    GlideSchedule(far_growth_share=0.6, target_growth_share=0.2, derisking_window_years=8)
    """

    far_growth_share: float
    target_growth_share: float
    derisking_window_years: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.target_growth_share <= self.far_growth_share <= 1.0:
            raise ValueError(
                "growth shares must satisfy 0 <= target_growth_share <= far_growth_share <= 1"
            )
        # A zero window would be a step at the target date, which monthly steps never reach.
        if not (math.isfinite(self.derisking_window_years) and self.derisking_window_years > 0):
            raise ValueError("the derisking window must be a positive number of years")


def _default_schedules() -> dict[RiskTolerance, GlideSchedule]:
    return {
        RiskTolerance.VERY_LOW: GlideSchedule(
            far_growth_share=0.30, target_growth_share=0.05, derisking_window_years=5
        ),
        RiskTolerance.LOW: GlideSchedule(
            far_growth_share=0.45, target_growth_share=0.10, derisking_window_years=6
        ),
        RiskTolerance.MEDIUM: GlideSchedule(
            far_growth_share=0.60, target_growth_share=0.20, derisking_window_years=8
        ),
        RiskTolerance.HIGH: GlideSchedule(
            far_growth_share=0.80, target_growth_share=0.25, derisking_window_years=10
        ),
        RiskTolerance.VERY_HIGH: GlideSchedule(
            far_growth_share=0.95, target_growth_share=0.30, derisking_window_years=10
        ),
    }


def _default_growth_split() -> dict[AssetClass, float]:
    return {AssetClass.EQUITY: 0.70, AssetClass.PROPERTY: 0.15, AssetClass.ALTERNATIVE: 0.15}


@dataclass(frozen=True, slots=True)
class GlidePath:
    """Growth share and asset mix by years to a goal's target date, per risk tolerance.

    Hyper-parameters: ``schedules`` (one :class:`GlideSchedule` per :class:`RiskTolerance`),
    ``growth_split`` (how growth is divided among ``GROWTH_ASSETS``; sums to 1), and the cash
    share of the defensive part far from the target (``far_cash_share``) and at it
    (``target_cash_share``), moving in a straight line over the same derisking window. So the
    whole mix is constant while the target is at least the window away.

    Years to the target below zero (a goal past its date) count as zero.

    >>> mix = DEFAULT_GLIDE_PATH.allocation(0, RiskTolerance.VERY_LOW)
    >>> {asset.value: round(weight, 4) for asset, weight in mix.items()}
    {'EQUITY': 0.035, 'BOND': 0.475, 'CASH': 0.475, 'PROPERTY': 0.0075, 'ALTERNATIVE': 0.0075}
    >>> DEFAULT_GLIDE_PATH.derisking_window_years(RiskTolerance.MEDIUM)
    8.0
    """

    schedules: Mapping[RiskTolerance, GlideSchedule] = field(default_factory=_default_schedules)
    growth_split: Mapping[AssetClass, float] = field(default_factory=_default_growth_split)
    far_cash_share: float = 0.10
    target_cash_share: float = 0.50

    def __post_init__(self) -> None:
        missing = set(RiskTolerance) - set(self.schedules)
        if missing:
            raise ValueError(f"the glide path has no schedule for {sorted(missing)}")
        stray = set(self.growth_split) - set(GROWTH_ASSETS)
        if stray:
            raise ValueError(f"the growth split may only name growth assets, not {sorted(stray)}")
        shares = list(self.growth_split.values())
        if any(share < 0 for share in shares) or abs(sum(shares) - 1.0) > _TOLERANCE:
            raise ValueError("the growth split must be non-negative and sum to 1")
        if not 0.0 <= self.far_cash_share <= self.target_cash_share <= 1.0:
            # Cash rising towards the target keeps derisking monotone within the defensive part.
            raise ValueError(
                "cash shares must satisfy 0 <= far_cash_share <= target_cash_share <= 1"
            )

    def derisking_window_years(self, risk_tolerance: RiskTolerance) -> float:
        """How many years before the target the growth share starts to fall."""
        return float(self.schedules[risk_tolerance].derisking_window_years)

    def growth_share(self, years_to_target: float, risk_tolerance: RiskTolerance) -> float:
        """The share of growth assets allowed ``years_to_target`` years before the target."""
        schedule = self.schedules[risk_tolerance]
        progress = _progress(years_to_target, schedule.derisking_window_years)
        return _blend(schedule.target_growth_share, schedule.far_growth_share, progress)

    def allocation(
        self, years_to_target: float, risk_tolerance: RiskTolerance
    ) -> dict[AssetClass, float]:
        """The whole mix, every asset class present, weights summing to 1."""
        row = self.allocation_matrix([years_to_target], risk_tolerance)[0]
        return {asset: float(weight) for asset, weight in zip(ASSET_CLASSES, row, strict=True)}

    def allocation_matrix(
        self, years_to_target: Sequence[float] | NDArray[np.float64], risk_tolerance: RiskTolerance
    ) -> NDArray[np.float64]:
        """:meth:`allocation` for many horizons at once: one row per horizon, one column per
        asset class in ``ASSET_CLASSES`` order. Projections call this once per simulation
        instead of once per month."""
        years = np.asarray(years_to_target, dtype=np.float64)
        if years.ndim != 1 or np.isnan(years).any():
            raise ValueError("years to target must be a flat sequence of numbers")
        schedule = self.schedules[risk_tolerance]
        window = schedule.derisking_window_years
        progress = np.clip(np.maximum(years, 0.0) / window, 0.0, 1.0)
        growth = _blend_array(schedule.target_growth_share, schedule.far_growth_share, progress)
        cash = _blend_array(self.target_cash_share, self.far_cash_share, progress)
        defensive = 1.0 - growth
        matrix = np.zeros((years.size, len(ASSET_CLASSES)))
        for column, asset in enumerate(ASSET_CLASSES):
            if asset in GROWTH_ASSETS:
                matrix[:, column] = growth * self.growth_split.get(asset, 0.0)
            elif asset is AssetClass.CASH:
                matrix[:, column] = defensive * cash
            else:
                matrix[:, column] = defensive * (1.0 - cash)
        return matrix


def _progress(years_to_target: float, window: float) -> float:
    """1 at or beyond the window, 0 at (or past) the target date, linear in between."""
    if math.isnan(years_to_target):
        raise ValueError("years to target must be a number")
    return min(max(years_to_target, 0.0) / window, 1.0)


def _blend(at_target: float, far: float, progress: float) -> float:
    return float(_blend_array(at_target, far, np.asarray(progress, dtype=np.float64)))


def _blend_array(
    at_target: float, far: float, progress: NDArray[np.float64]
) -> NDArray[np.float64]:
    # target + (far - target) * progress is monotone in progress under rounding; clipping to
    # the endpoints and pinning progress 1 to ``far`` make "far out" exactly the far share
    # without breaking that.
    low, high = min(at_target, far), max(at_target, far)
    line = np.clip(at_target + (far - at_target) * progress, low, high)
    return np.where(progress >= 1.0, far, line)


DEFAULT_GLIDE_PATH = GlidePath()
"""House defaults (growth share far out → at the target, over the window): VERY_LOW 30% → 5% over
5 years, LOW 45% → 10% over 6, MEDIUM 60% → 20% over 8, HIGH 80% → 25% over 10, VERY_HIGH
95% → 30% over 10. Growth is 70% equity, 15% property, 15% alternatives; cash is 10% of the
defensive part far out and 50% at the target."""
