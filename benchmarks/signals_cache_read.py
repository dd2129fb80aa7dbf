"""Reading a client's signals from the cache: ``client_signals`` when nothing changed today.

Stores a small demo book (securities, clients, portfolios) in a fresh SQLite file or a
PostgreSQL database created for the run and dropped after it, computes every client's signals
once, then times N ``client_signals(...)`` calls over random clients, in-process through the
real ``UnitOfWork`` (one session per read, as the API does), with the same ``now`` so every
read is a cache hit; it checks that every one was ``from_cache=True``. Target: p99 <= 1 ms.

When the target is missed (or with ``--profile``) it also profiles the read with cProfile and
times its parts on their own — session and connection, the probe query, the securities-version
query, JSON decoding, ``candidate_from_json`` and the inputs key — to show where the time goes.

    .venv/bin/python benchmarks/signals_cache_read.py --reads 5000
    .venv/bin/python benchmarks/signals_cache_read.py --reads 5000 --database postgresql
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, select, text

from _common import StallMonitor, machine_description, percentile, print_report
from _signals_common import migrate, signals_database, store_book
from nextbest.domain.ids import ClientId
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.signals import SignalEngine, client_signals, inputs_key, recompute_signals
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.candidate_codec import candidate_from_json
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.tables import ClientRow, PortfolioRow, SignalCacheRow
from nextbest.storage.unit_of_work import UnitOfWork

TARGET_P99_MS = 1.0
WARM_UP_READS = 200
PART_READS = 1_000


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _timed(calls: Sequence[Any], action: Callable[[Any], object]) -> list[float]:
    times: list[float] = []
    for argument in calls:
        started = time.perf_counter()
        action(argument)
        times.append(time.perf_counter() - started)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": _ms(percentile(times, 0.50)),
        "p99_ms": _ms(percentile(times, 0.99)),
        "mean_ms": _ms(sum(times) / len(times)),
    }


def time_parts(
    uow: UnitOfWork, engine: Engine, signal_engine: SignalEngine, clients: Sequence[ClientId]
) -> dict[str, dict[str, float]]:
    """Each part of a cached read, timed on its own over ``clients``."""
    parts: dict[str, list[float]] = {}

    def session_only(_client: ClientId) -> None:
        with uow:
            uow.ping()  # a session, a pooled connection, one round trip, rollback, close

    parts["session + SELECT 1"] = _timed(clients, session_only)

    with uow:
        session = uow.session
        session.execute(text("SELECT 1"))

        def join_query(client: ClientId) -> None:
            session.execute(
                select(ClientRow.updated_at, PortfolioRow.updated_at, SignalCacheRow)
                .select_from(ClientRow)
                .outerjoin(PortfolioRow, PortfolioRow.client_id == ClientRow.client_id)
                .outerjoin(SignalCacheRow, SignalCacheRow.client_id == ClientRow.client_id)
                .where(ClientRow.client_id == client)
            ).one_or_none()
            session.expunge_all()  # as a fresh session would: no identity-map hits

        parts["probe join query (ORM row, JSON decoded)"] = _timed(clients, join_query)

        def join_columns(client: ClientId) -> None:
            session.execute(
                select(ClientRow.updated_at, PortfolioRow.updated_at, SignalCacheRow.inputs_key)
                .select_from(ClientRow)
                .outerjoin(PortfolioRow, PortfolioRow.client_id == ClientRow.client_id)
                .outerjoin(SignalCacheRow, SignalCacheRow.client_id == ClientRow.client_id)
                .where(ClientRow.client_id == client)
            ).one_or_none()

        parts["same join, key columns only (no JSON)"] = _timed(clients, join_columns)
        parts["securities_version query"] = _timed(
            clients, lambda _c: uow.signals.securities_version()
        )

        def probe(client: ClientId) -> None:
            uow.signals.probe(client)
            session.expunge_all()

        parts["probe() in an open session"] = _timed(clients, probe)
        probes = {c: uow.signals.probe(c) for c in set(clients)}

    raw_sql = (
        "SELECT client_id, candidates FROM client_signals"
        if engine.dialect.name == "sqlite"
        else "SELECT client_id, candidates::text FROM client_signals"
    )
    with engine.connect() as connection:
        raw = {row[0]: row[1] for row in connection.execute(text(raw_sql))}
    texts = [raw[c] for c in clients]
    decoded = [json.loads(t) for t in texts]
    parts["json.loads of the candidates"] = _timed(texts, json.loads)
    parts["candidate_from_json, all of a client's"] = _timed(
        decoded, lambda items: tuple(candidate_from_json(item) for item in items)
    )
    versions = [probes[c][0] for c in clients if probes[c] is not None]  # type: ignore[index]
    parts["inputs_key (fingerprint + sha256)"] = _timed(
        versions, lambda v: inputs_key(v, signal_engine)
    )
    parts["engine.fingerprint() alone"] = _timed(versions, lambda _v: signal_engine.fingerprint())
    return {name: _summary(times) for name, times in parts.items()}


def cache_sizes(engine: Engine) -> tuple[float, float]:
    """Mean candidates per cached client, and mean bytes of their JSON."""
    if engine.dialect.name == "sqlite":
        sql = "SELECT avg(json_array_length(candidates)), avg(length(candidates))"
    else:
        sql = "SELECT avg(jsonb_array_length(candidates::jsonb)), avg(length(candidates))"
    with engine.connect() as connection:
        count, size = connection.execute(text(f"{sql} FROM client_signals")).one()
    return round(float(count), 1), round(float(size))


def database_calls(
    engine: Engine, read: Callable[[ClientId], object], clients: Sequence[ClientId]
) -> dict[str, float]:
    """What one cached read asks of the database, per read: statements, BEGINs, ROLLBACKs.

    PostgreSQL also gets the pool's pre-ping on every checkout (``pool_pre_ping``), which these
    events do not see; it is reported as a flag. On SQLite nothing goes over a network, so only
    the statements cost much.
    """
    counts = {"statements": 0, "begins": 0, "rollbacks": 0, "checkouts": 0}

    def statement(*_args: object) -> None:
        counts["statements"] += 1

    def begin(*_args: object) -> None:
        counts["begins"] += 1

    def rollback(*_args: object) -> None:
        counts["rollbacks"] += 1

    def checkout(*_args: object) -> None:
        counts["checkouts"] += 1

    listeners: list[tuple[Any, str, Callable[..., None]]] = [
        (engine, "before_cursor_execute", statement),
        (engine, "begin", begin),
        (engine, "rollback", rollback),
        (engine.pool, "checkout", checkout),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        for client in clients:
            read(client)
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
    per_read: dict[str, float] = {k: round(v / len(clients), 2) for k, v in counts.items()}
    pre_ping = bool(getattr(engine.pool, "_pre_ping", False))
    per_read["pool_pre_ping"] = pre_ping
    if engine.dialect.name != "sqlite":
        # BEGIN and ROLLBACK are round trips of their own on PostgreSQL (psycopg sends them).
        per_read["round_trips"] = round(
            per_read["statements"]
            + per_read["begins"]
            + per_read["rollbacks"]
            + (per_read["checkouts"] if pre_ping else 0),
            2,
        )
    return per_read


def profile_reads(read: Callable[[ClientId], object], clients: Sequence[ClientId]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for client in clients:
        read(client)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=300, help="clients in the book")
    parser.add_argument("--reads", type=int, default=5_000, help="timed cached reads")
    parser.add_argument("--seed", type=int, default=7, help="the demo book's seed")
    parser.add_argument("--paths", type=int, default=10_000, help="Monte Carlo paths per goal")
    parser.add_argument(
        "--stall-monitor",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="count machine stalls while timing; off by default, since its thread wakes every "
        "1 ms and takes the GIL from the sub-millisecond reads it would be timing",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the read even when the target is met"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=120,
        help="stop timing after this long, with the reads done so far (default 120)",
    )
    args = parser.parse_args(argv)

    now = datetime.now(UTC)
    book = build_demo_book(clients=args.clients, seed=args.seed, days=1, as_of=now)
    signal_engine = build_signal_engine(assumptions_file=None, paths=args.paths, seed=7)
    ids = [client.client_id for client in book.clients]

    with signals_database(args.database) as database:
        migrate(database.url)
        store_book(book, url=database.url, now=now)
        engine = make_engine(database.url)
        try:
            uow = UnitOfWork(make_session_factory(engine))
            started = time.perf_counter()
            computed = recompute_signals(ids, uow=uow, engine=signal_engine, now=now)
            compute_seconds = time.perf_counter() - started
            cache_shape = cache_sizes(engine)
            print(
                f"stored {len(ids):,} clients in {database.version}; computed their signals in "
                f"{compute_seconds:.1f} s",
                flush=True,
            )

            rng = random.Random(args.seed)
            order = [rng.choice(ids) for _ in range(args.reads)]
            missed: list[ClientId] = []

            def read(client_id: ClientId) -> object:
                report = client_signals(client_id, uow=uow, engine=signal_engine, now=now)
                if not report.from_cache:
                    missed.append(client_id)
                return report

            for client_id in ids[:WARM_UP_READS]:
                read(client_id)
            missed_before = len(missed)

            load_before = os.getloadavg()
            deadline = time.perf_counter() + args.max_seconds
            times: list[float] = []
            with StallMonitor() if args.stall_monitor else nullcontext() as stalls:
                timing_started = time.perf_counter()
                for client_id in order:
                    if time.perf_counter() > deadline:
                        break
                    started = time.perf_counter()
                    read(client_id)
                    times.append(time.perf_counter() - started)
                timing_ended = time.perf_counter()
            timed_missed = len(missed) - missed_before

            p99 = percentile(times, 0.99)
            missed_target = p99 * 1000 > TARGET_P99_MS
            parts: dict[str, dict[str, float]] = {}
            calls: dict[str, float] = {}
            profile = ""
            if missed_target or args.profile:
                sample = order[:PART_READS]
                calls = database_calls(engine, read, sample[:100])
                parts = time_parts(uow, engine, signal_engine, sample)
                profile = profile_reads(read, sample)
            machine = machine_description(database)
        finally:
            engine.dispose()

    figures: dict[str, object] = {
        "clients": len(ids),
        "computed": computed,
        "candidates_per_client": cache_shape[0],
        "candidates_json_bytes_per_client": cache_shape[1],
        "reads": len(times),
        "from_cache": len(times) - timed_missed,
        "all_from_cache": not missed,
        "p50_ms": _ms(percentile(times, 0.50)),
        "p90_ms": _ms(percentile(times, 0.90)),
        "p99_ms": _ms(p99),
        "max_ms": _ms(max(times)),
        "mean_ms": _ms(sum(times) / len(times)),
        "reads_per_s": round(len(times) / sum(times), 1),
        "target_p99_ms": TARGET_P99_MS,
        "target_met": not missed_target,
        "load_avg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        **(stalls.summary(timing_started, timing_ended) if stalls is not None else {}),
    }
    if parts:
        print(f"\nthe parts of a cached read, each timed on its own over {len(sample)} clients:")
        for name, summary in parts.items():
            print(f"  {name:<44} p50 {summary['p50_ms']:7.3f} ms   p99 {summary['p99_ms']:7.3f} ms")
        figures["parts"] = parts
    if calls:
        print(f"\nper cached read, from the database: {calls}")
        figures["database_calls_per_read"] = calls
    if profile:
        print(f"\ncProfile of {len(sample)} cached reads:\n{profile}")
    print_report(f"signals_cache_read ({database.kind})", machine, figures)
    if missed:
        print(f"{len(missed)} reads were not from the cache", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
