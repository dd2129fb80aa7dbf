"""What an analysis is asked (the plan) and what it answers for one variant and metric.

>>> plan = AnalysisPlan(Metric("acceptance_rate"), (Metric("dismissal_rate", False),))
>>> [metric.name for metric in plan.metrics], plan.min_relative_lift
(['acceptance_rate', 'dismissal_rate'], 0.1)
"""

from __future__ import annotations

from dataclasses import dataclass

from nextbest.experiments.bayesian import BayesianResult
from nextbest.experiments.corrections import Correction
from nextbest.experiments.frequentist import LiftEstimate
from nextbest.experiments.sequential import SequentialResult
from nextbest.experiments.srm import SRM_THRESHOLD
from nextbest.experiments.sufficient import Statistic

__all__ = ["AnalysisPlan", "Metric", "MetricComparison"]


@dataclass(frozen=True, slots=True)
class Metric:
    """A metric by the name storage keys its statistics with, and which way is better.

    Acceptance and engagement rates are better higher; a dismissal rate is better lower.
    """

    name: str
    higher_is_better: bool = True


@dataclass(frozen=True, slots=True)
class AnalysisPlan:
    """How an experiment is judged, fixed before it starts.

    ``min_relative_lift`` is seed 002's roll-out threshold (a lift above 10%), in the success
    metric's good direction. ``minimum_sample_size`` is per arm (``power.sample_size``); before
    every arm reaches it only the sequential test may declare a winner, and it sets the
    sequential test's tuning (N* = 2 x the per-arm size). ``correction`` applies across every
    variant and metric (success and guardrails) at once.
    """

    success: Metric
    guardrails: tuple[Metric, ...] = ()
    alpha: float = 0.05
    correction: Correction = Correction.HOLM
    min_relative_lift: float = 0.10
    minimum_sample_size: int | None = None
    srm_threshold: float = SRM_THRESHOLD

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (self.success, *self.guardrails)

    @property
    def planned_total(self) -> int | None:
        """N* for the sequential test: both arms of one comparison at the planned size."""
        return None if self.minimum_sample_size is None else 2 * self.minimum_sample_size


@dataclass(frozen=True, slots=True)
class MetricComparison:
    """One variant against the control on one metric, with every test the analysis runs.

    The adjusted p-values come from the plan's correction across every variant and metric:
    ``adjusted_p_value`` for the fixed-horizon test, ``adjusted_sequential_p_value`` for the
    always-valid one. ``improvement`` is the relative lift turned towards the metric's good
    direction (positive is better), None when the relative lift is undefined.
    """

    variant: str
    metric: Metric
    control: Statistic
    treatment: Statistic
    lift: LiftEstimate
    bayesian: BayesianResult
    sequential: SequentialResult
    adjusted_p_value: float | None
    adjusted_sequential_p_value: float | None

    @property
    def improvement(self) -> float | None:
        relative = self.lift.relative
        if relative is None:
            return None
        return relative if self.metric.higher_is_better else -relative

    @property
    def better(self) -> bool:
        """Whether the point estimate moves the metric in its good direction."""
        absolute = self.lift.absolute
        if absolute is None or absolute == 0:
            return False
        return (absolute > 0) == self.metric.higher_is_better
