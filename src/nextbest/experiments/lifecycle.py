"""An experiment as a product owner defines and runs it: what it tests, and where it is in its life.

``Experiment`` holds the assignment ``ExperimentSpec`` and the ``AnalysisPlan`` fixed before it
starts, what each variant applies (``treatments``: a variant name to a treatment value of the
experiment's ``TreatmentKind``), the planned start and end, and the status. The status moves
only along ``TRANSITIONS``: a draft starts; a running experiment stops (a pause: it may start
again) or is concluded; a stopped one is concluded or started again; a concluded one is final.

An experiment *applies* (its treatments are served and its outcomes counted) only while it is
RUNNING and inside its planned window: started before ``start_at`` it waits, and past
``end_at`` it stops applying on its own.

>>> next_status(ExperimentStatus.DRAFT, Transition.START)
<ExperimentStatus.RUNNING: 'RUNNING'>
>>> next_status(ExperimentStatus.CONCLUDED, Transition.START) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from nextbest.domain.recommendation import Status
from nextbest.experiments.assignment import ExperimentSpec
from nextbest.experiments.comparison import AnalysisPlan, Metric

__all__ = [
    "CONVERTS",
    "RATE_METRICS",
    "TRANSITIONS",
    "Experiment",
    "ExperimentStatus",
    "LayerPlacement",
    "Transition",
    "TreatmentKind",
    "next_status",
]


RATE_METRICS: Mapping[str, Metric] = {
    "acceptance_rate": Metric("acceptance_rate"),
    "engagement_rate": Metric("engagement_rate"),
    "dismissal_rate": Metric("dismissal_rate", higher_is_better=False),
}
"""The metrics an experiment can be judged on, each the share of exposed clients who did it.

The unit is the client: exposed once (a recommendation delivered under the experiment), and
converted at most once per metric, whatever the number of recommendations.
"""

CONVERTS: Mapping[Status, tuple[str, ...]] = {
    Status.ACCEPTED: ("acceptance_rate", "engagement_rate"),
    Status.PARTIALLY_ACCEPTED: ("engagement_rate",),
    Status.VIEWED: ("engagement_rate",),
    Status.DISMISSED: ("dismissal_rate",),
}
"""Which metrics an outcome converts: acceptance is ACCEPTED only (seed 002), engagement any
look or action (VIEWED, ACCEPTED, PARTIALLY_ACCEPTED), dismissal an explicit DISMISSED."""


class ExperimentStatus(StrEnum):
    DRAFT = "DRAFT"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    CONCLUDED = "CONCLUDED"


class Transition(StrEnum):
    """What ``PATCH /v1/experiments/{name}`` asks for."""

    START = "start"
    STOP = "stop"
    CONCLUDE = "conclude"


TRANSITIONS: Mapping[tuple[ExperimentStatus, Transition], ExperimentStatus] = {
    (ExperimentStatus.DRAFT, Transition.START): ExperimentStatus.RUNNING,
    (ExperimentStatus.STOPPED, Transition.START): ExperimentStatus.RUNNING,
    (ExperimentStatus.RUNNING, Transition.STOP): ExperimentStatus.STOPPED,
    (ExperimentStatus.RUNNING, Transition.CONCLUDE): ExperimentStatus.CONCLUDED,
    (ExperimentStatus.STOPPED, Transition.CONCLUDE): ExperimentStatus.CONCLUDED,
}
"""Every legal move; anything else is a conflict with the stored status."""


def next_status(current: ExperimentStatus, transition: Transition) -> ExperimentStatus | None:
    """The status ``transition`` leads to from ``current``, or None when it is not allowed."""
    return TRANSITIONS.get((current, transition))


class TreatmentKind(StrEnum):
    """What an experiment varies; each variant applies one value of its kind.

    BENEFIT_EMPHASIS, URGENCY_FRAMING and SOCIAL_PROOF are seed 002's framing tests;
    RANKING_POLICY compares decision policies; HOLDOUT is the global holdout, whose HOLDOUT
    variant gets the non-personalised ranking and no other experiment.
    """

    BENEFIT_EMPHASIS = "BENEFIT_EMPHASIS"
    URGENCY_FRAMING = "URGENCY_FRAMING"
    SOCIAL_PROOF = "SOCIAL_PROOF"
    RANKING_POLICY = "RANKING_POLICY"
    HOLDOUT = "HOLDOUT"


@dataclass(frozen=True, slots=True)
class LayerPlacement:
    """The layer an experiment belongs to, its share of the layer and the buckets it holds."""

    layer: str
    percent: str
    start: int
    stop: int


@dataclass(frozen=True, slots=True)
class Experiment:
    """One experiment as stored. ``spec.layer`` names its layer when ``placement`` is set."""

    spec: ExperimentSpec
    plan: AnalysisPlan
    kind: TreatmentKind
    treatments: Mapping[str, str]
    hypothesis: str
    status: ExperimentStatus
    created_at: datetime
    updated_at: datetime
    descriptions: Mapping[str, str] | None = None
    placement: LayerPlacement | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    concluded_at: datetime | None = None
    conclusion: str | None = None
    minimum_detectable_effect: float | None = None
    """The effect the minimum sample size was planned for (relative when ``mde_relative``)."""
    mde_relative: bool = True
    baseline_rate: float | None = None
    """The success metric's rate the plan assumed for the control."""
    power: float = 0.8

    @property
    def name(self) -> str:
        return self.spec.name

    def applies(self, now: datetime) -> bool:
        """Whether treatments are served and outcomes counted at ``now``."""
        return (
            self.status is ExperimentStatus.RUNNING
            and (self.start_at is None or self.start_at <= now)
            and (self.end_at is None or now < self.end_at)
        )

    def planned_total(self) -> int | None:
        """Units to expose in all so that every arm reaches the minimum sample size."""
        minimum = self.plan.minimum_sample_size
        if minimum is None:
            return None
        live = [float(share) for share in self.spec.shares.values() if share > 0]
        return math.ceil(minimum * sum(live) / min(live))
