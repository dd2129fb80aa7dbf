"""The decision loop as a service: answer a recommendations request, learn from every outcome.

``Recommender`` is one per process. It holds the decision engine and its learning models; a
request reads the client, profile, portfolio, signals and recent recommendations in one unit of
work, decides, and stores the decision log in the same transaction. An outcome moves the
recommendation's status (once: a repeat is a no-op, an illegal move a conflict), queues the
matching behaviour event for the profile, and teaches this process's models at once; the other
processes add it from the outcome log within ``sync_seconds``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
import structlog
from prometheus_client import Counter

from nextbest.behavior.profile import ProfileReport, ProfileStatus
from nextbest.decision.catalog import Catalog
from nextbest.decision.contact import ContactPolicy
from nextbest.decision.engine import Decision, DecisionEngine, Oracle, Policy, Served
from nextbest.decision.models import DecisionModels, LearningOutcome
from nextbest.decision.policy import Considered
from nextbest.decision.propensity import DataGate
from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client
from nextbest.domain.enums import Channel, EventType
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId
from nextbest.domain.recommendation import (
    FeedbackKind,
    Recommendation,
    Status,
    can_move,
    expired_status,
    reward,
)
from nextbest.errors import Conflict, NotFound
from nextbest.presentation import (
    Framing,
    PresentationError,
    Presented,
    Presenter,
    Reader,
    default_presenter,
    reader_for,
    reasons_for,
)
from nextbest.services.decision_log import AnswerItem, decision_record
from nextbest.services.experiment_treatments import (
    NO_TREATMENTS,
    ExperimentTreatments,
    Treatments,
)
from nextbest.services.profiles import ProfileConfig, count_events, profile_for, segment_model_at
from nextbest.services.reviews import lapse
from nextbest.services.signals import SignalEngine, signals_in
from nextbest.settings import DecisionSettings
from nextbest.storage.repositories.recommendations import NewRecommendation
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "DECISION_MODELS",
    "Answer",
    "AnswerItem",
    "Candidates",
    "OutcomeResult",
    "Recommender",
    "build_recommender",
]

log = structlog.get_logger("nextbest.decision")

FALLBACKS = Counter(
    "nextbest_model_fallbacks_total",
    "Recommendations scored by the seed 002 baseline because a model failed",
)
SYNC_FAILURES = Counter(
    "nextbest_model_sync_failures_total",
    "Times a process could not add the outcome log to its models and kept the previous ones",
)
SYNC_BATCH = 10_000

_Resolved = tuple[int, Recommendation, Status, tuple[float, ...]]
"""An outcome just recorded: its id, the recommendation, the new status, the scored vector."""

Candidates = Callable[[UnitOfWork, ClientId, datetime], Sequence[Candidate]]
"""Where a request's findings come from: the signal cache by default; a simulator may hold them."""

_EVENT = {
    Status.VIEWED: EventType.RECOMMENDATION_VIEWED,
    Status.ACCEPTED: EventType.RECOMMENDATION_ACCEPTED,
    Status.PARTIALLY_ACCEPTED: EventType.RECOMMENDATION_ACCEPTED,
    Status.DISMISSED: EventType.RECOMMENDATION_DISMISSED,
}
_SENTIMENT = {FeedbackKind.HELPFUL: 1.0, FeedbackKind.NOT_RELEVANT: -0.5}
_PLAIN = Framing()


@dataclass(frozen=True, slots=True)
class Answer:
    decision_id: str
    client_id: ClientId
    channel: Channel
    policy: Policy
    profile_status: ProfileStatus
    message: str | None
    items: tuple[AnswerItem, ...]
    treatments: Treatments = NO_TREATMENTS
    """The experiment variants the answer was served under."""


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    recommendation: Recommendation
    previous: Status
    changed: bool


DECISION_MODELS = "decision_models"
"""The learned-state name of the propensity models (bumped when a client is erased)."""


@dataclass(slots=True)
class Recommender:
    engine: DecisionEngine
    profiles: ProfileConfig
    signals: SignalEngine
    sync_seconds: float = 1.0
    presenter: Presenter = field(default_factory=default_presenter)
    experiments: ExperimentTreatments = field(default_factory=ExperimentTreatments.off)
    hold_regulated: bool = True
    """Regulated suggestions wait in PENDING_REVIEW until an advisor approves them. Only the
    simulator turns this off: it has no advisor and stands for one who approves everything."""
    _lookback: timedelta = field(init=False, repr=False)
    """How far back a request reads the client's recommendations (the contact rules' reach)."""
    _synced_at: float = field(default=float("-inf"), repr=False)
    _epoch: int | None = field(default=None, repr=False)
    """The learned-state epoch the models were built at; an erasure moves it on."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        longest = max((a.expiry_days for a in self.engine.catalog.actions), default=0)
        self._lookback = self.engine.contact.lookback(longest)

    # -- answering ----------------------------------------------------------------------------

    def recommend(
        self,
        client_id: ClientId,
        *,
        channel: Channel,
        limit: int,
        uow: UnitOfWork,
        now: datetime,
        policy: Policy = Policy.ENGINE,
        candidates: Candidates | None = None,
        oracle: Oracle | None = None,
    ) -> Answer:
        with uow:
            self._sync(uow)
            inputs = uow.decision_inputs.read(client_id)
            if inputs is None:
                raise NotFound("client", client_id)
            client, stored = inputs.client, inputs.profile
            if stored is not None and inputs.queued:
                stored = uow.profiles.fold_pending(stored, decay=self.profiles.decay)
            model = segment_model_at(uow, inputs.segment_version)
            profile = profile_for(client, stored, model=model, config=self.profiles, now=now)
            portfolio = inputs.totals
            found = (
                signals_in(
                    uow, client_id, engine=self.signals, now=now, probe=inputs.signals
                ).candidates
                if candidates is None
                else candidates(uow, client_id, now)
            )
            history = uow.recommendations.history(client_id, since=now - self._lookback)
            treatments = self.experiments.treatments(uow, client, profile, policy=policy, now=now)
            with self._lock:
                decision = self.engine.decide(
                    client=client,
                    profile=profile,
                    portfolio=portfolio,
                    candidates=found,
                    channel=channel,
                    limit=limit,
                    now=now,
                    history=history,
                    policy=treatments.policy_for(policy),
                    oracle=oracle,
                    reviewed=self.hold_regulated,
                )
                version = self.engine.models.version
            if decision.fallback:
                FALLBACKS.inc()
            decision_id = str(uuid.uuid4())
            reader = reader_for(client, profile)
            items = [
                self._item(decision_id, client, decision, s, profile, reader, treatments)
                for s in decision.served
            ]
            versions = {
                "models": version,
                "catalog": self.engine.catalog.version,
                "signals": self.signals.fingerprint(),
                "gate": [self.engine.models.gate.accepted, self.engine.models.gate.not_accepted],
                "experiments": treatments.logged(),
            }
            uow.recommendations.add_decision(
                decision_record(
                    decision_id, client_id, decision, items, profile, versions=versions
                ),
                [
                    NewRecommendation(item.recommendation, served.context)
                    for item, served in zip(items, decision.served, strict=True)
                    if served.reuse is None
                ],
            )
            self.experiments.delivered(
                uow, treatments, client_id, [i.recommendation for i in items], now=now
            )
            uow.commit()
        message = profile.message if profile.status is not ProfileStatus.PERSONALIZED else None
        return Answer(
            decision_id,
            client_id,
            channel,
            decision.policy,
            profile.status,
            message,
            tuple(i for i in items if i.recommendation.status is not Status.PENDING_REVIEW),
            treatments,
        )

    def _item(
        self,
        decision_id: str,
        client: Client,
        decision: Decision,
        served: Served,
        profile: ProfileReport,
        reader: Reader,
        treatments: Treatments = NO_TREATMENTS,
    ) -> AnswerItem:
        client_id = client.client_id
        c = served.considered
        assert c.score is not None
        assert c.rank is not None
        recommendation = served.reuse or Recommendation(
            recommendation_id=str(uuid.uuid4()),
            decision_id=decision_id,
            client_id=client_id,
            action_id=c.action.action_id,
            candidate_key=c.key,
            category=c.action.category,
            channel=decision.channel,
            rank=c.rank,
            score=c.score.priority,
            probability=served.probability,
            regulated=c.action.regulated,
            status=(
                Status.PENDING_REVIEW
                if c.action.regulated and self.hold_regulated
                else Status.DELIVERED
            ),
            status_at=decision.decided_at,
            delivered_at=decision.decided_at,
            deliver_at=served.deliver_at,
            expires_at=served.expires_at,
            segment=decision.segment,
        )
        return AnswerItem(
            recommendation,
            c.action,
            c.candidate,
            c.score,
            self._present(c, client, profile, reader, treatments.framing(c.action.action_id)),
            served.source,
        )

    def _present(
        self,
        c: Considered,
        client: Client,
        profile: ProfileReport,
        reader: Reader,
        framing: Framing = _PLAIN,
    ) -> Presented:
        """The action written for its reader; if a template cannot be filled (a custom
        detector without the evidence it reads) or fails in any other way, the plain name and
        finding, never an error."""
        reasons = tuple(
            dict.fromkeys(
                (*_decision_reasons(c), *reasons_for(c.action, c.candidate, client, profile))
            )
        )
        try:
            return self.presenter.render(
                c.action, c.candidate, client, reader, framing=framing, reasons=reasons
            )
        except PresentationError as error:
            log.error("presentation_failed", action=c.action.action_id, reason=str(error))
        except Exception as error:  # a template's bug costs the wording, never the answer
            log.error(
                "presentation_failed", action=c.action.action_id, error_type=type(error).__name__
            )
        plain = c.action.why if c.candidate is None else c.candidate.benefit.description
        return Presented(c.action.action_id, c.action.name, plain or "", reasons, (), {}, {})

    # -- learning -----------------------------------------------------------------------------

    def _sync(self, uow: UnitOfWork) -> None:
        """Add the outcomes other processes recorded, when ``sync_seconds`` have passed. A
        failure keeps the models as they were (the previous version) and says so."""
        clock = time.monotonic()
        if clock - self._synced_at < self.sync_seconds:
            return
        self._synced_at = clock
        try:
            epoch = uow.privacy.epoch(DECISION_MODELS)
            if epoch != self._epoch:
                with self._lock:
                    if self._epoch is not None:  # data it learned from was erased: relearn
                        self.engine.models = DecisionModels(gate=self.engine.models.gate)
                    self._epoch = epoch
            while True:
                batch = uow.recommendations.learning(
                    after=self.engine.models.sync_from, limit=SYNC_BATCH
                )
                with self._lock:
                    self.engine.models.learn_all(batch)
                if len(batch) < SYNC_BATCH:
                    break
        except (ValueError, TypeError) as error:
            SYNC_FAILURES.inc()
            log.error("model_sync_failed", error_type=type(error).__name__)

    def relearn(self) -> None:
        """Rebuild the models from the outcome log at the next request (after an erasure)."""
        self._epoch = -1
        self._synced_at = float("-inf")

    def _teach(self, learned: list[_Resolved]) -> None:
        """This process's models learn the outcomes just committed, at once."""
        with self._lock:
            for outcome_id, recommendation, status, context in learned:
                value = reward(status)
                if value is not None:
                    self.engine.models.learn(
                        LearningOutcome(
                            outcome_id,
                            recommendation.action_id,
                            recommendation.category.value,
                            recommendation.segment,
                            context,
                            value,
                        )
                    )

    def record_outcome(
        self,
        recommendation_id: str,
        status: Status,
        *,
        uow: UnitOfWork,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> OutcomeResult:
        """Move a recommendation to ``status`` as the client reported it."""
        at = occurred_at or now
        learned: list[_Resolved] = []
        with uow:
            found = uow.recommendations.resolving(recommendation_id)
            if found is None:
                raise NotFound("recommendation", recommendation_id)
            current, context = found
            previous = current.status
            if current.status is status or (
                status is Status.VIEWED
                and current.status in (Status.ACCEPTED, Status.PARTIALLY_ACCEPTED, Status.DISMISSED)
            ):
                return OutcomeResult(current, previous, changed=False)
            if current.open and current.expires_at <= now:
                expired = expired_status(current.status)
                outcome_id = uow.recommendations.move(
                    current, expired, occurred_at=current.expires_at, now=now
                )
                learned.append((outcome_id, current, expired, context))
                current = _with_status(current, expired, current.expires_at)
            if not can_move(current.status, status):
                uow.commit()  # the expiry found on the way is kept
                self._teach(learned)
                raise Conflict(
                    f"recommendation {recommendation_id} is {current.status.value}: "
                    f"it cannot become {status.value}"
                )
            outcome_id = uow.recommendations.move(current, status, occurred_at=at, now=now)
            learned.append((outcome_id, current, status, context))
            self._queue_event(uow, current, status, at, now)
            self.experiments.outcome(uow, current, status, now=now)
            uow.commit()
        self._teach(learned)
        return OutcomeResult(_with_status(current, status, at), previous, changed=True)

    def _queue_event(
        self,
        uow: UnitOfWork,
        recommendation: Recommendation,
        status: Status,
        at: datetime,
        now: datetime,
    ) -> None:
        """The behaviour event of an outcome, so the profile learns it with everything else."""
        event = Event(
            event_id=EventId(f"nb:{recommendation.recommendation_id}:{status.value}"),
            client_id=recommendation.client_id,
            event_type=_EVENT[status],
            occurred_at=at,
            channel=recommendation.channel,
            target_type="recommendation",
            target_id=recommendation.recommendation_id,
            context={
                "category": recommendation.category.value,
                "action_id": recommendation.action_id,
                **({"partial": True} if status is Status.PARTIALLY_ACCEPTED else {}),
            },
        )
        guards = uow.profiles.guard({recommendation.client_id}, now=now)
        count_events(uow, [event], guards, now=now, decay=self.profiles.decay)

    def expire_due(self, *, uow: UnitOfWork, now: datetime, limit: int = 1_000) -> int:
        """Close open recommendations whose time ran out (IGNORED if never viewed, EXPIRED if
        viewed); returns how many. The models learn each as not accepted."""
        with uow:
            due = uow.recommendations.due(now, limit=limit)
            learned: list[_Resolved] = []
            for recommendation, context in due:
                if recommendation.status is Status.PENDING_REVIEW:  # never seen: nothing to learn
                    lapse(uow, recommendation, at=recommendation.expires_at, now=now)
                    continue
                status = expired_status(recommendation.status)
                outcome_id = uow.recommendations.move(
                    recommendation, status, occurred_at=recommendation.expires_at, now=now
                )
                learned.append((outcome_id, recommendation, status, context))
            uow.commit()
        self._teach(learned)
        return len(due)

    def record_feedback(
        self,
        recommendation_id: str,
        *,
        rating: int | None,
        kind: FeedbackKind | None,
        text: str | None,
        uow: UnitOfWork,
        now: datetime,
    ) -> tuple[int, ClientId]:
        """Store what the client said; a rating or kind also reaches the profile's satisfaction
        as a FEEDBACK event. The text is kept, never logged. Returns the feedback's id and the
        client it is about."""
        with uow:
            recommendation = uow.recommendations.get(recommendation_id)
            if recommendation is None:
                raise NotFound("recommendation", recommendation_id)
            feedback_id = uow.recommendations.add_feedback(
                recommendation,
                rating=rating,
                kind=None if kind is None else kind.value,
                text=text,
                now=now,
            )
            sentiment = _sentiment(rating, kind)
            if sentiment is not None:
                event = Event(
                    event_id=EventId(f"nb:feedback:{feedback_id}"),
                    client_id=recommendation.client_id,
                    event_type=EventType.FEEDBACK,
                    occurred_at=now,
                    target_type="recommendation",
                    target_id=recommendation_id,
                    context={"sentiment": sentiment, "category": recommendation.category.value},
                )
                guards = uow.profiles.guard({recommendation.client_id}, now=now)
                count_events(uow, [event], guards, now=now, decay=self.profiles.decay)
            uow.commit()
        return feedback_id, recommendation.client_id


def _sentiment(rating: int | None, kind: FeedbackKind | None) -> float | None:
    """A 1-5 rating as -1..1; otherwise what the kind says, if it says anything."""
    if rating is not None:
        return (rating - 3) / 2
    return None if kind is None else _SENTIMENT.get(kind)


def _with_status(recommendation: Recommendation, status: Status, at: datetime) -> Recommendation:
    return replace(recommendation, status=status, status_at=at)


def _decision_reasons(c: Considered) -> tuple[str, ...]:
    """Why the decision itself put the action here; the presentation adds the client's own."""
    reasons = []
    if c.action.mandatory:
        reasons.append("Required: it keeps your portfolio within the limits you set.")
    if c.action.why is not None:
        reasons.append(c.action.why)
    if c.candidate is not None and c.candidate.urgency >= 70:
        reasons.append("It is time-sensitive.")
    return tuple(reasons)


def build_recommender(
    catalog: Catalog,
    settings: DecisionSettings,
    *,
    profiles: ProfileConfig,
    signals: SignalEngine,
    experiments: ExperimentTreatments | None = None,
) -> Recommender:
    """The process's recommender, configured from the ``decision`` settings; ``experiments``
    applies the running experiments to its answers (none without it)."""
    engine = DecisionEngine(
        catalog,
        models=DecisionModels(gate=DataGate(settings.gate_accepted, settings.gate_not_accepted)),
        contact=ContactPolicy(
            suppress_after_dismissals=settings.suppress_after_dismissals,
            suppress_days=settings.suppress_days,
            rest_days_after_dismissal=settings.rest_days_after_dismissal,
            push_caps=dict(settings.push_caps),
        ),
        value_scale=settings.value_scale,
        per_category=settings.max_per_category,
        rng=np.random.default_rng(settings.seed),
    )
    return Recommender(
        engine,
        profiles,
        signals,
        sync_seconds=settings.model_sync_seconds,
        experiments=experiments or ExperimentTreatments.off(),
    )
