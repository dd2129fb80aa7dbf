"""Human review of regulated suggestions: the queue, approval and rejection.

A regulated suggestion (a trade, a rebalance, a product switch) is stored PENDING_REVIEW and
reaches no client channel until an advisor approves it; then it is DELIVERED and the client's
next answer on a pull channel shows it. A rejection (or running out before anyone looked) makes
it REJECTED, which the models do not learn from: the client never saw it. Nothing here executes
a trade or moves money.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from nextbest.domain.recommendation import Recommendation, Status
from nextbest.errors import Conflict, NotFound, ValidationFailed
from nextbest.services.audit import AuditTrail
from nextbest.storage.repositories.reviews import PendingReview
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["ReviewOutcome", "lapse", "pending_reviews", "review"]

MAX_REASON = 2_000


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    recommendation: Recommendation
    decision: Status
    reason: str
    reviewer: str
    reviewed_at: datetime


def lapse(uow: UnitOfWork, recommendation: Recommendation, *, at: datetime, now: datetime) -> int:
    """A suggestion that ran out while waiting for review becomes REJECTED, with a review row
    saying so (nobody approved it); returns the status change's outcome id."""
    outcome_id = uow.recommendations.move(recommendation, Status.REJECTED, occurred_at=at, now=now)
    uow.reviews.add(
        recommendation.recommendation_id,
        recommendation.client_id,
        decision=Status.REJECTED,
        reason="not reviewed before it expired",
        reviewer="nextbest",
        now=now,
    )
    return outcome_id


def pending_reviews(
    *, uow: UnitOfWork, now: datetime, client_id: str | None = None, limit: int = 100
) -> list[PendingReview]:
    with uow:
        return uow.reviews.queue(client_id=client_id, now=now, limit=limit)


def review(
    recommendation_id: str,
    *,
    approve: bool,
    reason: str,
    reviewer: str,
    uow: UnitOfWork,
    now: datetime,
    audit: AuditTrail,
) -> ReviewOutcome:
    """Approve (DELIVERED) or reject (REJECTED) a suggestion waiting for review, with the
    reviewer's reason; the decision and its audit entry are written together."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed([("reason", "say why: a review needs a reason")])
    if len(reason) > MAX_REASON:
        raise ValidationFailed([("reason", f"at most {MAX_REASON} characters")])
    decision = Status.DELIVERED if approve else Status.REJECTED
    with uow:
        found = uow.recommendations.resolving(recommendation_id)
        if found is None:
            raise NotFound("recommendation", recommendation_id)
        current, _ = found
        if current.status is not Status.PENDING_REVIEW:
            raise Conflict(
                f"recommendation {recommendation_id} is {current.status.value}, "
                "not waiting for review"
            )
        if current.expires_at <= now:
            lapse(uow, current, at=now, now=now)
            uow.commit()
            raise Conflict(f"recommendation {recommendation_id} expired before its review")
        # approved, it is delivered now: the contact rules and its validity count from here
        uow.recommendations.move(current, decision, occurred_at=now, now=now, delivers=approve)
        uow.reviews.add(
            recommendation_id,
            current.client_id,
            decision=decision,
            reason=reason,
            reviewer=reviewer,
            now=now,
        )
        uow.audit.append(
            [
                audit.entry(
                    at=now,
                    principal=reviewer,
                    action="review.approve" if approve else "review.reject",
                    client_id=current.client_id,
                    detail={"recommendation_id": recommendation_id},
                )
            ]
        )
        uow.commit()
    moved = replace(
        current,
        status=decision,
        status_at=now,
        delivered_at=now if approve else current.delivered_at,
    )
    return ReviewOutcome(moved, decision, reason, reviewer, now)
