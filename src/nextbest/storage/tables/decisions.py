"""The decision log: decisions, the recommendations they served, what clients did with them, their
feedback and the advisors' reviews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nextbest.storage.tables.base import Base, BigId
from nextbest.storage.types import UtcDateTime

__all__ = [
    "DecisionRow",
    "RecommendationFeedbackRow",
    "RecommendationOutcomeRow",
    "RecommendationReviewRow",
    "RecommendationRow",
]


class DecisionRow(Base):
    """One answer to a recommendations request, as it was decided: the decision log.

    Holds what is needed to explain the answer later and to evaluate other policies on it
    offline: the point-in-time features, every action considered with each score component or
    the reason it was removed, the probability the policy gave each served action, and the
    versions of the models and catalog in force.
    """

    __tablename__ = "decisions"
    __table_args__ = (Index(None, "client_id", "decided_at"),)

    decision_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    policy: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # JSON text encoded by the repository (orjson): written on every request.
    features: Mapped[str] = mapped_column(Text)
    considered: Mapped[str] = mapped_column(Text)
    versions: Mapped[str] = mapped_column(Text)


class RecommendationRow(Base):
    """One action served to a client: its status now, and what the models learn from it."""

    __tablename__ = "recommendations"
    __table_args__ = (Index(None, "client_id", "action_id"),)

    recommendation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decision_id: Mapped[str] = mapped_column(
        ForeignKey("decisions.decision_id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    action_id: Mapped[str] = mapped_column(String(64))
    candidate_key: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    regulated: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(24))
    status_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deliver_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    segment: Mapped[str] = mapped_column(String(16))
    # The feature vector the contextual model scored, as JSON text: what it learns from.
    context: Mapped[str] = mapped_column(Text)


class RecommendationOutcomeRow(Base):
    """Every status a recommendation took, in order: its history and the models' feed.

    Append-only; ``id`` orders them, so a server process can add the outcomes other processes
    recorded since it last looked.
    """

    __tablename__ = "recommendation_outcomes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("recommendations.recommendation_id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecommendationFeedbackRow(Base):
    """What a client said about a recommendation: a rating, a kind, free text."""

    __tablename__ = "recommendation_feedback"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("recommendations.recommendation_id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    kind: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- experiments (issue 7) ----------------------------------------------------------------------


class RecommendationReviewRow(Base):
    """An advisor's approval or rejection of a regulated suggestion, with the reason."""

    __tablename__ = "recommendation_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("recommendations.recommendation_id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(120))
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- client messages (issue 9) ------------------------------------------------------------------
