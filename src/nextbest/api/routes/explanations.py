"""Why a recommendation was served, and the client's insight report."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from nextbest.api.deps import NowDep, ProfileConfigDep, RecommenderDep, SignalEngineDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.routes.clients import ClientIdPath
from nextbest.api.routes.recommendations import RecommendationIdPath
from nextbest.api.schemas.explanations import ClientExplanationOut, StaffExplanationOut
from nextbest.api.security import Principal, note_client, requires
from nextbest.domain.ids import ClientId
from nextbest.errors import Forbidden
from nextbest.security.roles import Role
from nextbest.services.explanations import Audience, ClientExplanation, explain
from nextbest.services.insights import client_insights

__all__ = ["router"]

router = APIRouter(responses=ERROR_RESPONSES)

_MEDIA_TYPES = {"md": "text/markdown", "html": "text/html"}


@router.get(
    "/v1/recommendations/{recommendation_id}/explanation",
    tags=["recommendations"],
    response_model=ClientExplanationOut | StaffExplanationOut,
)
def get_explanation_route(
    request: Request,
    principal: Annotated[Principal, requires(Role.APP, Role.ADVISOR, Role.COMPLIANCE)],
    recommendation_id: RecommendationIdPath,
    uow: UowDep,
    recommender: RecommenderDep,
    now: NowDep,
    audience: Annotated[
        Audience, Query(description="client: plain words; staff: every score component")
    ] = Audience.CLIENT,
) -> ClientExplanationOut | StaffExplanationOut:
    """Why the recommendation was served, rebuilt from its first decision in the log: the
    reasons in plain words for the client; the score components, evidence, versions and the
    arbitration trace for staff (advisor and compliance keys only)."""
    if audience is Audience.STAFF and not principal.roles & {Role.ADVISOR, Role.COMPLIANCE}:
        raise Forbidden("the staff explanation needs the advisor or compliance role")
    explanation = explain(
        recommendation_id,
        audience=audience,
        uow=uow,
        contact=recommender.engine.contact,
        now=now,
    )
    if isinstance(explanation, ClientExplanation):
        with uow:
            served = uow.recommendations.get(recommendation_id)
        if served is not None:
            note_client(request, served.client_id)
        return ClientExplanationOut.from_domain(explanation)
    note_client(request, explanation.client_id)
    return StaffExplanationOut.from_domain(explanation)


@router.get(
    "/v1/clients/{client_id}/insights",
    dependencies=[requires(Role.APP, Role.ADVISOR)],
    tags=["signals"],
    response_class=Response,
    responses={
        200: {
            "description": "The report",
            "content": {media: {"schema": {"type": "string"}} for media in _MEDIA_TYPES.values()},
        }
    },
)
def get_insights_route(
    client_id: ClientIdPath,
    uow: UowDep,
    config: ProfileConfigDep,
    engine: SignalEngineDep,
    recommender: RecommenderDep,
    now: NowDep,
    fmt: Annotated[
        Literal["md", "html"],
        Query(alias="format", description="md: Markdown; html: an HTML fragment"),
    ] = "md",
) -> Response:
    """A planner's short narrative on the client's portfolio, goals, ESG alignment and any
    restriction breached, in the client's tone and detail level; its numbers match the
    signals."""
    report = client_insights(
        ClientId(client_id),
        fmt=fmt,
        uow=uow,
        config=config,
        engine=engine,
        presenter=recommender.presenter,
        now=now,
    )
    return Response(report, media_type=f"{_MEDIA_TYPES[fmt]}; charset=utf-8")
