"""Wire shapes of experiments: the definition, a status change, a client's variant, the results.

Every statistic that could not be computed is ``null`` with the reason beside it, so no NaN
or infinity ever reaches JSON.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from nextbest.api.schemas.common import ID_PATTERN, StrictModel
from nextbest.experiments.analysis import LiftPoint, VariantResult
from nextbest.experiments.comparison import MetricComparison
from nextbest.experiments.corrections import Correction
from nextbest.experiments.lifecycle import Experiment, ExperimentStatus, Transition, TreatmentKind
from nextbest.experiments.sufficient import Moments, Statistic
from nextbest.services.experiments import (
    ExperimentReport,
    NewExperiment,
    NewVariant,
    VariantAnswer,
)

__all__ = [
    "ComparisonOut",
    "ExperimentIn",
    "ExperimentOut",
    "ExperimentPatch",
    "ExperimentResultOut",
    "ExperimentsOut",
    "LiftPointOut",
    "VariantAnswerOut",
    "VariantIn",
]

MetricName = Literal["acceptance_rate", "engagement_rate", "dismissal_rate"]
Name = Annotated[str, Field(pattern=ID_PATTERN, examples=["BENEFIT_EMPHASIS"])]
Share = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, examples=["33.34"])]
Interval = tuple[float, float]


class VariantIn(StrictModel):
    name: Name
    share: Share = Field(description="Percent of the experiment's traffic; shares sum to 100")
    treatment: str | None = Field(
        default=None,
        description="What the variant applies, one of the experiment kind's values "
        "(BENEFIT_EMPHASIS: CONTROL, MONETARY, PERCENTAGE; URGENCY_FRAMING: CONTROL, "
        "HIGH_URGENCY, LOW_PRESSURE; SOCIAL_PROOF: CONTROL, SOCIAL_PROOF; RANKING_POLICY: "
        "engine, standard, baseline, random; HOLDOUT: HOLDOUT, PERSONALISED). Left out, it "
        "follows seed 002's variant names (MONETARY_FOCUS is MONETARY ...)",
        max_length=32,
    )
    description: str | None = Field(default=None, max_length=500)


class ExperimentIn(StrictModel):
    name: Name
    hypothesis: str = Field(min_length=1, max_length=2_000)
    treatment: TreatmentKind = Field(description="What the experiment varies")
    variants: list[VariantIn] = Field(min_length=1, max_length=10)
    control: Name | None = Field(default=None, description="The control; the first variant")
    start_at: datetime | None = Field(default=None, description="Not served before this")
    end_at: datetime | None = Field(default=None, description="Not served from this on")
    success_metric: MetricName = "acceptance_rate"
    guardrail_metrics: list[MetricName] = Field(default_factory=list, max_length=2)
    minimum_sample_size: int | None = Field(
        default=None, ge=10, le=100_000_000, description="Clients per arm; planned when left out"
    )
    minimum_detectable_effect: float | None = Field(
        default=None,
        gt=0,
        lt=10,
        allow_inf_nan=False,
        description="The effect to plan the sample size for (relative unless mde_relative "
        "is false); the roll-out threshold min_relative_lift when left out",
    )
    mde_relative: bool = True
    baseline_rate: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        allow_inf_nan=False,
        description="The control's expected rate; the last 30 days' when left out",
    )
    power: float = Field(default=0.8, ge=0.5, le=0.99, allow_inf_nan=False)
    alpha: float = Field(default=0.05, ge=0.001, le=0.2, allow_inf_nan=False)
    correction: Correction = Correction.HOLM
    min_relative_lift: float = Field(
        default=0.10, ge=0, le=10, allow_inf_nan=False, description="Seed 002's roll-out bar"
    )
    segments: list[Annotated[str, Field(min_length=1, max_length=16)]] | None = Field(
        default=None, max_length=50, description="Only clients in these segments take part"
    )
    layer: Name | None = Field(
        default=None, description="Experiments of one layer never share a client"
    )
    layer_percent: Share | None = Field(
        default=None, gt=0, description="The layer's share the experiment holds (100)"
    )
    salt: str | None = Field(
        default=None, min_length=1, max_length=128, description="Hash salt; the name"
    )

    def to_domain(self) -> NewExperiment:
        return NewExperiment(
            name=self.name,
            hypothesis=self.hypothesis,
            kind=self.treatment,
            variants=tuple(
                NewVariant(v.name, v.share, v.treatment, v.description) for v in self.variants
            ),
            control=self.control,
            start_at=self.start_at,
            end_at=self.end_at,
            success_metric=self.success_metric,
            guardrail_metrics=tuple(self.guardrail_metrics),
            minimum_sample_size=self.minimum_sample_size,
            minimum_detectable_effect=self.minimum_detectable_effect,
            mde_relative=self.mde_relative,
            baseline_rate=self.baseline_rate,
            power=self.power,
            alpha=self.alpha,
            correction=self.correction,
            min_relative_lift=self.min_relative_lift,
            segments=None if self.segments is None else tuple(self.segments),
            layer=self.layer,
            layer_percent=self.layer_percent,
            salt=self.salt,
        )


class ExperimentPatch(StrictModel):
    action: Transition = Field(description="start, stop (a pause) or conclude")
    conclusion: str | None = Field(
        default=None,
        max_length=2_000,
        description="What was decided, when concluding; the verdict of the moment if left out",
    )


class VariantOut(BaseModel):
    name: str
    share: Decimal
    treatment: str
    description: str | None


class LayerOut(BaseModel):
    name: str
    percent: Decimal
    buckets: tuple[int, int] = Field(description="Layer buckets held, start and stop of 10,000")


class ExperimentOut(BaseModel):
    name: str
    hypothesis: str
    treatment: TreatmentKind
    status: ExperimentStatus
    variants: list[VariantOut]
    control: str
    salt: str
    segments: list[str] | None
    layer: LayerOut | None
    start_at: datetime | None
    end_at: datetime | None
    success_metric: str
    guardrail_metrics: list[str]
    minimum_sample_size: int | None = Field(description="Clients per arm")
    planned_total: int | None = Field(description="Clients to expose in all")
    minimum_detectable_effect: float | None
    mde_relative: bool
    baseline_rate: float | None
    power: float
    alpha: float
    correction: Correction
    min_relative_lift: float
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    stopped_at: datetime | None
    concluded_at: datetime | None
    conclusion: str | None

    @classmethod
    def from_domain(cls, e: Experiment) -> ExperimentOut:
        descriptions = e.descriptions or {}
        placement = e.placement
        return cls(
            name=e.name,
            hypothesis=e.hypothesis,
            treatment=e.kind,
            status=e.status,
            variants=[
                VariantOut(
                    name=v.name,
                    share=v.share,
                    treatment=e.treatments[v.name],
                    description=descriptions.get(v.name),
                )
                for v in e.spec.variants
            ],
            control=e.spec.control,
            salt=e.spec.salt,
            segments=None if e.spec.segments is None else sorted(e.spec.segments),
            layer=None
            if placement is None
            else LayerOut(
                name=placement.layer,
                percent=Decimal(placement.percent),
                buckets=(placement.start, placement.stop),
            ),
            start_at=e.start_at,
            end_at=e.end_at,
            success_metric=e.plan.success.name,
            guardrail_metrics=[m.name for m in e.plan.guardrails],
            minimum_sample_size=e.plan.minimum_sample_size,
            planned_total=e.planned_total(),
            minimum_detectable_effect=e.minimum_detectable_effect,
            mde_relative=e.mde_relative,
            baseline_rate=e.baseline_rate,
            power=e.power,
            alpha=e.plan.alpha,
            correction=e.plan.correction,
            min_relative_lift=e.plan.min_relative_lift,
            created_at=e.created_at,
            updated_at=e.updated_at,
            started_at=e.started_at,
            stopped_at=e.stopped_at,
            concluded_at=e.concluded_at,
            conclusion=e.conclusion,
        )


class ExperimentsOut(BaseModel):
    experiments: list[ExperimentOut]


class VariantAnswerOut(BaseModel):
    experiment: str
    client_id: str
    environment: str = Field(description="Assignments of one environment never mix with another")
    variant: str
    treatment: str | None
    enrolled: bool = Field(description="False: the client sees the control and is not counted")
    reason: str = Field(description="Why the client is not enrolled, when it is not")

    @classmethod
    def from_domain(cls, answer: VariantAnswer) -> VariantAnswerOut:
        return cls(
            experiment=answer.experiment,
            client_id=answer.client_id,
            environment=answer.environment.value,
            variant=answer.variant,
            treatment=answer.treatment,
            enrolled=answer.enrolled,
            reason=answer.reason,
        )


# -- results -------------------------------------------------------------------------------------


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _interval(value: Interval | None) -> Interval | None:
    if value is None or not all(math.isfinite(v) for v in value):
        return None
    return value


class StatOut(BaseModel):
    n: int = Field(description="Clients exposed")
    conversions: int | None = Field(description="Clients who converted (a rate metric)")
    rate: float | None
    sum: float | None = Field(description="Sum of the values (a continuous metric)")
    mean: float | None = None

    @classmethod
    def from_domain(cls, stat: Statistic) -> StatOut:
        if isinstance(stat, Moments):
            return cls(n=stat.n, conversions=None, rate=None, sum=stat.sum, mean=_num(stat.mean))
        return cls(n=stat.n, conversions=stat.conversions, rate=_num(stat.rate), sum=None)


class ComparisonOut(BaseModel):
    metric: str
    higher_is_better: bool
    control: float | None = Field(description="The control's rate")
    treatment: float | None
    absolute: float | None = Field(description="Treatment - control (0.012 is 1.2 points)")
    absolute_ci: Interval | None
    relative: float | None = Field(description="Relative lift (0.1 is +10%)")
    relative_ci: Interval | None
    p_value: float | None = Field(description="Fixed-horizon test (valid at the horizon)")
    adjusted_p_value: float | None = Field(description="After the plan's correction")
    chance_to_beat_control: float | None
    risk: float | None = Field(description="Expected loss choosing the treatment")
    risk_control: float | None = Field(description="Expected loss keeping the control")
    sequential_p_value: float | None = Field(description="Always valid: safe to look daily")
    adjusted_sequential_p_value: float | None
    confidence_sequence: Interval | None = Field(description="Always-valid absolute interval")
    problem: str | None
    reason: str

    @classmethod
    def from_domain(cls, c: MetricComparison) -> ComparisonOut:
        estimate, bayes, sequential = c.lift, c.bayesian, c.sequential
        problem = estimate.problem or bayes.problem or sequential.problem
        reason = estimate.reason or bayes.reason or sequential.reason
        return cls(
            metric=c.metric.name,
            higher_is_better=c.metric.higher_is_better,
            control=_num(estimate.control),
            treatment=_num(estimate.treatment),
            absolute=_num(estimate.absolute),
            absolute_ci=_interval(estimate.absolute_ci),
            relative=_num(estimate.relative),
            relative_ci=_interval(estimate.relative_ci),
            p_value=_num(estimate.p_value),
            adjusted_p_value=_num(c.adjusted_p_value),
            chance_to_beat_control=_num(bayes.chance_to_beat_control),
            risk=_num(bayes.risk),
            risk_control=_num(bayes.risk_control),
            sequential_p_value=_num(sequential.p_value),
            adjusted_sequential_p_value=_num(c.adjusted_sequential_p_value),
            confidence_sequence=_interval(sequential.confidence_sequence),
            problem=None if problem is None else problem.value,
            reason=reason,
        )


class VariantResultOut(BaseModel):
    name: str
    is_control: bool
    units: int = Field(description="Clients exposed (on the success metric)")
    stats: dict[str, StatOut]
    comparisons: list[ComparisonOut]

    @classmethod
    def from_domain(cls, v: VariantResult) -> VariantResultOut:
        return cls(
            name=v.name,
            is_control=v.is_control,
            units=v.units,
            stats={name: StatOut.from_domain(stat) for name, stat in v.stats.items()},
            comparisons=[ComparisonOut.from_domain(c) for c in v.comparisons],
        )


class VerdictOut(BaseModel):
    kind: str = Field(
        description="ROLL_OUT, KEEP_TESTING, KEEP_CONTROL, STOP_FOR_HARM or CHECK_SETUP"
    )
    variant: str | None
    reason: str


class SrmOut(BaseModel):
    p_value: float | None
    mismatch: bool = Field(description="True when p < 0.001: check the setup before trusting it")
    observed: dict[str, int]
    expected: dict[str, float]
    reason: str


class LiftPointOut(BaseModel):
    day: date
    absolute: float | None
    absolute_ci: Interval | None = Field(description="Fixed-horizon interval of that day")
    confidence_sequence: Interval | None = Field(description="Always-valid interval")
    relative: float | None

    @classmethod
    def from_domain(cls, point: LiftPoint) -> LiftPointOut:
        return cls(
            day=point.day,
            absolute=_num(point.absolute),
            absolute_ci=_interval(point.interval),
            confidence_sequence=_interval(point.sequence),
            relative=_num(point.estimate.relative),
        )


class ExperimentResultOut(BaseModel):
    experiment: str
    status: ExperimentStatus
    environment: str = Field(description="Whose statistics these are")
    success_metric: str
    first_day: date | None
    last_day: date | None
    days: int
    at_horizon: bool = Field(description="Every arm has reached the minimum sample size")
    minimum_sample_size: int | None
    verdict: VerdictOut
    srm: SrmOut
    variants: list[VariantResultOut]
    lift_over_time: dict[str, list[LiftPointOut]] = Field(
        description="Each treatment's cumulative lift on the success metric, day by day"
    )

    @classmethod
    def from_domain(cls, report: ExperimentReport) -> ExperimentResultOut:
        r = report.result
        return cls(
            experiment=r.experiment,
            status=report.experiment.status,
            environment=report.environment.value,
            success_metric=r.plan.success.name,
            first_day=r.first_day,
            last_day=r.last_day,
            days=r.days,
            at_horizon=r.at_horizon,
            minimum_sample_size=r.plan.minimum_sample_size,
            verdict=VerdictOut(
                kind=r.verdict.kind.value, variant=r.verdict.variant, reason=r.verdict.reason
            ),
            srm=SrmOut(
                p_value=_num(r.srm.p_value),
                mismatch=r.srm.mismatch,
                observed=dict(r.srm.observed),
                expected={k: float(v) for k, v in r.srm.expected.items()},
                reason=r.srm.reason,
            ),
            variants=[VariantResultOut.from_domain(v) for v in r.variants],
            lift_over_time={
                variant: [LiftPointOut.from_domain(p) for p in points]
                for variant, points in report.timelines.items()
            },
        )
