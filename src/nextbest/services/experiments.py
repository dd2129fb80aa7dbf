"""Experiments as a product owner runs them: define, start, stop, conclude, look up, read.

Every function is what one API route (and the CLI) calls. A definition is checked whole before
anything is stored (``ValidationFailed`` lists every problem); the minimum sample size is
planned from a minimum detectable effect and power when not given, against the success
metric's recent rate; a status change outside ``TRANSITIONS``, or a start that would give one
client two treatments of one kind, is a ``Conflict``. Results are the analysis of the daily
sufficient statistics of one environment, with the cumulative lift of every variant over time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from nextbest.domain.enums import ConsentPurpose
from nextbest.domain.ids import ClientId
from nextbest.errors import Conflict, NotFound, Problem, ValidationFailed
from nextbest.experiments.analysis import ExperimentResult, LiftPoint, analyse, lift_over_time
from nextbest.experiments.assignment import Environment, ExperimentSpec, Variant
from nextbest.experiments.comparison import AnalysisPlan
from nextbest.experiments.corrections import Correction
from nextbest.experiments.lifecycle import (
    CONVERTS,
    RATE_METRICS,
    Experiment,
    ExperimentStatus,
    LayerPlacement,
    Transition,
    TreatmentKind,
    next_status,
)
from nextbest.experiments.plot import plot_cumulative_lift
from nextbest.experiments.power import sample_size
from nextbest.services.experiment_treatments import ExperimentTreatments, place_client
from nextbest.services.profiles import ProfileConfig, profile_for, segment_model
from nextbest.services.treatment_values import default_treatment, treatment_problems
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "HISTORY_DAYS",
    "ExperimentReport",
    "NewExperiment",
    "NewVariant",
    "VariantAnswer",
    "change_status",
    "create_experiment",
    "experiment_results",
    "get_experiment",
    "list_experiments",
    "results_png",
    "variant_for",
]

HISTORY_DAYS = 30
"""How far back the success metric's baseline rate is read when none is given."""


@dataclass(frozen=True, slots=True)
class NewVariant:
    name: str
    share: Decimal
    treatment: str | None = None
    """What the variant applies; None takes it from seed 002's name (MONETARY_FOCUS ...)."""
    description: str | None = None


@dataclass(frozen=True, slots=True)
class NewExperiment:
    """An experiment as ``POST /v1/experiments`` defines it (shares in percent)."""

    name: str
    hypothesis: str
    kind: TreatmentKind
    variants: tuple[NewVariant, ...]
    control: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    success_metric: str = "acceptance_rate"
    guardrail_metrics: tuple[str, ...] = ()
    minimum_sample_size: int | None = None
    minimum_detectable_effect: float | None = None
    """Planned for when no minimum sample size is given; relative (0.1 is +10%) unless
    ``mde_relative`` is false. Defaults to ``min_relative_lift``, the roll-out threshold."""
    mde_relative: bool = True
    baseline_rate: float | None = None
    """The success metric's expected control rate; read from the last 30 days when None."""
    power: float = 0.8
    alpha: float = 0.05
    correction: Correction = Correction.HOLM
    min_relative_lift: float = 0.10
    segments: tuple[str, ...] | None = None
    layer: str | None = None
    layer_percent: Decimal | None = None
    """The share of the layer the experiment holds (100 when a layer is named without it)."""
    salt: str | None = None


# -- defining ------------------------------------------------------------------------------------


def _spec(new: NewExperiment, problems: list[Problem]) -> ExperimentSpec | None:
    try:
        return ExperimentSpec(
            new.name,
            tuple(Variant(v.name, v.share) for v in new.variants),
            salt=new.salt or "",
            control=new.control or "",
            segments=None if new.segments is None else frozenset(new.segments),
            layer=new.layer,
        )
    except ValidationFailed as error:
        problems.extend(error.problems)
        return None


def _treatments(new: NewExperiment, problems: list[Problem]) -> dict[str, str]:
    chosen = {v.name: v.treatment or default_treatment(new.kind, v.name) for v in new.variants}
    problems.extend(
        treatment_problems(
            new.kind, chosen, targeted=new.segments is not None, layered=new.layer is not None
        )
    )
    return {name: value for name, value in chosen.items() if value is not None}


def _window_and_metrics(new: NewExperiment) -> list[Problem]:
    problems: list[Problem] = []
    if new.start_at is not None and new.end_at is not None and new.end_at <= new.start_at:
        problems.append(("end_at", "the experiment must end after it starts"))
    if new.success_metric not in RATE_METRICS:
        problems.append(("success_metric", f"one of {', '.join(RATE_METRICS)}"))
    for index, name in enumerate(new.guardrail_metrics):
        if name not in RATE_METRICS:
            problems.append((f"guardrail_metrics.{index}", f"one of {', '.join(RATE_METRICS)}"))
        elif name == new.success_metric:
            problems.append((f"guardrail_metrics.{index}", "the success metric is not a guardrail"))
    if len(set(new.guardrail_metrics)) != len(new.guardrail_metrics):
        problems.append(("guardrail_metrics", "a guardrail is named twice"))
    return problems


def _minimum(
    new: NewExperiment, spec: ExperimentSpec, *, uow: UnitOfWork, now: datetime
) -> tuple[int, float | None, float | None]:
    """The per-arm minimum sample size, the effect and the baseline it was planned from."""
    if new.minimum_sample_size is not None:
        return new.minimum_sample_size, new.minimum_detectable_effect, new.baseline_rate
    effect = new.minimum_detectable_effect or new.min_relative_lift
    baseline = new.baseline_rate
    if baseline is None:
        statuses = [s for s, metrics in CONVERTS.items() if new.success_metric in metrics]
        history = uow.experiment_results.baseline(
            statuses, since=now - timedelta(days=HISTORY_DAYS)
        )
        baseline = history.rate
        if baseline is None or not 0 < baseline < 1:
            raise ValidationFailed(
                [
                    (
                        "baseline_rate",
                        f"the last {HISTORY_DAYS} days give no usable {new.success_metric} "
                        f"({history.conversions} of {history.n} clients) to plan from: give "
                        "baseline_rate or minimum_sample_size",
                    )
                ]
            )
    treatments = sum(1 for v in spec.variants if v.share > 0 and v.name != spec.control)
    try:
        planned = sample_size(
            baseline,
            effect,
            relative=new.mde_relative,
            alpha=new.alpha / max(treatments, 1),  # Holm is never stricter than this
            power=new.power,
        )
    except ValueError as error:
        raise ValidationFailed([("minimum_detectable_effect", str(error))]) from error
    return planned.per_arm, effect, baseline


def create_experiment(new: NewExperiment, *, uow: UnitOfWork, now: datetime) -> Experiment:
    """Store a new experiment as a DRAFT, with its layer slot when it names a layer."""
    problems: list[Problem] = []
    spec = _spec(new, problems)
    treatments = _treatments(new, problems)
    problems.extend(_window_and_metrics(new))
    if problems or spec is None:
        raise ValidationFailed(problems or [("variants", "the variants are not valid")])
    with uow:
        if uow.experiments.exists(new.name):
            raise Conflict(f"an experiment named {new.name!r} already exists")
        minimum, effect, baseline = _minimum(new, spec, uow=uow, now=now)
        placement = None
        if new.layer is not None:
            percent = new.layer_percent if new.layer_percent is not None else Decimal(100)
            layer = uow.experiments.layer(new.layer, lock=True) or uow.experiments.add_layer(
                new.layer, new.layer, now=now
            )
            slot = layer.with_experiment(new.name, percent).slot_of(new.name)
            assert slot is not None
            placement = LayerPlacement(new.layer, str(percent), slot.start, slot.stop)
        experiment = Experiment(
            spec=spec,
            plan=AnalysisPlan(
                RATE_METRICS[new.success_metric],
                tuple(RATE_METRICS[m] for m in new.guardrail_metrics),
                alpha=new.alpha,
                correction=new.correction,
                min_relative_lift=new.min_relative_lift,
                minimum_sample_size=minimum,
            ),
            kind=new.kind,
            treatments=treatments,
            descriptions={v.name: v.description for v in new.variants if v.description},
            hypothesis=new.hypothesis,
            status=ExperimentStatus.DRAFT,
            created_at=now,
            updated_at=now,
            placement=placement,
            start_at=new.start_at,
            end_at=new.end_at,
            minimum_detectable_effect=effect,
            mde_relative=new.mde_relative,
            baseline_rate=baseline,
            power=new.power,
        )
        uow.experiments.add(experiment)
        uow.commit()
    return experiment


def list_experiments(
    *, uow: UnitOfWork, status: ExperimentStatus | None = None
) -> list[Experiment]:
    with uow:
        return uow.experiments.all(status)


def get_experiment(name: str, *, uow: UnitOfWork) -> Experiment:
    with uow:
        found = uow.experiments.get(name)
    if found is None:
        raise NotFound("experiment", name)
    return found


# -- the life of an experiment -------------------------------------------------------------------


def _clashes(experiment: Experiment, running: Sequence[Experiment]) -> str | None:
    """Why starting ``experiment`` now would give a client two treatments of one kind."""
    for other in running:
        if other.name == experiment.name or other.kind is not experiment.kind:
            continue
        if experiment.kind is TreatmentKind.HOLDOUT:
            return f"the global holdout {other.name!r} is already running"
        if experiment.spec.layer is None or experiment.spec.layer != other.spec.layer:
            return (
                f"{other.name!r} already runs a {experiment.kind.value} test on the same "
                "clients; put both in one layer so they never share a client, or stop it first"
            )
    return None


def change_status(
    name: str,
    transition: Transition,
    *,
    uow: UnitOfWork,
    now: datetime,
    environment: Environment,
    conclusion: str | None = None,
    treatments: ExperimentTreatments | None = None,
) -> Experiment:
    """Start, stop or conclude; ``Conflict`` when the status does not allow it. Concluding
    without a ``conclusion`` records the verdict of that moment in ``environment``."""
    with uow:
        experiment = uow.experiments.get(name, lock=True)
        if experiment is None:
            raise NotFound("experiment", name)
        status = next_status(experiment.status, transition)
        if status is None:
            raise Conflict(
                f"experiment {name!r} is {experiment.status.value}: it cannot {transition.value}"
            )
        changed = replace(experiment, status=status, updated_at=now)
        if transition is Transition.START:
            if experiment.end_at is not None and experiment.end_at <= now:
                raise Conflict(f"experiment {name!r} ended at {experiment.end_at.isoformat()}")
            clash = _clashes(experiment, uow.experiments.all(ExperimentStatus.RUNNING))
            if clash is not None:
                raise Conflict(f"experiment {name!r} cannot start: {clash}")
            changed = replace(changed, started_at=experiment.started_at or now)
        elif transition is Transition.STOP:
            changed = replace(changed, stopped_at=now)
        else:
            if conclusion is None:
                rows = uow.experiment_results.daily(name, environment=environment.value)
                conclusion = analyse(experiment.spec, experiment.plan, rows).verdict.reason
            changed = replace(changed, concluded_at=now, conclusion=conclusion)
        uow.experiments.save_status(changed)
        uow.commit()
    if treatments is not None:
        treatments.invalidate()
    return changed


# -- one client's variant ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantAnswer:
    """What ``GET /v1/experiments/{name}/variant`` answers for one client."""

    experiment: str
    client_id: ClientId
    environment: Environment
    variant: str
    treatment: str | None
    enrolled: bool
    reason: str


def variant_for(
    name: str,
    client_id: ClientId,
    *,
    uow: UnitOfWork,
    environment: Environment,
    profiles: ProfileConfig,
    now: datetime,
) -> VariantAnswer:
    """The client's variant, as the decision loop would apply it: stored once enrolled (the
    stored one wins), the control when the experiment is not running, when targeting or the
    layer leave the client out, or when the global holdout holds the client. Looking a variant
    up records no exposure: exposure is a delivered recommendation."""
    with uow:
        experiment = uow.experiments.get(name)
        if experiment is None:
            raise NotFound("experiment", name)
        client = uow.clients.get(client_id)
        if client is None:
            raise NotFound("client", client_id)
        control = experiment.spec.control

        def unenrolled(reason: str) -> VariantAnswer:
            treatment = experiment.treatments.get(control)
            return VariantAnswer(name, client_id, environment, control, treatment, False, reason)

        if not experiment.applies(now):
            return unenrolled(f"the experiment is {_inactive(experiment, now)}")
        running, layers = uow.experiments.running()
        holdouts = [
            e
            for e in running
            if e.kind is TreatmentKind.HOLDOUT and e.applies(now) and e.name != name
        ]
        stored = uow.profiles.get(client_id, decay=profiles.decay)
        profile = profile_for(client, stored, model=segment_model(uow), config=profiles, now=now)
        personal = profile.personalization and client.has_consent(ConsentPurpose.PERSONALIZATION)
        if experiment.kind is TreatmentKind.RANKING_POLICY and not personal:
            return unenrolled("the client's recommendations are not personalised")
        placed = place_client(
            uow,
            client_id,
            [*holdouts, experiment],
            layers,
            environment=environment,
            segment=profile.segment,
            now=now,
        )
        uow.commit()
    placement = placed[name]
    a = placement.assignment
    if not a.enrolled:
        return unenrolled(placement.reason)
    return VariantAnswer(
        name, client_id, environment, a.variant, experiment.treatments.get(a.variant), True, ""
    )


def _inactive(experiment: Experiment, now: datetime) -> str:
    if experiment.status is not ExperimentStatus.RUNNING:
        return experiment.status.value
    if experiment.start_at is not None and now < experiment.start_at:
        return f"due to start at {experiment.start_at.isoformat()}"
    return f"past its end at {experiment.end_at.isoformat() if experiment.end_at else '?'}"


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExperimentReport:
    """An experiment's analysis in one environment, and each treatment's lift over time on the
    success metric."""

    experiment: Experiment
    environment: Environment
    result: ExperimentResult
    timelines: Mapping[str, tuple[LiftPoint, ...]]


def experiment_results(name: str, *, uow: UnitOfWork, environment: Environment) -> ExperimentReport:
    """The analysis of ``name`` from its statistics in ``environment`` (never another's)."""
    with uow:
        experiment = uow.experiments.get(name)
        if experiment is None:
            raise NotFound("experiment", name)
        rows = uow.experiment_results.daily(name, environment=environment.value)
    spec, plan = experiment.spec, experiment.plan
    timelines = {
        variant: lift_over_time(
            rows,
            control=spec.control,
            variant=variant,
            metric=plan.success.name,
            alpha=plan.alpha,
            planned_total=plan.planned_total,
        )
        for variant in spec.variant_names
        if variant != spec.control
    }
    return ExperimentReport(experiment, environment, analyse(spec, plan, rows), timelines)


def results_png(report: ExperimentReport) -> bytes:
    """The cumulative lift of every treatment over time, as a PNG."""
    return plot_cumulative_lift(
        report.timelines,
        title=f"{report.experiment.name} ({report.environment.value})",
        metric=report.experiment.plan.success.name,
    )
