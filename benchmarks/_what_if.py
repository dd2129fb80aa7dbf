"""The fixes the profile suggests, applied from outside ``src/`` so their effect can be measured.

Each is a monkeypatch of the running process: nothing here is meant to ship as it is. The
profiler (``profile_ingest.py``) times them in-process, and ``what_if_server.py`` runs the real
server with some of them applied, so the HTTP benchmarks can measure them end to end.

* ``render-nulls``: ``EventRepository.add_many`` as an ORM bulk insert with
  ``render_nulls=True``, so SQLAlchemy sends one statement per batch instead of one per run of
  rows with the same ``None`` columns (about 230 per 500 mixed events). It replaces the whole
  method, so use it for SQLite: on PostgreSQL the repository's ``unnest`` insert is faster.
* ``unnest`` (PostgreSQL): ``add_many`` as one ``INSERT ... SELECT FROM unnest(arrays)`` through
  psycopg directly (the repository does the same through SQLAlchemy since commit f70cd72).
* ``async-deps``: ``api/deps.py``'s three dependencies as ``async def``, called inline instead of
  each taking a trip through the thread pool (4 hops per request become 1).
* ``gc-freeze``: ``gc.freeze()`` once the application has started (after its lifespan
  warm-up), so full collections skip the ~190,000-200,000 objects that imports and the warm-up
  leave (measured: a full collection takes 65-70 ms before, under 0.1 ms after).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from _common import WHAT_IFS
from nextbest.api import deps
from nextbest.domain.event import Event
from nextbest.domain.ids import EventId
from nextbest.settings import Settings
from nextbest.storage import repositories
from nextbest.storage.repositories.events import _to_row_values
from nextbest.storage.tables import EventRow
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "ASYNC_DEPENDENCIES",
    "WHAT_IFS",
    "add_many_render_nulls",
    "add_many_unnest",
    "apply_what_ifs",
    "unnest_insert",
]


def add_many_render_nulls(
    self: repositories.EventRepository, events: Sequence[Event], *, received_at: datetime
) -> set[EventId]:
    """The repository's ``add_many`` with ``render_nulls=True``: one key set, so one statement."""
    if not events:
        return set()
    session: Session = self._session
    session.flush()  # as the repository does: clients added in this unit of work come first
    dialect_insert = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    statement = (
        dialect_insert(EventRow)
        .on_conflict_do_nothing(index_elements=[EventRow.event_id])
        .returning(EventRow.event_id)
        .execution_options(render_nulls=True)
    )
    rows = [_to_row_values(e, received_at) for e in events]
    return {EventId(event_id) for event_id in session.scalars(statement, rows)}


UNNEST_INSERT = """
INSERT INTO events (event_id, client_id, event_type, occurred_at, received_at, session_id,
                    device_type, channel, target_type, target_id, action, context)
SELECT e, c, t, o, %s, s, d, ch, tt, ti, a, ctx
FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::timestamptz[], %s::varchar[],
            %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[],
            %s::jsonb[]) AS u(e, c, t, o, s, d, ch, tt, ti, a, ctx)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""


def unnest_insert(
    connection: Any, events: Sequence[Event], received_at: datetime, *, binary: bool = False
) -> list[str]:
    """PostgreSQL only: the batch as 11 array parameters of one statement (psycopg directly)."""
    columns: list[list[Any]] = [[] for _ in range(11)]
    for e in events:
        values = (
            e.event_id,
            e.client_id,
            e.event_type.value,
            e.occurred_at,
            e.session_id,
            e.device_type,
            None if e.channel is None else e.channel.value,
            e.target_type,
            e.target_id,
            e.action,
            orjson.dumps(e.context).decode(),
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    with connection.cursor() as cursor:
        # binary=True sends the arrays in PostgreSQL's binary format: no per-element quoting.
        cursor.execute(UNNEST_INSERT, [received_at, *columns], binary=binary)
        return [row[0] for row in cursor.fetchall()]


def add_many_unnest(
    self: repositories.EventRepository, events: Sequence[Event], *, received_at: datetime
) -> set[EventId]:
    """The repository's ``add_many`` as one ``INSERT ... SELECT FROM unnest`` (PostgreSQL)."""
    if not events:
        return set()
    session: Session = self._session
    connection = session.connection().connection.driver_connection
    return {EventId(event_id) for event_id in unnest_insert(connection, events, received_at)}


async def settings_inline(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def uow_inline(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.session_factory)


async def now_inline() -> datetime:
    return datetime.now(UTC)


ASYNC_DEPENDENCIES: dict[Callable[..., Any], Callable[..., Any]] = {
    deps._settings: settings_inline,
    deps._uow: uow_inline,
    deps.current_time: now_inline,
}
"""``api/deps.py``'s three dependencies as ``async def``: FastAPI then calls them inline instead
of sending each to the thread pool."""


def apply_what_ifs(app: FastAPI, names: Sequence[str]) -> None:
    """Apply the named fixes to this process and ``app``."""
    unknown = sorted(set(names) - set(WHAT_IFS))
    if unknown:
        raise ValueError(f"unknown what-if(s) {unknown}; known: {', '.join(WHAT_IFS)}")
    if "render-nulls" in names and "unnest" in names:
        raise ValueError("render-nulls and unnest both replace add_many; choose one")
    if "render-nulls" in names:
        repositories.EventRepository.add_many = add_many_render_nulls  # type: ignore[method-assign]
    if "unnest" in names:
        repositories.EventRepository.add_many = add_many_unnest  # type: ignore[method-assign]
    if "async-deps" in names:
        app.dependency_overrides.update(ASYNC_DEPENDENCIES)
    if "gc-freeze" in names:
        started = app.router.lifespan_context

        @asynccontextmanager
        async def frozen_once_started(app: Any) -> AsyncIterator[Any]:
            async with started(app) as state:
                # After the lifespan's warm-up, so what the warm-up imports is frozen too.
                gc.collect()
                gc.freeze()
                yield state

        app.router.lifespan_context = frozen_once_started
