"""Human review of regulated suggestions: the advisor role's queue, approvals and rejections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from nextbest.api.deps import NowDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.routes.recommendations import RecommendationIdPath
from nextbest.api.schemas.common import ID_PATTERN
from nextbest.api.schemas.privacy import PendingReviewOut, ReviewIn, ReviewOut, ReviewQueueOut
from nextbest.api.security import Principal, note_client, requires
from nextbest.security.roles import Role
from nextbest.services.audit import AuditTrail
from nextbest.services.reviews import pending_reviews, review

router = APIRouter(tags=["reviews"], responses=ERROR_RESPONSES)

AdvisorDep = Annotated[Principal, requires(Role.ADVISOR)]


@router.get("/v1/reviews", response_model=ReviewQueueOut)
def queue_route(
    request: Request,
    _principal: AdvisorDep,
    uow: UowDep,
    now: NowDep,
    client_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ReviewQueueOut:
    """Regulated suggestions waiting for an advisor, oldest first."""
    if client_id is not None:
        note_client(request, client_id)
    queue = pending_reviews(uow=uow, now=now, client_id=client_id, limit=limit)
    return ReviewQueueOut(reviews=[PendingReviewOut.from_domain(p) for p in queue])


def _review(
    request: Request,
    recommendation_id: str,
    body: ReviewIn,
    principal: Principal,
    uow: UowDep,
    now: NowDep,
    *,
    approve: bool,
) -> ReviewOut:
    trail: AuditTrail = request.app.state.audit
    outcome = review(
        recommendation_id,
        approve=approve,
        reason=body.reason,
        reviewer=principal.label,
        uow=uow,
        now=now,
        audit=trail,
    )
    note_client(request, outcome.recommendation.client_id)
    return ReviewOut.from_domain(outcome)


@router.post("/v1/recommendations/{recommendation_id}/approve", response_model=ReviewOut)
def approve_route(
    request: Request,
    recommendation_id: RecommendationIdPath,
    body: ReviewIn,
    principal: AdvisorDep,
    uow: UowDep,
    now: NowDep,
) -> ReviewOut:
    """Approve a regulated suggestion: it becomes DELIVERED and the client's next answer on a
    pull channel shows it. Approving executes nothing."""
    return _review(request, recommendation_id, body, principal, uow, now, approve=True)


@router.post("/v1/recommendations/{recommendation_id}/reject", response_model=ReviewOut)
def reject_route(
    request: Request,
    recommendation_id: RecommendationIdPath,
    body: ReviewIn,
    principal: AdvisorDep,
    uow: UowDep,
    now: NowDep,
) -> ReviewOut:
    """Reject a regulated suggestion: the client never sees it; the models learn nothing."""
    return _review(request, recommendation_id, body, principal, uow, now, approve=False)
