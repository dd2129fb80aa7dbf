"""Behaviour events: what a client did in the host application, append-only once stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nextbest.domain.enums import Channel, EventType
from nextbest.domain.ids import ClientId, EventId

__all__ = ["REQUIRED_CONTEXT", "Event"]

REQUIRED_CONTEXT: Mapping[EventType, tuple[str, ...]] = {
    EventType.FEATURE_USED: ("feature",),
    EventType.GOAL_CREATED: ("goal_type",),
    EventType.CONTENT_READ: ("topic",),
    EventType.TIME_SPENT: ("duration_seconds",),
    EventType.FEEDBACK: ("sentiment",),
}
"""Context keys an event of each type must carry for the behaviour profile to learn from it."""


@dataclass(frozen=True, slots=True)
class Event:
    event_id: EventId
    client_id: ClientId
    event_type: EventType
    occurred_at: datetime
    session_id: str | None = None
    device_type: str | None = None
    channel: Channel | None = None
    target_type: str | None = None
    target_id: str | None = None
    action: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
