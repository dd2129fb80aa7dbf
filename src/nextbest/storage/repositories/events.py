"""Behaviour events: append-only, idempotent by ``event_id``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from nextbest.domain.enums import Channel, EventType
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId
from nextbest.storage.tables import EventRow
from nextbest.storage.upsert import dialect_insert

__all__ = ["EventRepository", "event_from_row"]


class EventRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, events: Sequence[Event], *, received_at: datetime) -> set[EventId]:
        """Append the events whose ``event_id`` is new; returns the ids actually stored."""
        return set(self.add_many_keyed(events, received_at=received_at))

    def add_many_keyed(
        self, events: Sequence[Event], *, received_at: datetime
    ) -> dict[EventId, int]:
        """Append the events whose ``event_id`` is new; returns each stored id's row key.

        One multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` per batch, so a repeat sent
        by two processes at once is still stored exactly once.
        """
        if not events:
            return {}
        self._session.flush()  # clients added in this unit of work must exist for the FK
        rows = [_to_row_values(event, received_at) for event in events]
        if self._session.get_bind().dialect.name == "postgresql":
            return self._add_many_postgresql(rows)
        # render_nulls: every row has the same key set, so SQLAlchemy sends one statement per
        # batch instead of one per run of rows with the same None columns (about 230 per 500
        # mixed events; measured 2x the SQLite ingestion rate, see docs/benchmarks.md).
        statement = (
            dialect_insert(self._session, EventRow)
            .on_conflict_do_nothing(index_elements=[EventRow.event_id])
            .returning(EventRow.event_id, EventRow.id)
            .execution_options(render_nulls=True)
        )
        stored = self._session.execute(statement, rows)
        return {EventId(row.event_id): row.id for row in stored}

    def _add_many_postgresql(self, rows: list[dict[str, Any]]) -> dict[EventId, int]:
        """One array per column through ``unnest``: twelve parameters whatever the batch size.

        A multi-row VALUES insert of 500 events has 6,000 placeholders, and re-parsing that
        statement each time cost more than the database's own work (measured: about 22 ms of
        59 ms per 500 events).
        """
        columns = {name: [row[name] for row in rows] for name in _COLUMNS}
        columns["context"] = [orjson.dumps(row["context"]).decode() for row in rows]
        for name in ("occurred_at", "received_at"):
            columns[name] = [value.astimezone(UTC) for value in columns[name]]
        stored = self._session.execute(_UNNEST_INSERT, columns)
        return {EventId(row.event_id): row.id for row in stored}

    def existing(self, event_ids: Sequence[str]) -> set[EventId]:
        if not event_ids:
            return set()
        found = self._session.scalars(
            select(EventRow.event_id).where(EventRow.event_id.in_(set(event_ids)))
        )
        return {EventId(event_id) for event_id in found}

    def for_client(
        self, client_id: ClientId, *, since: datetime | None = None, limit: int = 1_000
    ) -> list[Event]:
        query = (
            select(EventRow)
            .where(EventRow.client_id == client_id)
            .order_by(EventRow.occurred_at, EventRow.id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(EventRow.occurred_at >= since)
        return [event_from_row(row) for row in self._session.scalars(query)]

    def stream_for_clients(
        self, client_ids: Sequence[str], *, chunk: int = 5_000
    ) -> Iterator[Event]:
        """Every stored event of ``client_ids``, by client then time (for rebuilding profiles)."""
        table = EventRow.__table__
        query = (
            select(table)  # plain rows, no ORM identity map: a rebuild reads millions
            .where(table.c.client_id.in_(set(client_ids)))
            .order_by(table.c.client_id, table.c.occurred_at, table.c.id)
            .execution_options(yield_per=chunk)
        )
        for row in self._session.execute(query):
            yield event_from_row(row)

    def count(self, client_id: ClientId | None = None) -> int:
        query = select(func.count()).select_from(EventRow)
        if client_id is not None:
            query = query.where(EventRow.client_id == client_id)
        return self._session.scalar(query) or 0


_COLUMNS = (
    "event_id",
    "client_id",
    "event_type",
    "occurred_at",
    "received_at",
    "session_id",
    "device_type",
    "channel",
    "target_type",
    "target_id",
    "action",
    "context",
)
_ARRAY_TYPES = {
    "occurred_at": "timestamptz[]",
    "received_at": "timestamptz[]",
    "context": "jsonb[]",
}
_UNNEST_INSERT = text(
    f"INSERT INTO events ({', '.join(_COLUMNS)}) "
    "SELECT * FROM unnest("
    + ", ".join(f"CAST(:{name} AS {_ARRAY_TYPES.get(name, 'varchar[]')})" for name in _COLUMNS)
    + ") ON CONFLICT (event_id) DO NOTHING RETURNING event_id, id"
)


def _to_row_values(event: Event, received_at: datetime) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "client_id": event.client_id,
        "event_type": event.event_type.value,
        "occurred_at": event.occurred_at,
        "received_at": received_at,
        "session_id": event.session_id,
        "device_type": event.device_type,
        "channel": None if event.channel is None else event.channel.value,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "action": event.action,
        "context": dict(event.context),
    }


def event_from_row(row: Any) -> Event:
    return Event(
        event_id=EventId(row.event_id),
        client_id=ClientId(row.client_id),
        event_type=EventType(row.event_type),
        occurred_at=row.occurred_at,
        session_id=row.session_id,
        device_type=row.device_type,
        channel=None if row.channel is None else Channel(row.channel),
        target_type=row.target_type,
        target_id=row.target_id,
        action=row.action,
        context=row.context,
    )
