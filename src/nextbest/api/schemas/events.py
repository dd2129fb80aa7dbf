"""Wire shapes of behaviour events, one or a batch, and the ingestion report."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    TypeAdapter,
    ValidationInfo,
    model_validator,
)

from nextbest.api.schemas.common import Identifier, StrictModel
from nextbest.domain.enums import Channel, EventType
from nextbest.domain.event import REQUIRED_CONTEXT, Event
from nextbest.domain.ids import ClientId, EventId

__all__ = [
    "EventBatchIn",
    "EventIn",
    "EventRejection",
    "EventsOut",
    "IngestStatus",
    "parse_event",
]

DEFAULT_MAX_CONTEXT_BYTES = 4_096
MAX_DURATION_SECONDS = 86_400

ShortText = Annotated[str, Field(min_length=1, max_length=100)]


class EventIn(StrictModel):
    """One thing a client did. ``event_id`` makes a repeat harmless: it is stored once."""

    event_id: Annotated[
        str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,128}$", examples=["evt-7f3a9c"])
    ] = Field(description="Unique per event; a repeat is reported as a duplicate, not stored")
    client_id: Identifier
    type: EventType
    occurred_at: AwareDatetime = Field(description="When it happened, with a timezone")
    session_id: Annotated[str | None, Field(max_length=128)] = None
    device_type: Annotated[str | None, Field(max_length=50)] = None
    channel: Channel | None = None
    target_type: Annotated[str | None, Field(max_length=50)] = None
    target_id: Annotated[str | None, Field(max_length=128)] = None
    action: ShortText | None = None
    context: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Small, type-specific details: FEATURE_USED needs `feature`, GOAL_CREATED `goal_type`,"
            " CONTENT_READ `topic`, TIME_SPENT `duration_seconds`, FEEDBACK `sentiment` (-1 to"
            " 1). At most 4 KiB of JSON by default; never put names, e-mail addresses or free"
            " text typed by the client here."
        ),
    )

    @model_validator(mode="after")
    def _context_fits(self, info: ValidationInfo) -> EventIn:
        limit = (info.context or {}).get("max_context_bytes", DEFAULT_MAX_CONTEXT_BYTES)
        try:
            size = len(orjson.dumps(self.context))
        except TypeError as error:  # e.g. an integer beyond 64 bits, which few consumers can read
            raise ValueError(f"context is not plain JSON: {error}") from error
        if size > limit:
            raise ValueError(f"context is {size:,} bytes of JSON; at most {limit:,} are accepted")
        missing = [key for key in REQUIRED_CONTEXT.get(self.type, ()) if key not in self.context]
        if missing:
            raise ValueError(f"a {self.type} event needs context.{' and context.'.join(missing)}")
        if self.type is EventType.TIME_SPENT:
            duration = self.context["duration_seconds"]
            if (
                isinstance(duration, bool)
                or not isinstance(duration, int | float)
                or not 0 <= duration <= MAX_DURATION_SECONDS
            ):
                raise ValueError(
                    f"context.duration_seconds must be a number from 0 to {MAX_DURATION_SECONDS}"
                )
        if self.type is EventType.FEEDBACK:
            sentiment = self.context["sentiment"]
            if (
                isinstance(sentiment, bool)
                or not isinstance(sentiment, int | float)
                or not -1 <= sentiment <= 1
            ):
                raise ValueError("context.sentiment must be a number from -1 to 1")
        if self.type.startswith("RECOMMENDATION_") and not self.target_id:
            raise ValueError(f"a {self.type} event needs target_id: the recommendation's id")
        return self

    def to_domain(self) -> Event:
        return Event(
            event_id=EventId(self.event_id),
            client_id=ClientId(self.client_id),
            event_type=self.type,
            occurred_at=self.occurred_at,
            session_id=self.session_id,
            device_type=self.device_type,
            channel=self.channel,
            target_type=self.target_type,
            target_id=self.target_id,
            action=self.action,
            context=self.context,
        )


_EVENT = TypeAdapter(EventIn)


def parse_event(item: Any, *, max_context_bytes: int = DEFAULT_MAX_CONTEXT_BYTES) -> Event:
    """One wire event (parsed JSON) to a domain event; raises ``ValidationError`` listing all."""
    return _EVENT.validate_python(
        item, context={"max_context_bytes": max_context_bytes}
    ).to_domain()


class EventBatchIn(StrictModel):
    """Up to 1,000 events (by default). Valid ones are stored even when others are refused."""

    events: Annotated[list[EventIn], Field(min_length=1, max_length=1_000)]


class EventRejection(BaseModel):
    index: int = Field(description="Position in the batch, from 0")
    event_id: str | None
    reason: str


IngestStatus = Literal["stored", "duplicate", "untracked", "batch"]


class EventsOut(BaseModel):
    status: IngestStatus = Field(
        description="For one event: stored, duplicate or untracked (the client has not "
        "consented to tracking: counted, not stored). For a batch: batch"
    )
    received: int
    stored: int
    duplicates: int
    rejected: int
    untracked: int = Field(
        default=0, description="Events of clients without tracking consent: counted, not stored"
    )
    duplicate_event_ids: list[str] = Field(default_factory=list)
    errors: list[EventRejection] = Field(default_factory=list)
