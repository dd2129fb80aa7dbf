"""Client messages, and the advisor alerts they raise."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from nextbest.api.deps import NowDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.routes.clients import ClientIdPath
from nextbest.api.schemas.common import ID_PATTERN, ErrorOut
from nextbest.api.schemas.messages import AlertOut, AlertsOut, MessageIn, MessageOut
from nextbest.api.security import note_client, requires
from nextbest.domain.ids import ClientId
from nextbest.errors import ValidationFailed
from nextbest.security.roles import Role
from nextbest.services.messages import MessageService, list_alerts

router = APIRouter(tags=["messages"], responses=ERROR_RESPONSES)

UNAVAILABLE = {
    503: {"model": ErrorOut, "description": "The language models did not load on this server"}
}


def _service(request: Request) -> MessageService:
    service: MessageService | None = request.app.state.messages
    if service is None:
        reason = request.app.state.messages_unavailable
        raise HTTPException(503, detail=f"client messages are unavailable on this server: {reason}")
    return service


@router.post(
    "/v1/clients/{client_id}/messages",
    response_model=MessageOut,
    responses=UNAVAILABLE,  # type: ignore[arg-type]
    dependencies=[requires(Role.APP)],
)
async def post_message_route(
    client_id: ClientIdPath, body: MessageIn, request: Request, uow: UowDep, now: NowDep
) -> MessageOut:
    """Understand a client's message: intent, sentiment, topics, entities, suggested actions
    for the client, a reply in the client's tone and the conversation's next step. Personal
    data is masked first; only the masked text is stored or logged."""
    service = _service(request)
    answer = await run_in_threadpool(
        service.handle,
        ClientId(client_id),
        body.text,
        conversation_id=body.conversation_id,
        channel=body.channel,
        uow=uow,
        now=now,
    )
    return MessageOut.from_domain(answer)


@router.get("/v1/alerts", response_model=AlertsOut, dependencies=[requires(Role.ADVISOR)])
def get_alerts_route(
    request: Request,
    uow: UowDep,
    client_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="One client")] = None,
    since: Annotated[datetime | None, Query(description="From this time on (with a zone)")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> AlertsOut:
    """Advisor alerts raised by client messages (complaints, strongly negative messages),
    newest first, with the masked text."""
    if since is not None and since.tzinfo is None:
        raise ValidationFailed([("since", "needs a time zone, e.g. 2026-11-21T10:00:00Z")])
    if client_id is not None:
        note_client(request, client_id)
    alerts = list_alerts(
        uow=uow, client_id=None if client_id is None else ClientId(client_id), since=since,
        limit=limit,
    )  # fmt: skip
    return AlertsOut(alerts=[AlertOut.from_domain(alert) for alert in alerts])
