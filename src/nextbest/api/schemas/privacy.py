"""Wire shapes of privacy requests, the audit log and advisors' reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from nextbest.api.schemas.common import StrictModel
from nextbest.security.audit import StoredEntry
from nextbest.services.privacy import ErasureReport
from nextbest.services.reviews import ReviewOutcome
from nextbest.storage.repositories.reviews import PendingReview

__all__ = [
    "AuditEntryOut",
    "AuditPageOut",
    "ErasureOut",
    "PendingReviewOut",
    "ReviewIn",
    "ReviewOut",
    "ReviewQueueOut",
]


class ErasureOut(BaseModel):
    erased: bool = True
    client_ref: str = Field(description="The client's pseudonym, as the tombstone keeps it")
    erased_at: datetime
    removed: dict[str, int] = Field(description="Rows deleted, by table")
    relearned: list[str] = Field(description="Models that relearn without the client's data")

    @classmethod
    def from_domain(cls, report: ErasureReport) -> ErasureOut:
        return cls(
            client_ref=report.client_ref,
            erased_at=report.erased_at,
            removed=report.removed,
            relearned=list(report.relearned),
        )


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    principal: str
    role: str | None
    action: str
    route: str | None
    status: int | None
    client_ref: str | None = Field(description="The client's pseudonym (never its id)")
    detail: dict[str, Any]
    previous_hash: str
    entry_hash: str

    @classmethod
    def from_domain(cls, stored: StoredEntry) -> AuditEntryOut:
        entry = stored.entry
        return cls(
            id=stored.id,
            at=entry.at,
            principal=entry.principal,
            role=entry.role,
            action=entry.action,
            route=entry.route,
            status=entry.status,
            client_ref=entry.client_ref,
            detail=dict(entry.detail),
            previous_hash=stored.previous_hash,
            entry_hash=stored.entry_hash,
        )


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_after_id: int | None = Field(description="Pass as after_id for the next page")


class ReviewIn(StrictModel):
    reason: str = Field(min_length=1, max_length=2_000, description="Why; kept with the review")


class ReviewOut(BaseModel):
    recommendation_id: str
    client_id: str
    status: str
    reason: str
    reviewer: str
    reviewed_at: datetime

    @classmethod
    def from_domain(cls, outcome: ReviewOutcome) -> ReviewOut:
        return cls(
            recommendation_id=outcome.recommendation.recommendation_id,
            client_id=outcome.recommendation.client_id,
            status=outcome.decision.value,
            reason=outcome.reason,
            reviewer=outcome.reviewer,
            reviewed_at=outcome.reviewed_at,
        )


class PendingReviewOut(BaseModel):
    recommendation_id: str
    decision_id: str
    client_id: str
    action_id: str
    finding: str = Field(description="Which finding of the action (e.g. which holding)")
    category: str
    channel: str
    score: float
    waiting_since: datetime
    expires_at: datetime

    @classmethod
    def from_domain(cls, pending: PendingReview) -> PendingReviewOut:
        return cls(
            recommendation_id=pending.recommendation_id,
            decision_id=pending.decision_id,
            client_id=pending.client_id,
            action_id=pending.action_id,
            finding=pending.finding,
            category=pending.category.value,
            channel=pending.channel.value,
            score=pending.score,
            waiting_since=pending.waiting_since,
            expires_at=pending.expires_at,
        )


class ReviewQueueOut(BaseModel):
    reviews: list[PendingReviewOut]
