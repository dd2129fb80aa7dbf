"""Where an ingestion request spends its time: stage timings and a cProfile, in one process.

Runs the real application in-process (no uvicorn, no network) against a fresh database and
times each stage of ``POST /v1/events`` on its own: JSON parsing, pydantic validation in
``parse_batch``, the client lookup, the ``INSERT``, the commit, and the whole request through
the ASGI app (middleware, routing, dependencies, thread hops, response). It counts database
round trips and thread hops per request and the time spent in the garbage collector, times a
few alternatives for the largest stages so that a suggestion comes with a measured figure, and
prints a cProfile of whole requests (with the route's thread hop run inline so the profiler
sees the database work too).

    .venv/bin/python benchmarks/profile_ingest.py --database postgresql --batches 40

Only this process is patched (timing and counting wrappers, the alternatives); nothing under
``src/`` changes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
import orjson
from pydantic import TypeAdapter
from sqlalchemy import Engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from _common import client_body, client_ids, fresh_database, machine_description, print_report
from _events import make_event
from _what_if import (
    ASYNC_DEPENDENCIES,
    add_many_render_nulls,
    add_many_unnest,
    unnest_insert,
)
from nextbest.api.app import create_app
from nextbest.api.routes import events as events_route
from nextbest.api.schemas.events import EventBatchIn, EventIn
from nextbest.domain.event import Event
from nextbest.domain.ids import EventId
from nextbest.services.ingest import ingest_events
from nextbest.settings import Settings
from nextbest.storage import repositories
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.repositories.events import _to_row_values
from nextbest.storage.tables import EventRow
from nextbest.storage.unit_of_work import UnitOfWork

PROFILE_DATABASE = "nextbest_profile"
"""Not the benchmarks' database, so this can run while they do (though it should not)."""

Asgi = Callable[..., Any]


AUTHORIZATION: list[tuple[bytes, bytes]] = []
"""The ``authorization`` header of a key created for the run (the API needs one)."""


def _key(engine: Engine) -> str:
    from datetime import UTC, datetime, timedelta

    from nextbest.security.keys import issue_key
    from nextbest.security.roles import ALL_ROLES
    from nextbest.storage.database import make_session_factory
    from nextbest.storage.unit_of_work import UnitOfWork

    now = datetime.now(UTC)
    issued = issue_key("benchmark", ALL_ROLES, now=now, expires_at=now + timedelta(days=1))
    with UnitOfWork(make_session_factory(engine)) as uow:
        uow.keys.add(issued.record)
        uow.commit()
    return issued.key


async def call(app: Asgi, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    """One request through the ASGI app, as uvicorn would make it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *AUTHORIZATION,
        ],
        "client": ("127.0.0.1", 50_000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def run_requests(app: Asgi, path: str, bodies: Sequence[bytes], expect: int) -> list[float]:
    """Requests one after another in one event loop (as uvicorn runs them); seconds each."""
    times: list[float] = []
    for body in bodies:
        started = time.perf_counter()
        status, answer = await call(app, "POST", path, body)
        times.append(time.perf_counter() - started)
        if status != expect:
            raise RuntimeError(f"HTTP {status}: {answer[:300]!r}")
    return times


class Stopwatch:
    """Seconds spent per named stage, and counts of things, summed over calls."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}
        self.counts: dict[str, int] = {}

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - started)

        setattr(owner, name, timed)

    def count_calls(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[label] = self.counts.get(label, 0) + 1
            return original(*args, **kwargs)

        setattr(owner, name, counted)

    def add(self, label: str, seconds: float) -> None:
        self.totals.setdefault(label, []).append(seconds)

    def mean_ms(self, label: str) -> float:
        values = self.totals.get(label, [])
        return statistics.fmean(values) * 1000 if values else float("nan")

    def means(self, digits: int = 2) -> dict[str, float]:
        return {label: round(self.mean_ms(label), digits) for label in sorted(self.totals)}

    def per(self, requests: int) -> dict[str, float]:
        return {label: round(n / requests, 2) for label, n in sorted(self.counts.items())}

    def reset(self) -> None:
        self.totals.clear()
        self.counts.clear()


@contextmanager
def gc_clock() -> Iterator[list[float]]:
    """Seconds spent in the cyclic garbage collector while the block runs: ``[total, runs]``."""
    spent = [0.0, 0.0]
    started = [0.0]

    def callback(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]
            spent[1] += 1

    gc.callbacks.append(callback)
    try:
        yield spent
    finally:
        gc.callbacks.remove(callback)


def batch_bodies(count: int, size: int, clients: list[str], seed: int) -> list[bytes]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    return [
        orjson.dumps(
            {
                "events": [
                    make_event(rng, f"{tag}-{b:05d}-{i:04d}", clients, now) for i in range(size)
                ]
            }
        )
        for b in range(count)
    ]


def single_bodies(count: int, clients: list[str], seed: int) -> list[bytes]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    return [orjson.dumps(make_event(rng, f"{tag}-{i:07d}", clients, now)) for i in range(count)]


def time_stages(bodies: list[bytes], session_factory: Any, watch: Stopwatch, *, limit: int) -> None:
    """Each stage of the route, called directly in the order the route calls them."""
    for body in bodies:
        started = time.perf_counter()
        payload = orjson.loads(body)
        parsed = time.perf_counter()
        items = payload["events"] if "events" in payload else [payload]
        events, rejections = events_route.parse_batch(items, max_context_bytes=limit)
        validated = time.perf_counter()
        report = ingest_events(
            events,
            received=len(items),
            uow=UnitOfWork(session_factory),
            now=datetime.now(UTC),
            max_clock_skew=timedelta(seconds=300),
            rejected=rejections,
        )
        ingested = time.perf_counter()
        events_route._out(report, "batch", events).model_dump_json()
        answered = time.perf_counter()
        assert len(report.stored) == len(items), report
        watch.add("1 orjson.loads(body)", parsed - started)
        watch.add("2 parse_batch (pydantic + to_domain)", validated - parsed)
        watch.add("3 ingest_events (total)", ingested - validated)
        watch.add("4 EventsOut build + dump", answered - ingested)


def add_many_orm(session: Session, events: Sequence[Event], *, received_at: datetime) -> list[str]:
    """``add_many`` as the first version wrote it (an ORM bulk insert), to compare against."""
    dialect_insert = postgresql.insert if engine_name(session) == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(EventRow)
        .on_conflict_do_nothing(index_elements=[EventRow.event_id])
        .returning(EventRow.event_id)
    )
    return list(session.scalars(statement, [_to_row_values(e, received_at) for e in events]))


def engine_name(session: Session) -> str:
    return session.get_bind().dialect.name


def time_alternatives(
    bodies: list[bytes], engine: Engine, session_factory: Any, watch: Stopwatch, *, limit: int
) -> None:
    """Measured alternatives for validation and for the insert (none of them is in src/)."""
    one = TypeAdapter(EventIn)
    many = TypeAdapter(list[EventIn])
    batch = TypeAdapter(EventBatchIn)
    context = {"max_context_bytes": limit}
    for body in bodies:
        items = orjson.loads(body)["events"]
        started = time.perf_counter()
        events_route.parse_batch(items, max_context_bytes=limit)
        watch.add("validate: parse_batch as the route does", time.perf_counter() - started)
        started = time.perf_counter()
        for item in items:
            one.validate_python(item, context=context)
        watch.add("validate: per item, without to_domain", time.perf_counter() - started)
        started = time.perf_counter()
        many.validate_python(items, context=context)
        watch.add("validate: list[EventIn] in one call", time.perf_counter() - started)
        started = time.perf_counter()
        batch.validate_json(body, context=context)
        watch.add("validate: EventBatchIn.validate_json(bytes)", time.perf_counter() - started)

    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        statements[0] += 1

    def insert_variant(index: int, events: list[Event], now: datetime) -> tuple[str, int]:
        variant = index % (6 if engine.dialect.name == "postgresql" else 4)
        session = session_factory()
        try:
            if variant == 0:
                label = "insert: the repository's add_many, as committed"
                started = time.perf_counter()
                stored = len(
                    repositories.EventRepository(session).add_many(events, received_at=now)
                )
            elif variant == 3:
                label = "insert: ORM bulk insert, rows' None keys dropped (the first version)"
                started = time.perf_counter()
                stored = len(add_many_orm(session, events, received_at=now))
            elif variant == 1:
                label = "insert: ORM bulk with render_nulls=True"
                started = time.perf_counter()
                stored = len(
                    add_many_render_nulls(
                        repositories.EventRepository(session), events, received_at=now
                    )
                )
            elif variant == 2:
                label = "insert: Core insert(EventRow.__table__)"
                dialect_insert = (
                    postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
                )
                statement = (
                    dialect_insert(EventRow.__table__)
                    .on_conflict_do_nothing(index_elements=["event_id"])
                    .returning(EventRow.__table__.c.event_id)
                )
                started = time.perf_counter()
                rows = [_to_row_values(e, now) for e in events]
                stored = len(session.execute(statement, rows).scalars().all())
            elif variant == 5:
                label = "insert: psycopg directly, unnest, arrays sent in binary"
                connection = session.connection().connection.driver_connection
                started = time.perf_counter()
                stored = len(unnest_insert(connection, events, now, binary=True))
            else:
                label = "insert: psycopg directly, one INSERT ... SELECT FROM unnest(arrays)"
                connection = session.connection().connection.driver_connection
                started = time.perf_counter()
                stored = len(unnest_insert(connection, events, now))
            watch.add(label, time.perf_counter() - started)
            session.commit()
        finally:
            session.close()
        assert stored == len(events), (label, stored)
        return label, statements[0]

    now = datetime.now(UTC)
    for index, body in enumerate(bodies):
        fresh = body.replace(b'"event_id":"', b'"event_id":"alt-')
        items = orjson.loads(fresh)["events"]
        events = [events_route.parse_event(item, max_context_bytes=limit) for item in items]
        started = time.perf_counter()
        [_to_row_values(e, now) for e in events]
        watch.add("insert: building the row dicts alone", time.perf_counter() - started)
        before = statements[0]
        label, after = insert_variant(index, events, now)
        watch.counts[f"statements/batch, {label}"] = after - before

    # The client lookup: an expanding IN of every distinct id, as the repository does it, and
    # (PostgreSQL) one array parameter, whose statement text is the same for every batch.
    session = session_factory()
    any_lookup = text(
        "SELECT client_id FROM clients WHERE client_id = ANY(CAST(:ids AS varchar[]))"
    )
    try:
        for body in bodies:
            wanted = {item["client_id"] for item in orjson.loads(body)["events"]}
            started = time.perf_counter()
            found = repositories.ClientRepository(session).existing(wanted)
            watch.add(
                "lookup: clients.existing (IN of the distinct ids)", time.perf_counter() - started
            )
            if engine.dialect.name == "postgresql":
                started = time.perf_counter()
                same = set(session.scalars(any_lookup, {"ids": sorted(wanted)}))
                watch.add("lookup: = ANY(one array parameter)", time.perf_counter() - started)
                assert same == found
    finally:
        session.close()


def full_collection() -> dict[str, Any]:
    """What one full (generation 2) collection costs in this process, before and after
    ``gc.freeze()`` moves everything alive now out of the collector's sight."""

    def fastest_ms() -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            gc.collect()
            times.append(time.perf_counter() - started)
        return round(min(times) * 1000, 1)

    tracked = len(gc.get_objects())
    before = fastest_ms()
    gc.freeze()
    try:
        after = fastest_ms()
    finally:
        gc.unfreeze()
    return {"tracked_objects": tracked, "ms": before, "ms_after_gc_freeze": after}


def thread_hop_ms(rounds: int = 2_000) -> float:
    """The mean cost of one ``run_in_threadpool`` round trip with nothing to do."""

    async def hops() -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            await anyio.to_thread.run_sync(int)
        return (time.perf_counter() - started) / rounds * 1000

    return asyncio.run(hops())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--batches", type=int, default=60, help="batches per measurement")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--singles", type=int, default=2_000, help="single-event requests")
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--top", type=int, default=30, help="cProfile rows to print")
    args = parser.parse_args(argv)

    with fresh_database(args.database, PROFILE_DATABASE) as database:
        machine = machine_description(database)
        migrating = make_engine(database.url)
        upgrade(migrating)
        AUTHORIZATION.append((b"authorization", f"Bearer {_key(migrating)}".encode()))
        migrating.dispose()
        settings = Settings(  # the rate limiter is not what this profiles
            database_url=database.url,
            log={"level": "WARNING"},  # type: ignore[arg-type]
            security={"rate_limit_per_second": 1e9, "rate_limit_burst": 10**9},  # type: ignore[arg-type]
        )
        app = create_app(settings)
        # The application's own engine and sessions (pool_pre_ping and all), so the direct stage
        # calls make the same round trips as the route.
        engine: Engine = app.state.engine
        session_factory = app.state.session_factory
        limit = settings.ingest.max_context_bytes
        ids = client_ids(args.clients)
        loop = asyncio.new_event_loop()
        # Start the application as uvicorn does (its lifespan warms up whatever it warms up), so
        # the heap the garbage collector walks is the server's.
        lifespan = app.router.lifespan_context(app)
        loop.run_until_complete(lifespan.__aenter__())

        async def put_clients() -> None:
            for client_id in ids:
                status, answer = await call(
                    app, "PUT", f"/v1/clients/{client_id}", client_body(client_id)
                )
                assert status in (200, 201), answer

        loop.run_until_complete(put_clients())

        watch = Stopwatch()
        watch.wrap(repositories.ClientRepository, "existing", "3a clients.existing (SELECT)")
        watch.wrap(repositories.EventRepository, "add_many", "3b events.add_many (INSERT)")
        watch.wrap(UnitOfWork, "commit", "3c commit")
        if engine.dialect.name == "postgresql":
            import psycopg

            watch.count_calls(psycopg.Connection, "wait", "database round trips")
        watch.count_calls(anyio.to_thread, "run_sync", "thread hops")

        # Warm up caches (SQLAlchemy statement cache, pydantic, connection pool, thread pool).
        time_stages(batch_bodies(3, args.batch, ids, 1), session_factory, watch, limit=limit)
        loop.run_until_complete(
            run_requests(app, "/v1/events", batch_bodies(3, args.batch, ids, 2), 200)
        )
        watch.reset()

        time_stages(
            batch_bodies(args.batches, args.batch, ids, 3), session_factory, watch, limit=limit
        )
        stages = watch.means()
        watch.reset()

        bodies = batch_bodies(args.batches, args.batch, ids, 4)
        with gc_clock() as collected:
            times = loop.run_until_complete(run_requests(app, "/v1/events", bodies, 200))
        whole = {
            "mean_ms": round(statistics.fmean(times) * 1000, 2),
            "gc_ms_per_request": round(collected[0] / len(bodies) * 1000, 2),
            **watch.per(len(bodies)),
        }
        watch.reset()

        # The same whole requests with add_many replaced: what the suggested fixes would give.
        original_add_many = repositories.EventRepository.add_many
        what_ifs: dict[str, Callable[..., set[EventId]]] = {"render_nulls": add_many_render_nulls}
        if engine.dialect.name == "postgresql":
            what_ifs["unnest_through_psycopg"] = add_many_unnest
        batch_what_if: dict[str, Any] = {}
        for seed, (name, replacement) in enumerate(what_ifs.items(), start=10):
            repositories.EventRepository.add_many = replacement  # type: ignore[method-assign]
            bodies = batch_bodies(args.batches, args.batch, ids, seed)
            times = loop.run_until_complete(run_requests(app, "/v1/events", bodies, 200))
            batch_what_if[name] = {
                "mean_ms": round(statistics.fmean(times) * 1000, 2),
                **watch.per(len(bodies)),
            }
            watch.reset()
        repositories.EventRepository.add_many = original_add_many  # type: ignore[method-assign]

        time_alternatives(
            batch_bodies(args.batches, args.batch, ids, 5),
            engine,
            session_factory,
            watch,
            limit=limit,
        )
        alternatives = {
            label: value
            for label, value in watch.means().items()
            if label.startswith(("insert:", "validate:", "lookup:"))
        }
        statements_per_batch = dict(watch.counts)
        watch.reset()

        # Single events: whole requests, then their stages.
        singles = single_bodies(args.singles, ids, 6)
        with gc_clock() as collected:
            single_times = loop.run_until_complete(run_requests(app, "/v1/events", singles, 201))
        single_whole = {
            "p50_ms": round(statistics.median(single_times) * 1000, 3),
            "mean_ms": round(statistics.fmean(single_times) * 1000, 3),
            "p99_ms": round(sorted(single_times)[int(len(single_times) * 0.99)] * 1000, 3),
            "gc_ms_per_request": round(collected[0] / len(singles) * 1000, 4),
            **watch.per(len(singles)),
        }
        watch.reset()
        single_what_if: dict[str, Any] = {}
        no_ping = make_session_factory(make_engine(database.url, pool_pre_ping=False))
        for seed, (name, overrides, factory) in enumerate(
            (
                ("async_dependencies", ASYNC_DEPENDENCIES, session_factory),
                ("no_pool_pre_ping", {}, no_ping),
                ("both", ASYNC_DEPENDENCIES, no_ping),
            ),
            start=20,
        ):
            app.dependency_overrides = dict(overrides)
            app.state.session_factory = factory
            bodies = single_bodies(args.singles, ids, seed)
            times = loop.run_until_complete(run_requests(app, "/v1/events", bodies, 201))
            single_what_if[name] = {
                "p50_ms": round(statistics.median(times) * 1000, 3),
                "mean_ms": round(statistics.fmean(times) * 1000, 3),
                **watch.per(len(bodies)),
            }
            watch.reset()
        app.dependency_overrides = {}
        app.state.session_factory = session_factory
        no_ping.kw["bind"].dispose()
        time_stages(single_bodies(args.singles, ids, 7), session_factory, watch, limit=limit)
        single_stages = watch.means(3)
        watch.reset()
        hop = thread_hop_ms()

        # cProfile of whole requests, with the route's thread hop run inline so it is profiled.
        async def inline(func: Callable[..., Any], *a: Any, **k: Any) -> Any:
            return func(*a, **k)

        events_route.run_in_threadpool = inline  # type: ignore[assignment]
        profiles: dict[str, cProfile.Profile] = {}
        for title, bodies, expect in (
            ("batch requests", batch_bodies(max(10, args.batches // 2), args.batch, ids, 8), 200),
            ("single-event requests", single_bodies(args.singles // 2, ids, 9), 201),
        ):
            profiles[title] = profiler = cProfile.Profile()
            profiler.enable()
            loop.run_until_complete(run_requests(app, "/v1/events", bodies, expect))
            profiler.disable()
        with engine.connect() as connection:
            rows_in_db = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
        collection = full_collection()
        loop.run_until_complete(lifespan.__aexit__(None, None, None))
        loop.close()
        engine.dispose()

    figures: dict[str, Any] = {
        "database_kind": args.database,
        "batch": args.batch,
        "batches": args.batches,
        "batch_stage_ms": stages,
        "batch_whole_request_in_process": whole,
        "batch_whole_request_what_if": batch_what_if,
        "batch_alternatives_ms": alternatives,
        "batch_statements": statements_per_batch,
        "single_whole_request_in_process": single_whole,
        "single_whole_request_what_if": single_what_if,
        "single_stage_ms": single_stages,
        "thread_hop_ms": round(hop, 3),
        "gc_full_collection": collection,
        "rows_in_db": rows_in_db,
    }
    print_report("profile_ingest", machine, figures)
    for title, profiler in profiles.items():
        for order in ("tottime", "cumulative"):
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(args.top)
            print(f"\n== cProfile, {title}, by {order} ==")
            print(stream.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
