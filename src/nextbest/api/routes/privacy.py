"""Privacy requests and the audit log: the compliance role's routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from nextbest.api.deps import NowDep, RecommenderDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.routes.clients import ClientIdPath
from nextbest.api.schemas.common import ID_PATTERN
from nextbest.api.schemas.privacy import AuditEntryOut, AuditPageOut, ErasureOut
from nextbest.api.security import Principal, note_client, requires
from nextbest.domain.ids import ClientId
from nextbest.security.roles import Role
from nextbest.services.audit import AuditTrail
from nextbest.services.privacy import erase_client, export_client

router = APIRouter(tags=["privacy"], responses=ERROR_RESPONSES)

ComplianceDep = Annotated[Principal, requires(Role.COMPLIANCE)]


def _trail(request: Request) -> AuditTrail:
    trail: AuditTrail = request.app.state.audit
    return trail


@router.get(
    "/v1/clients/{client_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
def export_route(
    request: Request, client_id: ClientIdPath, principal: ComplianceDep, uow: UowDep, now: NowDep
) -> Response:
    """Everything held about the client as one JSON document: every table's rows about it
    (profile, portfolio, events, profile aggregates, decisions, outcomes, feedback,
    experiment assignments ...) and the audit entries about it."""
    document: dict[str, Any] = export_client(
        ClientId(client_id), uow=uow, now=now, audit=_trail(request), principal=principal.label
    )
    return Response(orjson.dumps(document), media_type="application/json")


@router.delete("/v1/clients/{client_id}", response_model=ErasureOut)
def erase_route(
    request: Request,
    client_id: ClientIdPath,
    principal: ComplianceDep,
    uow: UowDep,
    recommender: RecommenderDep,
    now: NowDep,
) -> ErasureOut:
    """Erase the client from every table and from what the models learned; a tombstone
    without personal data records that it happened. Later events for the id are refused
    until the client is created again with its consent."""
    report = erase_client(
        ClientId(client_id), uow=uow, now=now, audit=_trail(request), principal=principal.label
    )
    recommender.learning.relearn()
    return ErasureOut.from_domain(report)


@router.get("/v1/audit", response_model=AuditPageOut)
def audit_route(
    request: Request,
    _principal: ComplianceDep,
    uow: UowDep,
    client_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    principal: Annotated[
        str | None, Query(max_length=120, description="e.g. key:ab12cd34ef56")
    ] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> AuditPageOut:
    """The audit log, oldest first, filtered by client, principal, action and time."""
    if client_id is not None:
        note_client(request, client_id)
    entries = _trail(request).find(
        uow=uow,
        client_id=client_id,
        principal=principal,
        action=action,
        since=since,
        until=until,
        after_id=after_id,
        limit=limit,
    )
    return AuditPageOut(
        entries=[AuditEntryOut.from_domain(e) for e in entries],
        next_after_id=entries[-1].id if len(entries) == limit else None,
    )
