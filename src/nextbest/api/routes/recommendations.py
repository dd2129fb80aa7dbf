"""Recommendations for a client, and what the client did with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from nextbest.api.deps import NowDep, RecommenderDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.routes.clients import ClientIdPath
from nextbest.api.schemas.recommendations import (
    FeedbackIn,
    FeedbackOut,
    OutcomeIn,
    OutcomeOut,
    RecommendationsOut,
)
from nextbest.api.security import deferred_writes, note_client, requires
from nextbest.domain.enums import Channel
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Status
from nextbest.security.roles import Role

router = APIRouter(tags=["recommendations"], responses=ERROR_RESPONSES)

RecommendationIdPath = Annotated[str, Path(min_length=1, max_length=36)]


@router.get(
    "/v1/clients/{client_id}/recommendations",
    dependencies=[requires(Role.APP, Role.ADVISOR)],
    response_model=RecommendationsOut,
)
def get_recommendations_route(
    request: Request,
    client_id: ClientIdPath,
    uow: UowDep,
    recommender: RecommenderDep,
    now: NowDep,
    channel: Annotated[Channel, Query(description="Where the answer is shown")] = Channel.IN_APP,
    limit: Annotated[int, Query(ge=1, le=20, description="At most this many, mandatory aside")] = 3,
) -> Response:
    """The client's next best actions on ``channel``, each with an id to report outcomes under.
    Every answer is stored in the decision log (committed with the request's audit entry)."""
    answer = recommender.recommend(
        ClientId(client_id),
        channel=channel,
        limit=limit,
        uow=uow,
        now=now,
        defer=deferred_writes(request),
    )
    # Built as the model, so it is checked once; written straight to JSON, because FastAPI would
    # dump, validate and dump the returned model again (three passes on the busiest route).
    body = RecommendationsOut.from_domain(answer).model_dump_json()
    return Response(body, media_type="application/json")


@router.post(
    "/v1/recommendations/{recommendation_id}/outcome",
    dependencies=[requires(Role.APP)],
    response_model=OutcomeOut,
)
def post_outcome_route(
    request: Request,
    recommendation_id: RecommendationIdPath,
    body: OutcomeIn,
    uow: UowDep,
    recommender: RecommenderDep,
    now: NowDep,
) -> OutcomeOut:
    """What the client did: VIEWED, ACCEPTED, PARTIALLY_ACCEPTED or DISMISSED. Repeating an
    outcome changes nothing; a move the lifecycle forbids (ACCEPTED after EXPIRED) is 409."""
    result = recommender.learning.record_outcome(
        recommendation_id, Status(body.status), uow=uow, now=now, occurred_at=body.occurred_at
    )
    note_client(request, result.recommendation.client_id)
    return OutcomeOut.from_domain(result)


@router.post(
    "/v1/recommendations/{recommendation_id}/feedback",
    dependencies=[requires(Role.APP)],
    response_model=FeedbackOut,
    status_code=201,
)
def post_feedback_route(
    request: Request,
    recommendation_id: RecommendationIdPath,
    body: FeedbackIn,
    uow: UowDep,
    recommender: RecommenderDep,
    now: NowDep,
) -> FeedbackOut:
    """A rating (1-5), HELPFUL / NOT_RELEVANT / ALREADY_DONE, and optional text."""
    feedback_id, client_id = recommender.learning.record_feedback(
        recommendation_id, rating=body.rating, kind=body.kind, text=body.text, uow=uow, now=now
    )
    note_client(request, client_id)
    return FeedbackOut(feedback_id=feedback_id, recommendation_id=recommendation_id)
