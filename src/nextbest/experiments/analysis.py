"""The analysis of an experiment from its daily sufficient statistics.

``analyse`` runs, for every treatment against the control on the success metric and each
guardrail: the fixed-horizon test with absolute and relative lift (``frequentist``), the
beta-binomial chance to beat control and expected loss (``bayesian``), the always-valid
sequential test over the daily looks (``sequential``); then the correction across the whole
family, the sample-ratio-mismatch check on the units per variant, and the verdict. Nothing
here raises on thin data: each part carries its own reason.

``lift_over_time`` gives the cumulative lift of one variant day by day with both intervals, for
the plot and the API.

>>> from datetime import date
>>> from nextbest.experiments.assignment import ExperimentSpec, Variant
>>> spec = ExperimentSpec("T", (Variant("CONTROL", 50), Variant("B", 50)))
>>> rows = [DayStats(date(2026, 3, 1), "CONTROL", "accept", Proportion(5000, 500)),
...         DayStats(date(2026, 3, 1), "B", "accept", Proportion(5000, 650))]
>>> result = analyse(spec, AnalysisPlan(Metric("accept"), minimum_sample_size=4000), rows)
>>> result.verdict.kind, result.verdict.variant
(<VerdictKind.ROLL_OUT: 'ROLL_OUT'>, 'B')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from nextbest.experiments.assignment import ExperimentSpec
from nextbest.experiments.bayesian import bayesian
from nextbest.experiments.comparison import AnalysisPlan, Metric, MetricComparison
from nextbest.experiments.corrections import adjust
from nextbest.experiments.frequentist import LiftEstimate, lift
from nextbest.experiments.sequential import SequentialResult, sequential_path, sequential_test
from nextbest.experiments.srm import SrmCheck, sample_ratio_mismatch
from nextbest.experiments.sufficient import (
    DayStats,
    Moments,
    Proportion,
    Statistic,
    Totals,
    cumulative,
)
from nextbest.experiments.verdict import Verdict, decide

__all__ = [
    "ExperimentResult",
    "LiftPoint",
    "VariantResult",
    "analyse",
    "lift_over_time",
]

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class VariantResult:
    """One variant: its units (exposed on the success metric), every metric's statistic, and
    its comparisons with the control (none for the control itself)."""

    name: str
    is_control: bool
    units: int
    stats: Mapping[str, Statistic]
    comparisons: tuple[MetricComparison, ...]


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    """Everything ``GET /v1/experiments/{name}/results`` shows."""

    experiment: str
    plan: AnalysisPlan
    first_day: date | None
    last_day: date | None
    days: int
    at_horizon: bool
    variants: tuple[VariantResult, ...]
    srm: SrmCheck
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class LiftPoint:
    """The cumulative comparison at the end of ``day``: the fixed-horizon estimate with its
    interval (valid only at a planned look) and the always-valid confidence sequence."""

    day: date
    estimate: LiftEstimate
    sequential: SequentialResult

    @property
    def absolute(self) -> float | None:
        return self.estimate.absolute

    @property
    def interval(self) -> Interval | None:
        return self.estimate.absolute_ci

    @property
    def sequence(self) -> Interval | None:
        return self.sequential.confidence_sequence


def _empty_like(other: Statistic | None) -> Statistic:
    return Moments() if isinstance(other, Moments) else Proportion()


def _pair(totals: Totals, control: str, variant: str, metric: str) -> tuple[Statistic, Statistic]:
    treated = totals.get(variant, {}).get(metric)
    base = totals.get(control, {}).get(metric)
    return (
        base if base is not None else _empty_like(treated),
        treated if treated is not None else _empty_like(base),
    )


def lift_over_time(
    rows: Iterable[DayStats],
    *,
    control: str,
    variant: str,
    metric: str,
    alpha: float = 0.05,
    planned_total: int | None = None,
) -> tuple[LiftPoint, ...]:
    """``variant`` against ``control`` on ``metric``, cumulatively, one point per day."""
    daily = cumulative(rows)
    looks = [_pair(totals, control, variant, metric) for _, totals in daily]
    path = sequential_path(looks, alpha=alpha, planned_total=planned_total)
    return tuple(
        LiftPoint(day, lift(base, treated, alpha=alpha), sequential)
        for (day, _), (base, treated), sequential in zip(daily, looks, path, strict=True)
    )


def analyse(spec: ExperimentSpec, plan: AnalysisPlan, rows: Iterable[DayStats]) -> ExperimentResult:
    """The full analysis of ``spec`` under ``plan`` from its storage ``rows``."""
    daily = cumulative(rows)
    final: Totals = daily[-1][1] if daily else {}
    control = spec.control
    treatments = [name for name in spec.variant_names if name != control]
    success = plan.success.name
    units = {name: _pair(final, control, name, success)[1].n for name in spec.variant_names}

    drafts: list[tuple[str, Metric, Statistic, Statistic, LiftEstimate, SequentialResult]] = []
    for name in treatments:
        for metric in plan.metrics:
            base, treated = _pair(final, control, name, metric.name)
            looks = [_pair(totals, control, name, metric.name) for _, totals in daily]
            sequential = sequential_test(looks, alpha=plan.alpha, planned_total=plan.planned_total)
            estimate = lift(base, treated, alpha=plan.alpha)
            drafts.append((name, metric, base, treated, estimate, sequential))
    fixed = adjust([draft[4].p_value for draft in drafts], plan.correction)
    always = adjust([draft[5].p_value for draft in drafts], plan.correction)
    comparisons = [
        MetricComparison(
            name,
            metric,
            base,
            treated,
            estimate,
            bayesian(base, treated, higher_is_better=metric.higher_is_better),
            sequential,
            fixed_p,
            always_p,
        )
        for (name, metric, base, treated, estimate, sequential), fixed_p, always_p in zip(
            drafts, fixed, always, strict=True
        )
    ]

    srm = sample_ratio_mismatch(units, spec.shares, threshold=plan.srm_threshold)
    minimum = plan.minimum_sample_size
    live = [name for name, share in spec.shares.items() if share > 0]
    at_horizon = minimum is not None and all(units[name] >= minimum for name in live)
    smallest = min((units[name] for name in live), default=0)
    progress = (
        f"smallest arm {smallest:,} of {minimum:,} units"
        if minimum is not None
        else f"smallest arm {smallest:,} units, no minimum sample size set"
    )
    verdict = decide(comparisons, plan=plan, srm=srm, at_horizon=at_horizon, progress=progress)

    variants = tuple(
        VariantResult(
            name,
            name == control,
            units[name],
            {metric.name: _pair(final, control, name, metric.name)[1] for metric in plan.metrics},
            tuple(item for item in comparisons if item.variant == name),
        )
        for name in spec.variant_names
    )
    return ExperimentResult(
        spec.name,
        plan,
        daily[0][0] if daily else None,
        daily[-1][0] if daily else None,
        len(daily),
        at_horizon,
        variants,
        srm,
        verdict,
    )
