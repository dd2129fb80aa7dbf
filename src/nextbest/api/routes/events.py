"""Behaviour events, one or a batch.

The body is parsed here rather than by FastAPI so that one bad event in a batch is reported by
its index instead of failing the other 999.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from nextbest.api.deps import NowDep, ProfileConfigDep, SettingsDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.schemas.common import describe_problems, validation_problems
from nextbest.api.schemas.events import EventRejection, EventsOut, IngestStatus, parse_event
from nextbest.api.security import requires
from nextbest.domain.event import Event
from nextbest.errors import Malformed, NotFound, ValidationFailed
from nextbest.security.roles import Role
from nextbest.services.ingest import IngestReport, Rejection, RejectionKind, ingest_events

router = APIRouter(prefix="/v1/events", tags=["events"], responses=ERROR_RESPONSES)

BODY_SCHEMA = {
    "oneOf": [
        {"$ref": "#/components/schemas/EventIn"},
        {"$ref": "#/components/schemas/EventBatchIn"},
    ]
}


def parse_batch(
    items: list[Any], *, max_context_bytes: int
) -> tuple[list[tuple[int, Event]], list[Rejection]]:
    events: list[tuple[int, Event]] = []
    rejections: list[Rejection] = []
    for index, item in enumerate(items):
        try:
            events.append((index, parse_event(item, max_context_bytes=max_context_bytes)))
        except ValidationError as error:
            reason = describe_problems(validation_problems(list(error.errors())))
            event_id = item.get("event_id") if isinstance(item, dict) else None
            rejections.append(
                Rejection(index, event_id if isinstance(event_id, str) else None, reason)
            )
    return events, rejections


def _out(report: IngestReport, status: IngestStatus, events: list[tuple[int, Event]]) -> EventsOut:
    ids = dict(events)
    return EventsOut(
        status=status,
        received=report.received,
        stored=len(report.stored),
        duplicates=len(report.duplicates),
        rejected=len(report.rejected),
        untracked=len(report.untracked),
        duplicate_event_ids=[ids[i].event_id for i in report.duplicates],
        errors=[
            EventRejection(index=r.index, event_id=r.event_id, reason=r.reason)
            for r in report.rejected
        ],
    )


@router.post(
    "",
    dependencies=[requires(Role.APP)],
    response_model=EventsOut,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": BODY_SCHEMA}}}
    },
    responses={201: {"model": EventsOut, "description": "The one event was stored"}},
)
async def post_events_route(
    request: Request,
    response: Response,
    settings: SettingsDep,
    config: ProfileConfigDep,
    uow: UowDep,
    now: NowDep,
) -> EventsOut:
    """Store one event, or a batch as `{"events": [...]}`; a repeated event_id is stored once."""
    try:
        payload = orjson.loads(await request.body())
    except orjson.JSONDecodeError as error:
        raise Malformed(f"the request body is not valid JSON: {error}") from error
    limits = settings.ingest
    skew = timedelta(seconds=limits.max_clock_skew_seconds)
    if isinstance(payload, dict) and "events" in payload:
        items = payload["events"]
        extra = sorted(set(payload) - {"events"})
        if extra:
            raise ValidationFailed([("", f"unknown field(s) beside events: {', '.join(extra)}")])
        if not isinstance(items, list) or not items:
            raise ValidationFailed([("events", "events must be a non-empty list")])
        if len(items) > limits.max_batch_events:
            raise ValidationFailed(
                [
                    (
                        "events",
                        f"a batch holds at most {limits.max_batch_events:,} events; "
                        f"this one has {len(items):,}",
                    )
                ]
            )
        events, rejections = parse_batch(items, max_context_bytes=limits.max_context_bytes)
        report = await run_in_threadpool(
            ingest_events,
            events,
            received=len(items),
            uow=uow,
            now=now,
            max_clock_skew=skew,
            rejected=rejections,
            decay=config.decay,
        )
        return _out(report, "batch", events)
    try:
        event = parse_event(payload, max_context_bytes=limits.max_context_bytes)
    except ValidationError as error:
        problems = validation_problems(list(error.errors()))
        raise ValidationFailed([(p.loc, p.message) for p in problems]) from error
    report = await run_in_threadpool(
        ingest_events,
        [(0, event)],
        received=1,
        uow=uow,
        now=now,
        max_clock_skew=skew,
        decay=config.decay,
    )
    if report.rejected:
        rejection = report.rejected[0]
        if rejection.kind is RejectionKind.UNKNOWN_CLIENT:
            raise NotFound("client", event.client_id)
        raise ValidationFailed([("occurred_at", rejection.reason)])
    response.status_code = 201 if report.stored else 200
    status: IngestStatus = (
        "stored" if report.stored else "untracked" if report.untracked else "duplicate"
    )
    return _out(report, status, [(0, event)])
