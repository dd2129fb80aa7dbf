"""Learning from what clients do with their recommendations.

An outcome moves a recommendation's status (once: a repeat is a no-op, an illegal move a
conflict), queues the matching behaviour event for the profile, and teaches this process's
models at once; the other processes add it from the outcome log within ``sync_seconds``. Expiry
closes what was never answered, and feedback reaches the profile's satisfaction. The answering
side (``services.recommendations``) shares the decision engine, its models and their lock.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime

import structlog
from prometheus_client import Counter

from nextbest.decision.engine import DecisionEngine
from nextbest.decision.models import DecisionModels, LearningOutcome
from nextbest.domain.enums import EventType
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
from nextbest.services.experiment_treatments import ExperimentTreatments
from nextbest.services.profiles import ProfileConfig, count_events
from nextbest.services.reviews import lapse
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["DECISION_MODELS", "Learning", "OutcomeResult"]

log = structlog.get_logger("nextbest.decision")

SYNC_FAILURES = Counter(
    "nextbest_model_sync_failures_total",
    "Times a process could not add the outcome log to its models and kept the previous ones",
)
SYNC_BATCH = 10_000

DECISION_MODELS = "decision_models"
"""The learned-state name of the propensity models (bumped when a client is erased)."""

_Resolved = tuple[int, Recommendation, Status, tuple[float, ...]]
"""An outcome just recorded: its id, the recommendation, the new status, the scored vector."""

_EVENT = {
    Status.VIEWED: EventType.RECOMMENDATION_VIEWED,
    Status.ACCEPTED: EventType.RECOMMENDATION_ACCEPTED,
    Status.PARTIALLY_ACCEPTED: EventType.RECOMMENDATION_ACCEPTED,
    Status.DISMISSED: EventType.RECOMMENDATION_DISMISSED,
}
_SENTIMENT = {FeedbackKind.HELPFUL: 1.0, FeedbackKind.NOT_RELEVANT: -0.5}


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    recommendation: Recommendation
    previous: Status
    changed: bool


@dataclass(slots=True)
class Learning:
    """One per process, beside the ``Recommender`` that answers with the same engine."""

    engine: DecisionEngine
    profiles: ProfileConfig
    experiments: ExperimentTreatments
    sync_seconds: float = 1.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Held while the models are read or changed (decisions and learning run in threads)."""
    _synced_at: float = field(default=float("-inf"), repr=False)
    _epoch: int | None = field(default=None, repr=False)
    """The learned-state epoch the models were built at; an erasure moves it on."""

    def sync(self, uow: UnitOfWork) -> None:
        """Add the outcomes other processes recorded, when ``sync_seconds`` have passed. A
        failure keeps the models as they were (the previous version) and says so."""
        clock = time.monotonic()
        if clock - self._synced_at < self.sync_seconds:
            return
        self._synced_at = clock
        try:
            epoch = uow.privacy.epoch(DECISION_MODELS)
            if epoch != self._epoch:
                with self.lock:
                    if self._epoch is not None:  # data it learned from was erased: relearn
                        self.engine.models = DecisionModels(gate=self.engine.models.gate)
                    self._epoch = epoch
            while True:
                batch = uow.recommendations.learning(
                    after=self.engine.models.sync_from, limit=SYNC_BATCH
                )
                with self.lock:
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

    def teach(self, learned: list[_Resolved]) -> None:
        """This process's models learn the outcomes just committed, at once."""
        with self.lock:
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
                self.teach(learned)
                raise Conflict(
                    f"recommendation {recommendation_id} is {current.status.value}: "
                    f"it cannot become {status.value}"
                )
            outcome_id = uow.recommendations.move(current, status, occurred_at=at, now=now)
            learned.append((outcome_id, current, status, context))
            self._queue_event(uow, current, status, at, now)
            self.experiments.outcome(uow, current, status, now=now)
            uow.commit()
        self.teach(learned)
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
        self.teach(learned)
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
