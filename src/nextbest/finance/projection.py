"""A goal's likely outcome: probability of reaching its target and the spread of its wealth.

Built on :mod:`nextbest.finance.simulation` (the model, its conventions and its cost are described
there). ``initial_value`` is invested at the start and ``monthly_contribution`` arrives at the END
of each month. ``target_amount`` is in today's money: a path succeeds when its nominal terminal
wealth is at least ``target_amount * (1 + inflation) ** (months / 12)``, i.e. when its wealth
deflated to today's money reaches the target. ``probability_nominal`` compares undeflated wealth
with the same figure, for goals stated in future money.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nextbest.domain.enums import AssetClass, RiskTolerance
from nextbest.finance.assumptions import CapitalMarketAssumptions
from nextbest.finance.glide_path import GlidePath
from nextbest.finance.simulation import DEFAULT_PATHS, GoalSimulation, simulate_goal

__all__ = ["GoalProjection", "TerminalValues", "project_goal", "summarise"]


@dataclass(frozen=True, slots=True)
class TerminalValues:
    """The 10th, 50th and 90th percentile of terminal wealth across paths.

    >>> TerminalValues(p10=80.0, p50=100.0, p90=130.0).p50
    100.0
    """

    p10: float
    p50: float
    p90: float


@dataclass(frozen=True, slots=True)
class GoalProjection:
    """How one goal is likely to turn out, with the inputs that produced it.

    ``probability_real`` is the share of paths whose wealth, deflated to today's money, reaches
    ``target_amount`` (a target in today's money); ``probability_nominal`` compares undeflated
    wealth with the same figure.

    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> projection = project_goal(
    ...     initial_value=20_000, monthly_contribution=300, months=120, target_amount=60_000,
    ...     assumptions=DEFAULT_ASSUMPTIONS, allocation={AssetClass.EQUITY: 1.0}, paths=1_000)
    >>> projection.probability_nominal >= projection.probability_real
    True
    """

    initial_value: float
    monthly_contribution: float
    months: int
    target_amount: float
    probability_real: float
    probability_nominal: float
    nominal: TerminalValues
    real: TerminalValues
    deflator: float
    paths: int
    seed: int
    allocation: Mapping[AssetClass, float] | None = None
    glide_path: GlidePath | None = None
    risk_tolerance: RiskTolerance | None = None


def project_goal(
    *,
    initial_value: float,
    monthly_contribution: float,
    months: int,
    target_amount: float,
    assumptions: CapitalMarketAssumptions,
    allocation: Mapping[AssetClass, float] | None = None,
    glide_path: GlidePath | None = None,
    risk_tolerance: RiskTolerance | None = None,
    paths: int = DEFAULT_PATHS,
    seed: int = 0,
) -> GoalProjection:
    """Simulate and summarise in one call. ``target_amount`` must be positive: a zero target is
    always met, and a data error should not read as success."""
    _check_target(target_amount)
    simulation = simulate_goal(
        months=months,
        assumptions=assumptions,
        allocation=allocation,
        glide_path=glide_path,
        risk_tolerance=risk_tolerance,
        paths=paths,
        seed=seed,
    )
    return summarise(
        simulation,
        initial_value=initial_value,
        monthly_contribution=monthly_contribution,
        target_amount=target_amount,
    )


def summarise(
    simulation: GoalSimulation,
    *,
    initial_value: float,
    monthly_contribution: float,
    target_amount: float,
) -> GoalProjection:
    """The projection of given amounts on a simulation already run (no new paths)."""
    _check_target(target_amount)
    wealth = simulation.wealth(
        initial_value=initial_value, monthly_contribution=monthly_contribution
    )
    p10, p50, p90 = (float(v) for v in np.quantile(wealth, [0.1, 0.5, 0.9]))
    d = simulation.deflator
    return GoalProjection(
        initial_value=initial_value,
        monthly_contribution=monthly_contribution,
        months=simulation.months,
        target_amount=target_amount,
        probability_real=float(np.count_nonzero(wealth >= target_amount * d)) / simulation.paths,
        probability_nominal=float(np.count_nonzero(wealth >= target_amount)) / simulation.paths,
        nominal=TerminalValues(p10=p10, p50=p50, p90=p90),
        real=TerminalValues(p10=p10 / d, p50=p50 / d, p90=p90 / d),
        deflator=d,
        paths=simulation.paths,
        seed=simulation.seed,
        allocation=simulation.allocation,
        glide_path=simulation.glide_path,
        risk_tolerance=simulation.risk_tolerance,
    )


def _check_target(target_amount: float) -> None:
    # A zero target is always met; refusing it keeps a data error from reading as success.
    if not (math.isfinite(target_amount) and target_amount > 0):
        raise ValueError(f"target_amount must be positive and finite, not {target_amount!r}")
