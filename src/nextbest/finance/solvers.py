"""The three levers a planner pulls when a goal is off track, each solved to a probability.

A goal is on track when the share of simulated paths reaching its target in today's money is
at least a threshold, by default set by the goal's priority (``PRIORITY_THRESHOLDS``: the more
important the goal, the more confidence it needs). Callers pass the threshold, so a firm can
use its own. The levers:

* :func:`required_contribution` — save more each month;
* :func:`later_target_year` — give the goal more years;
* :func:`smaller_target` — aim lower.

Wealth is linear in the monthly contribution (``W = initial * growth + c * annuity`` per path,
see :mod:`nextbest.finance.simulation`), so the contribution and the target are exact quantiles
of per-path values on the simulation already run, not a search. Each result carries the
probability it achieves on that same simulation, which re-simulating with the same seed
reproduces.

>>> from nextbest.domain.enums import AssetClass
>>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
>>> from nextbest.finance.simulation import simulate_goal
>>> simulation = simulate_goal(months=120, assumptions=DEFAULT_ASSUMPTIONS,
...                            allocation={AssetClass.EQUITY: 0.6, AssetClass.BOND: 0.4},
...                            paths=2_000, seed=3)
>>> needed = required_contribution(simulation, initial_value=10_000, target_amount=50_000,
...                                threshold=PRIORITY_THRESHOLDS[Priority.HIGH])
>>> needed.probability >= 0.85
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np

from nextbest.domain.enums import Priority
from nextbest.finance.simulation import GoalSimulation, LaterTargetSimulations

__all__ = [
    "PRIORITY_THRESHOLDS",
    "LaterTargetYear",
    "RequiredContribution",
    "SmallerTarget",
    "later_target_year",
    "required_contribution",
    "smaller_target",
]

PRIORITY_THRESHOLDS: Final = MappingProxyType(
    {Priority.HIGH: 0.85, Priority.MEDIUM: 0.75, Priority.LOW: 0.60}
)
"""Default probability of success a goal needs to count as on track, by priority. House figures
in the range Monte Carlo planning tools commonly treat as "on track"; pass your own threshold."""

# Guards ceil(threshold * paths) against 0.85 * 10_000 coming out as 8500.000000000001.
_FUZZ = 1e-9


@dataclass(frozen=True, slots=True)
class RequiredContribution:
    """The smallest whole-unit monthly contribution that meets ``threshold`` (0 when saving
    nothing already does), and the probability it achieves.

    >>> RequiredContribution(monthly_contribution=250.0, probability=0.8512, threshold=0.85)
    RequiredContribution(monthly_contribution=250.0, probability=0.8512, threshold=0.85)
    """

    monthly_contribution: float
    probability: float
    threshold: float


@dataclass(frozen=True, slots=True)
class LaterTargetYear:
    """The fewest extra years (0 when the goal is already on track) after which the current
    contribution meets ``threshold``; ``months`` is the new horizon.

    >>> LaterTargetYear(extra_years=3, months=156, probability=0.77, threshold=0.75).extra_years
    3
    """

    extra_years: int
    months: int
    probability: float
    threshold: float


@dataclass(frozen=True, slots=True)
class SmallerTarget:
    """The largest whole-unit target in today's money met at ``threshold`` with the current
    contribution (0 when there is nothing to reach, e.g. no money and no saving).

    >>> SmallerTarget(target_amount=41_000.0, probability=0.6, threshold=0.6).target_amount
    41000.0
    """

    target_amount: float
    probability: float
    threshold: float


def required_contribution(
    simulation: GoalSimulation,
    *,
    initial_value: float,
    target_amount: float,
    threshold: float,
) -> RequiredContribution:
    """The monthly contribution that lifts the probability of reaching ``target_amount`` (today's
    money) to ``threshold``, rounded up to a whole currency unit; one unit less falls short.

    Per path the contribution that exactly reaches the target is
    ``(target * deflator - initial * growth) / annuity``; the answer is the quantile of those
    that ``threshold`` of the paths need.
    """
    needed_paths = _needed_paths(threshold, simulation.paths)

    def probability(contribution: float) -> float:
        return simulation.success_probability(
            initial_value=initial_value,
            monthly_contribution=contribution,
            target_amount=target_amount,
        )

    on_track = probability(0.0)  # also checks the amounts before any arithmetic on them
    if on_track >= threshold:
        return RequiredContribution(
            monthly_contribution=0.0, probability=on_track, threshold=threshold
        )
    # ``annuity`` is at least 1 on every path (the last month's saving is not invested), so the
    # division is safe.
    per_path = (target_amount * simulation.deflator - initial_value * simulation.growth) / (
        simulation.annuity
    )
    exact = float(np.partition(per_path, needed_paths - 1)[needed_paths - 1])
    contribution = float(max(math.ceil(exact), 0))
    # Rounding in the division can put a path a hair either side; settle on whole units by
    # the same comparison the projection uses, so re-simulating confirms the answer.
    while probability(contribution) < threshold:
        contribution += 1.0
    while contribution >= 1.0 and probability(contribution - 1.0) >= threshold:
        contribution -= 1.0
    return RequiredContribution(
        monthly_contribution=contribution,
        probability=probability(contribution),
        threshold=threshold,
    )


def smaller_target(
    simulation: GoalSimulation,
    *,
    initial_value: float,
    monthly_contribution: float,
    threshold: float,
) -> SmallerTarget:
    """The largest target in today's money, rounded down to a whole currency unit, that the
    current saving reaches with probability at least ``threshold``; one unit more falls short."""
    needed_paths = _needed_paths(threshold, simulation.paths)
    real = (  # wealth() checks the amounts
        simulation.wealth(initial_value=initial_value, monthly_contribution=monthly_contribution)
        / simulation.deflator
    )
    # The largest target met by ``needed_paths`` paths is the needed_paths-th largest wealth.
    exact = float(np.partition(real, real.size - needed_paths)[real.size - needed_paths])
    target = float(max(math.floor(exact), 0))

    def probability(amount: float) -> float:
        if amount <= 0:
            return 1.0
        return simulation.success_probability(
            initial_value=initial_value,
            monthly_contribution=monthly_contribution,
            target_amount=amount,
        )

    while target > 0 and probability(target) < threshold:
        target -= 1.0
    while probability(target + 1.0) >= threshold:
        target += 1.0
    return SmallerTarget(target_amount=target, probability=probability(target), threshold=threshold)


def later_target_year(
    simulations: LaterTargetSimulations,
    *,
    initial_value: float,
    monthly_contribution: float,
    target_amount: float,
    threshold: float,
) -> LaterTargetYear | None:
    """The earliest horizon, ``0..simulations.max_extra_years`` years later, at which the
    current saving reaches ``target_amount`` (still in today's money) with probability at least
    ``threshold``; ``None`` when even the latest does not.

    Every year is checked in order, so the answer is the earliest even when the probability is
    not monotone in the horizon; ``simulations`` builds each year only when the scan reaches it,
    so an early answer costs little more than the goal's own simulation.
    """
    _check_threshold(threshold)
    for extra_years in range(len(simulations)):
        simulation = simulations[extra_years]
        probability = simulation.success_probability(
            initial_value=initial_value,
            monthly_contribution=monthly_contribution,
            target_amount=target_amount,
        )
        if probability >= threshold:
            return LaterTargetYear(
                extra_years=extra_years,
                months=simulation.months,
                probability=probability,
                threshold=threshold,
            )
    return None


def _needed_paths(threshold: float, paths: int) -> int:
    """How many paths must succeed for the share to be at least ``threshold``."""
    _check_threshold(threshold)
    return max(1, math.ceil(threshold * paths - _FUZZ))


def _check_threshold(threshold: float) -> None:
    if not (math.isfinite(threshold) and 0 < threshold <= 1):
        raise ValueError(f"threshold must be in (0, 1], not {threshold!r}")
