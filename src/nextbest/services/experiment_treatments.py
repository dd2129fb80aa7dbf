"""Experiments in the decision loop: which treatments a client gets, and what is counted.

``ExperimentTreatments`` is one per process, held by the ``Recommender``. For a request it
answers the client's ``Treatments`` (one query for the client's stored assignments, none at all
when nothing runs); after the answer is stored it records the client's first exposure
(exposure = delivered); after an outcome it records the client's first conversion on each
metric the outcome converts. Running experiments are cached for ``refresh_seconds``; a status
change made through this process drops the cache at once.

The global holdout is assigned first: a client in its HOLDOUT arm joins no other experiment,
and gets the non-personalised ranking in place of the engine's. A ranking-policy test applies
only to a personalised client and a request for the engine's own policy (a simulator or a
caller asking for another policy explicitly is not overridden).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from nextbest.behavior.profile import ProfileReport
from nextbest.decision.engine import Policy
from nextbest.domain.client import Client
from nextbest.domain.enums import ConsentPurpose
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Recommendation, Status
from nextbest.experiments.assignment import (
    Assignment,
    Environment,
    ExperimentSpec,
    Layer,
    assign,
    conflicts_with_hash,
)
from nextbest.experiments.lifecycle import CONVERTS, Experiment, TreatmentKind
from nextbest.experiments.sufficient import Proportion
from nextbest.presentation.framing import (
    DEFAULT_SOCIAL_PROOF_FLOOR,
    BenefitEmphasis,
    Framing,
    UrgencyFraming,
)
from nextbest.services.treatment_values import HOLDOUT, SHOWN
from nextbest.settings import Environment as SettingsEnvironment
from nextbest.settings import ExperimentSettings
from nextbest.storage.repositories.experiment_results import StatIncrement, StoredAssignment
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "NO_TREATMENTS",
    "Arm",
    "ExperimentTreatments",
    "Placement",
    "Treatments",
    "place_client",
]

log = structlog.get_logger("nextbest.experiments")


@dataclass(frozen=True, slots=True)
class Arm:
    """One experiment a client is enrolled in for this answer, and what it applies."""

    experiment: str
    variant: str
    kind: TreatmentKind
    treatment: str
    exposed: bool


@dataclass(frozen=True, slots=True)
class Treatments:
    """What the running experiments do to one client's answer."""

    arms: tuple[Arm, ...] = ()
    emphasis: BenefitEmphasis = BenefitEmphasis.CONTROL
    urgency: UrgencyFraming = UrgencyFraming.CONTROL
    social_proof: bool = False
    policy: Policy | None = None
    segment: str | None = None
    acted: Mapping[tuple[str, str], int] = field(default_factory=dict)
    floor: int = DEFAULT_SOCIAL_PROOF_FLOOR

    def policy_for(self, requested: Policy) -> Policy:
        """The policy to decide with: a ranking arm's or the holdout's, else ``requested``."""
        return requested if self.policy is None else self.policy

    def framing(self, action_id: str) -> Framing:
        """The framing of one served action. The social-proof count is the real number of
        clients of the client's segment who acted on it, shown only from the floor; a client
        without a segment has no "clients like you", so none is shown."""
        count = None
        if self.social_proof and self.segment is not None:
            count = self.acted.get((action_id, self.segment), 0)
        return Framing(self.emphasis, self.urgency, count, self.floor)

    def logged(self) -> list[dict[str, str]]:
        """The variants this answer was served under, for the decision log."""
        return [
            {
                "experiment": arm.experiment,
                "variant": arm.variant,
                "kind": arm.kind.value,
                "treatment": arm.treatment,
            }
            for arm in self.arms
        ]


NO_TREATMENTS = Treatments()


@dataclass(frozen=True, slots=True)
class Placement:
    """A client's assignment in one experiment as this request sees it, and why."""

    assignment: Assignment
    reason: str = ""
    """Why the client sees the control unenrolled: targeting, the layer, the holdout."""
    stored: StoredAssignment | None = None


def place_client(
    uow: UnitOfWork,
    client_id: ClientId,
    experiments: Sequence[Experiment],
    layers: Mapping[str, Layer],
    *,
    environment: Environment,
    segment: str | int | None,
    now: datetime,
) -> dict[str, Placement]:
    """The client's assignment in each of ``experiments`` (all applying now), stored when new.

    The stored assignment wins over the hash (a disagreement is logged for investigation); a
    new enrolled one is inserted, and if another request stored one first, that one is read
    back and used. The holdout goes first, and a client it holds out joins nothing else.
    """
    names = [e.name for e in experiments]
    stored = uow.experiment_results.assignments(client_id, environment.value, names)
    placed: dict[str, Placement] = {}
    held_out = False
    for experiment in sorted(experiments, key=lambda e: e.kind is not TreatmentKind.HOLDOUT):
        spec = experiment.spec
        layer = None if spec.layer is None else layers.get(spec.layer)
        if spec.layer is not None and layer is None:
            continue  # its layer vanished under it: treat as not running
        if held_out and experiment.kind is not TreatmentKind.HOLDOUT:
            control = Assignment(spec.name, client_id, environment, spec.control, False)
            placed[spec.name] = Placement(control, "the client is in the global holdout")
            continue
        found = stored.get(spec.name)
        existing = None
        if found is not None:
            existing = Assignment(spec.name, client_id, environment, found.variant)
            _warn_if_moved(existing, spec, segment, layer)
        assignment = assign(
            spec,
            client_id,
            environment=environment,
            segment=segment,
            layer=layer,
            existing=existing,
        )
        reason = "" if assignment.exclusion is None else _EXCLUDED[assignment.exclusion.value]
        placed[spec.name] = Placement(assignment, reason, found)
        if experiment.kind is TreatmentKind.HOLDOUT and assignment.enrolled:
            held_out = experiment.treatments.get(assignment.variant) == HOLDOUT
    new = [
        (name, p.assignment.variant)
        for name, p in placed.items()
        if p.stored is None and p.assignment.enrolled
    ]
    if new and uow.experiment_results.add_assignments(
        client_id, environment.value, new, now=now
    ) < len(new):
        # Another request stored some first (seed 002's conflict case): theirs win.
        again = uow.experiment_results.assignments(
            client_id, environment.value, [n for n, _ in new]
        )
        for name, _ in new:
            winner = again[name]
            assignment = Assignment(name, client_id, environment, winner.variant)
            placed[name] = Placement(assignment, "", winner)
    return placed


_EXCLUDED = {
    "NOT_TARGETED": "the experiment targets segments the client is not in",
    "OUTSIDE_LAYER_SLOT": "the client's place in the layer belongs to another experiment",
}


def _warn_if_moved(
    existing: Assignment, spec: ExperimentSpec, segment: str | int | None, layer: Layer | None
) -> None:
    if conflicts_with_hash(existing, spec, segment=segment, layer=layer):
        log.warning(
            "experiment_assignment_differs_from_hash",
            experiment=spec.name,
            stored_variant=existing.variant,
        )


@dataclass(slots=True)
class ExperimentTreatments:
    """The process's view of the running experiments, applied to every answer."""

    environment: Environment
    refresh_seconds: float = 10.0
    social_proof_floor: int = DEFAULT_SOCIAL_PROOF_FLOOR
    social_proof_refresh_seconds: float = 300.0
    _running: tuple[Experiment, ...] = ()
    _layers: Mapping[str, Layer] = field(default_factory=dict)
    _loaded_at: float = float("-inf")
    _acted: Mapping[tuple[str, str], int] = field(default_factory=dict)
    _acted_at: float = float("-inf")
    enabled: bool = True
    """Off for a process that serves no experiment (a batch job, a plain simulation)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(
        cls, settings: ExperimentSettings, environment: SettingsEnvironment
    ) -> ExperimentTreatments:
        return cls(
            Environment(environment.value),
            refresh_seconds=settings.refresh_seconds,
            social_proof_floor=settings.social_proof_floor,
            social_proof_refresh_seconds=settings.social_proof_refresh_seconds,
        )

    @classmethod
    def off(cls) -> ExperimentTreatments:
        """Applies nothing and reads nothing."""
        return cls(Environment.DEVELOPMENT, enabled=False)

    def invalidate(self) -> None:
        """Read the running experiments again at the next request (after a status change)."""
        self._loaded_at = float("-inf")

    def running(self, uow: UnitOfWork) -> tuple[tuple[Experiment, ...], Mapping[str, Layer]]:
        clock = time.monotonic()
        if clock - self._loaded_at >= self.refresh_seconds:
            experiments, layers = uow.experiments.running()
            with self._lock:
                self._running, self._layers = tuple(experiments), layers
                self._loaded_at = clock
        return self._running, self._layers

    def _acted_counts(self, uow: UnitOfWork) -> Mapping[tuple[str, str], int]:
        clock = time.monotonic()
        if clock - self._acted_at >= self.social_proof_refresh_seconds:
            counts = uow.experiment_results.acted_counts()
            with self._lock:
                self._acted, self._acted_at = counts, clock
        return self._acted

    def treatments(
        self,
        uow: UnitOfWork,
        client: Client,
        profile: ProfileReport,
        *,
        policy: Policy,
        now: datetime,
    ) -> Treatments:
        """The client's treatments for this answer; its new assignments are stored in ``uow``."""
        if not self.enabled:
            return NO_TREATMENTS
        running, layers = self.running(uow)
        client_id, segment = client.client_id, profile.segment
        personal = profile.personalization and client.has_consent(ConsentPurpose.PERSONALIZATION)
        ranking = personal and policy is Policy.ENGINE
        applying = [
            e
            for e in running
            if e.applies(now) and (ranking or e.kind is not TreatmentKind.RANKING_POLICY)
        ]
        if not applying:
            return NO_TREATMENTS
        placed = place_client(
            uow,
            client_id,
            applying,
            layers,
            environment=self.environment,
            segment=segment,
            now=now,
        )
        by_name = {e.name: e for e in applying}
        arms: list[Arm] = []
        for name, placement in placed.items():
            a = placement.assignment
            if a.enrolled:
                experiment = by_name[name]
                exposed = placement.stored is not None and placement.stored.exposed_at is not None
                arms.append(
                    Arm(name, a.variant, experiment.kind, experiment.treatments[a.variant], exposed)
                )
        return self._combine(uow, arms, segment, engine=policy is Policy.ENGINE)

    def _combine(
        self, uow: UnitOfWork, arms: Sequence[Arm], segment: int | None, *, engine: bool
    ) -> Treatments:
        """One value per kind (experiments of one kind share a layer, so never a client). The
        holdout's standard ranking replaces only the engine's own policy."""
        values: dict[TreatmentKind, str] = {}
        for arm in arms:
            values.setdefault(arm.kind, arm.treatment)
        policy = None
        if values.get(TreatmentKind.HOLDOUT) == HOLDOUT:
            policy = Policy.STANDARD if engine else None
        elif TreatmentKind.RANKING_POLICY in values:
            policy = Policy(values[TreatmentKind.RANKING_POLICY])
        social = values.get(TreatmentKind.SOCIAL_PROOF) == SHOWN
        return Treatments(
            arms=tuple(arms),
            emphasis=BenefitEmphasis(values.get(TreatmentKind.BENEFIT_EMPHASIS, "CONTROL")),
            urgency=UrgencyFraming(values.get(TreatmentKind.URGENCY_FRAMING, "CONTROL")),
            social_proof=social,
            policy=policy,
            segment=None if segment is None else str(segment),
            acted=self._acted_counts(uow) if social and segment is not None else {},
            floor=self.social_proof_floor,
        )

    # -- counting ----------------------------------------------------------------------------

    def delivered(
        self,
        uow: UnitOfWork,
        treatments: Treatments,
        client_id: ClientId,
        recommendations: Iterable[Recommendation],
        *,
        now: datetime,
    ) -> None:
        """Record the client's first exposure in each arm not yet exposed, if anything in the
        answer was delivered (a suggestion held for review is not delivered yet)."""
        waiting = [arm.experiment for arm in treatments.arms if not arm.exposed]
        if not waiting or not any(r.open for r in recommendations):
            return
        exposed = uow.experiment_results.expose(client_id, self.environment.value, waiting, at=now)
        plans = {e.name: e.plan for e in self._running}
        uow.experiment_results.add_stats(
            StatIncrement(
                experiment, self.environment.value, now.date(), variant, metric.name, _EXPOSURE
            )
            for experiment, variant in exposed
            if experiment in plans
            for metric in plans[experiment].metrics
        )

    def outcome(
        self, uow: UnitOfWork, recommendation: Recommendation, status: Status, *, now: datetime
    ) -> None:
        """Record the client's first conversion on each metric ``status`` converts, in the
        experiments the recommendation was served under (exposed by its delivery)."""
        metrics = CONVERTS.get(status, ())
        if not metrics or not self.enabled:
            return
        running, _ = self.running(uow)
        applying = [e for e in running if e.applies(now)]
        increments: list[StatIncrement] = []
        for metric in metrics:
            names = [e.name for e in applying if metric in {m.name for m in e.plan.metrics}]
            converted = uow.experiment_results.convert(
                recommendation.client_id,
                self.environment.value,
                names,
                metric=metric,
                at=now,
                delivered_at=recommendation.delivered_at,
            )
            increments.extend(
                StatIncrement(
                    experiment, self.environment.value, now.date(), variant, metric, _CONVERSION
                )
                for experiment, variant in converted
            )
        uow.experiment_results.add_stats(increments)


_EXPOSURE = Proportion.exposure()
_CONVERSION = Proportion.conversion()
