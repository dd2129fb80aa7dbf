"""The decision log: decisions, the recommendations they served, outcomes and feedback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from nextbest.decision.models import LearningOutcome
from nextbest.domain.candidate import Category
from nextbest.domain.enums import Channel
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import OPEN, Recommendation, Status, reward
from nextbest.storage.tables import (
    DecisionRow,
    RecommendationFeedbackRow,
    RecommendationOutcomeRow,
    RecommendationRow,
    table_of,
)

__all__ = ["DecisionRecord", "NewRecommendation", "RecommendationRepository", "StatusChange"]

_LEARNING = [s.value for s in Status if reward(s) is not None]


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    decision_id: str
    client_id: ClientId
    channel: Channel
    policy: str
    decided_at: datetime
    features: Any
    considered: Any
    versions: Any


@dataclass(frozen=True, slots=True)
class NewRecommendation:
    recommendation: Recommendation
    context: Sequence[float]


@dataclass(frozen=True, slots=True)
class StatusChange:
    outcome_id: int
    status: Status
    occurred_at: datetime
    recorded_at: datetime


def _recommendation(row: Any) -> Recommendation:
    return Recommendation(
        recommendation_id=row.recommendation_id,
        decision_id=row.decision_id,
        client_id=ClientId(row.client_id),
        action_id=row.action_id,
        candidate_key=row.candidate_key,
        category=Category(row.category),
        channel=Channel(row.channel),
        rank=row.rank,
        score=row.score,
        probability=row.probability,
        regulated=row.regulated,
        status=Status(row.status),
        status_at=row.status_at,
        delivered_at=row.delivered_at,
        deliver_at=row.deliver_at,
        expires_at=row.expires_at,
        segment=row.segment,
    )


_DECISIONS = table_of(DecisionRow)
_RECOMMENDATIONS = table_of(RecommendationRow)
_COLUMNS = [c for c in _RECOMMENDATIONS.c if c.name != "context"]
_HISTORY = select(*_COLUMNS).where(
    _RECOMMENDATIONS.c.client_id == bindparam("client_id"),
    (_RECOMMENDATIONS.c.delivered_at >= bindparam("since"))
    | _RECOMMENDATIONS.c.status.in_([s.value for s in (*OPEN, Status.PENDING_REVIEW)]),
)
"""Built once, on the table (no ORM compilation): it is on every recommendation's path."""
_RESOLVING = (
    select(*_COLUMNS, _RECOMMENDATIONS.c.context)
    .where(_RECOMMENDATIONS.c.recommendation_id == bindparam("id"))
    .with_for_update()
)
_MOVE = (
    update(_RECOMMENDATIONS)
    .where(_RECOMMENDATIONS.c.recommendation_id == bindparam("id"))
    .values(status=bindparam("status"), status_at=bindparam("at"))
)
_DELIVER = (
    update(_RECOMMENDATIONS)
    .where(_RECOMMENDATIONS.c.recommendation_id == bindparam("id"))
    .values(status=bindparam("status"), status_at=bindparam("at"), delivered_at=bindparam("at"))
)
_ADD_DECISION = insert(_DECISIONS)
_ADD_RECOMMENDATIONS = insert(_RECOMMENDATIONS)
_OUTCOMES = table_of(RecommendationOutcomeRow)
_ADD_OUTCOME = insert(_OUTCOMES).returning(_OUTCOMES.c.id)
"""The answer's and the outcome path's statements, built once on the tables likewise."""

Context = tuple[float, ...]


def _context(raw: str | None) -> Context:
    return () if raw is None else tuple(orjson.loads(raw))


class RecommendationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- decisions --------------------------------------------------------------------------

    def add_decision(self, record: DecisionRecord, new: Sequence[NewRecommendation]) -> None:
        """Store a decision and the recommendations it served for the first time."""
        self.add_decisions([(record, new)])

    def add_decisions(
        self, decisions: Sequence[tuple[DecisionRecord, Sequence[NewRecommendation]]]
    ) -> None:
        """Store decisions and the recommendations each served for the first time: two
        statements however many (the API's writer commits many requests' decisions at once)."""
        rows = [_decision_values(record) for record, _ in decisions]
        if rows:
            # one row as a plain execute: a list would take the slower executemany path
            self._session.execute(_ADD_DECISION, rows[0] if len(rows) == 1 else rows)
        served = [_recommendation_values(item) for _, new in decisions for item in new]
        if served:
            self._session.execute(_ADD_RECOMMENDATIONS, served[0] if len(served) == 1 else served)

    def decision(self, decision_id: str) -> DecisionRecord | None:
        row = self._session.get(DecisionRow, decision_id)
        if row is None:
            return None
        return DecisionRecord(
            decision_id=row.decision_id,
            client_id=ClientId(row.client_id),
            channel=Channel(row.channel),
            policy=row.policy,
            decided_at=row.decided_at,
            features=orjson.loads(row.features),
            considered=orjson.loads(row.considered),
            versions=orjson.loads(row.versions),
        )

    # -- recommendations ----------------------------------------------------------------------

    def history(self, client_id: ClientId, *, since: datetime) -> list[Recommendation]:
        """The client's recommendations delivered since ``since`` or still open."""
        rows = self._session.execute(_HISTORY, {"client_id": client_id, "since": since})
        return [_recommendation(row) for row in rows]

    def get(self, recommendation_id: str) -> Recommendation | None:
        query = select(*_COLUMNS).where(RecommendationRow.recommendation_id == recommendation_id)
        row = self._session.execute(query).one_or_none()
        return None if row is None else _recommendation(row)

    def resolving(self, recommendation_id: str) -> tuple[Recommendation, Context] | None:
        """The recommendation, locked for a status change, with the feature vector it was
        scored with (what the models learn the outcome against), in one round trip."""
        row = self._session.execute(_RESOLVING, {"id": recommendation_id}).one_or_none()
        return None if row is None else (_recommendation(row), _context(row.context))

    def move(
        self,
        recommendation: Recommendation,
        status: Status,
        *,
        occurred_at: datetime,
        now: datetime,
        delivers: bool = False,
    ) -> int:
        """Set the status and append it to the history; returns the outcome's id. With
        ``delivers`` (an advisor approved a held suggestion) it counts as delivered from
        ``occurred_at``, not from the decision that held it."""
        self._session.execute(
            _DELIVER if delivers else _MOVE,
            {"id": recommendation.recommendation_id, "status": status.value, "at": occurred_at},
        )
        outcome_id: int = self._session.execute(
            _ADD_OUTCOME,
            {
                "recommendation_id": recommendation.recommendation_id,
                "client_id": recommendation.client_id,
                "status": status.value,
                "occurred_at": occurred_at,
                "recorded_at": now,
            },
        ).scalar_one()
        return outcome_id

    def changes(self, recommendation_id: str) -> list[StatusChange]:
        rows = self._session.execute(
            select(RecommendationOutcomeRow)
            .where(RecommendationOutcomeRow.recommendation_id == recommendation_id)
            .order_by(RecommendationOutcomeRow.id)
        ).scalars()
        return [StatusChange(r.id, Status(r.status), r.occurred_at, r.recorded_at) for r in rows]

    def due(self, now: datetime, *, limit: int) -> list[tuple[Recommendation, Context]]:
        """Open recommendations whose time has run out, oldest first, with their vectors."""
        rows = self._session.execute(
            select(*_COLUMNS, RecommendationRow.context)
            .where(
                RecommendationRow.status.in_([s.value for s in (*OPEN, Status.PENDING_REVIEW)]),
                RecommendationRow.expires_at <= now,
            )
            .order_by(RecommendationRow.expires_at)
            .limit(limit)
        )
        return [(_recommendation(row), _context(row.context)) for row in rows]

    # -- what the models learn from ---------------------------------------------------------

    def learning(self, *, after: int, limit: int) -> list[LearningOutcome]:
        """Resolved outcomes with ids above ``after``, in id order, with what the models need."""
        rows = self._session.execute(
            select(
                RecommendationOutcomeRow.id,
                RecommendationOutcomeRow.status,
                RecommendationRow.action_id,
                RecommendationRow.category,
                RecommendationRow.segment,
                RecommendationRow.context,
            )
            .join(RecommendationRow)
            .where(
                RecommendationOutcomeRow.id > after,
                RecommendationOutcomeRow.status.in_(_LEARNING),
            )
            .order_by(RecommendationOutcomeRow.id)
            .limit(limit)
        )
        outcomes = []
        for row in rows:
            value = reward(Status(row.status))
            assert value is not None
            outcomes.append(
                LearningOutcome(
                    outcome_id=row.id,
                    action_id=row.action_id,
                    category=row.category,
                    segment=row.segment,
                    context=_context(row.context),
                    reward=value,
                )
            )
        return outcomes

    # -- feedback -----------------------------------------------------------------------------

    def add_feedback(
        self,
        recommendation: Recommendation,
        *,
        rating: int | None,
        kind: str | None,
        text: str | None,
        now: datetime,
    ) -> int:
        feedback_id: int = self._session.execute(
            insert(RecommendationFeedbackRow)
            .values(
                recommendation_id=recommendation.recommendation_id,
                client_id=recommendation.client_id,
                rating=rating,
                kind=kind,
                text=text,
                created_at=now,
            )
            .returning(RecommendationFeedbackRow.id)
        ).scalar_one()
        return feedback_id


def _decision_values(record: DecisionRecord) -> dict[str, Any]:
    return {
        "decision_id": record.decision_id,
        "client_id": record.client_id,
        "channel": record.channel.value,
        "policy": record.policy,
        "decided_at": record.decided_at,
        "features": orjson.dumps(record.features).decode(),
        "considered": orjson.dumps(record.considered).decode(),
        "versions": orjson.dumps(record.versions).decode(),
    }


def _recommendation_values(item: NewRecommendation) -> dict[str, Any]:
    r = item.recommendation
    return {
        "recommendation_id": r.recommendation_id,
        "decision_id": r.decision_id,
        "client_id": r.client_id,
        "action_id": r.action_id,
        "candidate_key": r.candidate_key,
        "category": r.category.value,
        "channel": r.channel.value,
        "rank": r.rank,
        "score": r.score,
        "probability": r.probability,
        "regulated": r.regulated,
        "status": r.status.value,
        "status_at": r.status_at,
        "delivered_at": r.delivered_at,
        "deliver_at": r.deliver_at,
        "expires_at": r.expires_at,
        "segment": r.segment,
        "context": orjson.dumps(list(item.context)).decode(),
    }
