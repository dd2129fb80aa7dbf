"""Advisors' reviews of regulated suggestions, and the queue waiting for one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from nextbest.domain.candidate import Category
from nextbest.domain.enums import Channel
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Status
from nextbest.storage.tables import RecommendationReviewRow, RecommendationRow

__all__ = ["PendingReview", "Review", "ReviewRepository"]


@dataclass(frozen=True, slots=True)
class PendingReview:
    recommendation_id: str
    decision_id: str
    client_id: ClientId
    action_id: str
    finding: str
    category: Category
    channel: Channel
    score: float
    waiting_since: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Review:
    recommendation_id: str
    decision: Status
    reason: str
    reviewer: str
    reviewed_at: datetime


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def queue(self, *, client_id: str | None, now: datetime, limit: int) -> list[PendingReview]:
        """Regulated suggestions waiting for an advisor, oldest first (not yet run out)."""
        r = RecommendationRow
        query = select(
            r.recommendation_id,
            r.decision_id,
            r.client_id,
            r.action_id,
            r.candidate_key,
            r.category,
            r.channel,
            r.score,
            r.delivered_at,
            r.expires_at,
        ).where(r.status == Status.PENDING_REVIEW.value, r.expires_at > now)
        if client_id is not None:
            query = query.where(r.client_id == client_id)
        rows = self._session.execute(
            query.order_by(r.delivered_at, r.recommendation_id).limit(limit)
        )
        return [
            PendingReview(
                row.recommendation_id,
                row.decision_id,
                ClientId(row.client_id),
                row.action_id,
                row.candidate_key,
                Category(row.category),
                Channel(row.channel),
                row.score,
                row.delivered_at,
                row.expires_at,
            )
            for row in rows
        ]

    def add(
        self,
        recommendation_id: str,
        client_id: str,
        *,
        decision: Status,
        reason: str,
        reviewer: str,
        now: datetime,
    ) -> None:
        self._session.execute(
            insert(RecommendationReviewRow).values(
                recommendation_id=recommendation_id,
                client_id=client_id,
                decision=decision.value,
                reason=reason,
                reviewer=reviewer,
                reviewed_at=now,
            )
        )

    def of(self, recommendation_id: str) -> list[Review]:
        rows = self._session.execute(
            select(RecommendationReviewRow)
            .where(RecommendationReviewRow.recommendation_id == recommendation_id)
            .order_by(RecommendationReviewRow.id)
        ).scalars()
        return [
            Review(r.recommendation_id, Status(r.decision), r.reason, r.reviewer, r.reviewed_at)
            for r in rows
        ]
