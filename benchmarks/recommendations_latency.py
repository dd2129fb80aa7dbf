"""``GET /v1/clients/{id}/recommendations`` and ``POST .../outcome`` latency over HTTP.

A fresh database gets the demo book (by default 1,000 clients with portfolios and 90 days of
behaviour), its profiles folded and its signals computed, as a nightly ``nextbest signals --all``
would leave them. The book is then cloned in SQL to the requested size (by default 100,000
clients): each clone has its own client, consents, portfolio, accounts, holdings, cached signals
and profile, so every request reads a full client. ``nextbest serve`` runs against it and a load
generator in a second process sends:

1. recommendations for random clients at a fixed rate, open loop (latency from the scheduled
   time, so a slow answer is not hidden by delaying the ones behind it);
2. the same request with as many connections as it takes, closed loop, for the saturation rate;
3. outcomes (VIEWED, ACCEPTED, DISMISSED) for recommendations served in step 1, open loop.

    .venv/bin/python benchmarks/recommendations_latency.py --clients 100000 --rate 200 \\
        --seconds 30 --workers 2
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import queue
import random
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import orjson

from _common import (
    AUTH_HEADERS,
    CpuMeter,
    Request,
    closed_loop,
    cpu_used,
    fresh_database,
    machine_description,
    percentile,
    print_report,
    running_server,
)
from nextbest.cli.demo import store_demo_book
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.signals import recompute_signals
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

# Tables holding one client's data that a clone copies, with their columns named in SQL below.
_CLONED = ("clients", "client_consents", "portfolios", "client_signals", "personalization_profiles")

# (index, scheduled, sent, done, status, body or error)
Record = tuple[int, float, float, float, int, bytes]


def build_book(url: str, *, base: int, clients: int, seed: int) -> dict[str, float]:
    """The demo book, its signals and profiles, cloned to ``clients`` clients."""
    timings: dict[str, float] = {}
    engine = make_engine(url)
    upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    now = datetime.now(UTC)
    started = time.perf_counter()
    book = build_demo_book(clients=base, seed=seed, days=90, as_of=now)
    store_demo_book(book, uow=uow, now=now)
    timings["load_demo_s"] = time.perf_counter() - started
    started = time.perf_counter()
    signals = build_signal_engine(assumptions_file=None, paths=10_000, seed=7)
    recompute_signals([c.client_id for c in book.clients], uow=uow, engine=signals, now=now)
    timings["signals_s"] = time.perf_counter() - started
    started = time.perf_counter()
    copies = -(-clients // base) - 1
    if copies > 0:
        _clone(engine, copies)
    timings["clone_s"] = time.perf_counter() - started
    engine.dispose()
    return timings


def _clone(engine: Any, copies: int) -> None:
    """Copy every client ``copies`` times (ids suffixed ``:n``) in SQL, rows and all."""
    from sqlalchemy import inspect, text

    columns = {
        t: [c["name"] for c in inspect(engine).get_columns(t)]
        for t in (*_CLONED, "accounts", "holdings")
    }
    suffix = "client_id || ':' || g"
    with engine.begin() as connection:
        for table in _CLONED:
            names = ", ".join(columns[table])
            chosen = ", ".join(suffix if c == "client_id" else c for c in columns[table])
            connection.execute(
                text(
                    f"INSERT INTO {table} ({names}) SELECT {chosen} FROM {table} "
                    f"CROSS JOIN generate_series(1, {copies}) AS g "
                    "WHERE position(':' in client_id) = 0"
                )
            )
        account = [c for c in columns["accounts"] if c != "id"]
        connection.execute(
            text(
                f"INSERT INTO accounts ({', '.join(account)}) SELECT "
                + ", ".join(suffix if c == "client_id" else c for c in account)
                + f" FROM accounts CROSS JOIN generate_series(1, {copies}) AS g"
                " WHERE position(':' in client_id) = 0"
            )
        )
        holding = [c for c in columns["holdings"] if c not in ("id", "account_pk")]
        connection.execute(
            text(
                f"INSERT INTO holdings (account_pk, {', '.join(holding)}) SELECT copy.id, "
                + ", ".join(f"h.{c}" for c in holding)
                + " FROM holdings h JOIN accounts a ON a.id = h.account_pk"
                " JOIN accounts copy ON copy.account_id = a.account_id"
                " AND copy.client_id LIKE a.client_id || ':%'"
                " WHERE position(':' in a.client_id) = 0"
            )
        )
        connection.execute(text("ANALYZE"))


def _client_ids(engine_url: str) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(engine_url)
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT client_id FROM clients"))]
    engine.dispose()
    return ids


def _worker(
    port: int,
    requests: list[Request],
    due: queue.SimpleQueue[tuple[int, float] | None],
    records: list[Record],
) -> None:
    headers = {"content-type": "application/json", **AUTH_HEADERS}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        while (item := due.get()) is not None:
            index, scheduled = item
            method, path, body = requests[index]
            sent = time.perf_counter()
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                records.append(
                    (index, scheduled, sent, time.perf_counter(), 0, repr(error).encode())
                )
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            records.append((index, scheduled, sent, time.perf_counter(), response.status, answer))
    finally:
        connection.close()


def _open_loop(
    port: int, requests: list[Request], rate: float, connections: int
) -> tuple[list[Record], float]:
    sys.setswitchinterval(0.0005)
    due: queue.SimpleQueue[tuple[int, float] | None] = queue.SimpleQueue()
    records: list[Record] = []
    threads = [
        threading.Thread(target=_worker, args=(port, requests, due, records), daemon=True)
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.05
    for index in range(len(requests)):
        pause = start + index / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put((index, start + index / rate))
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join(timeout=60)
    return records, start


def _summary(records: list[Record], skip: int, ok_status: int) -> dict[str, Any]:
    measured = [r for r in records if r[0] >= skip]
    ok = [r for r in measured if r[4] == ok_status]
    latency = [(r[3] - r[1]) * 1000 for r in ok]
    service = [(r[3] - r[2]) * 1000 for r in ok]
    failed = [r for r in measured if r[4] != ok_status]
    if failed:
        print(f"first error: HTTP {failed[0][4]} {failed[0][5][:300]!r}", file=sys.stderr)
    return {
        "requests": len(measured),
        "ok": len(ok),
        "errors": len(measured) - len(ok),
        "p50_ms": round(percentile(latency, 0.5), 2),
        "p90_ms": round(percentile(latency, 0.9), 2),
        "p99_ms": round(percentile(latency, 0.99), 2),
        "max_ms": round(max(latency, default=float("nan")), 2),
        "service_p50_ms": round(percentile(service, 0.5), 2),
        "service_p99_ms": round(percentile(service, 0.99), 2),
    }


def generate(
    port: int,
    meter: CpuMeter,
    ids: list[str],
    args: dict[str, Any],
    results: multiprocessing.Queue[dict[str, Any]],
) -> None:
    """The load generator, in its own process."""
    rng = random.Random(2026)
    rate, seconds, warmup = args["rate"], args["seconds"], args["warmup"]
    count = int(rate * (warmup + seconds))
    gets: list[Request] = [
        ("GET", f"/v1/clients/{rng.choice(ids)}/recommendations?limit=3", None)
        for _ in range(count)
    ]
    report: dict[str, Any] = {}
    cpu_before = meter.read()
    records, _ = _open_loop(port, gets, rate, args["connections"])
    report["recommendations"] = _summary(records, int(rate * warmup), 200)
    report["cpu_recommendations"] = cpu_used(cpu_before, meter.read())
    served = [
        item["recommendation_id"]
        for r in records
        if r[4] == 200
        for item in orjson.loads(r[5])["recommendations"]
    ]
    served = list(dict.fromkeys(served))  # an open suggestion is served again under its id
    rng.shuffle(served)
    saturation = closed_loop(port, gets, args["saturation_connections"], args["saturation_seconds"])
    report["saturation_rps"] = round(saturation, 1)
    outcomes: list[Request] = [
        (
            "POST",
            f"/v1/recommendations/{rid}/outcome",
            orjson.dumps({"status": rng.choice(("VIEWED", "ACCEPTED", "DISMISSED"))}),
        )
        for rid in served[: int(rate * (warmup + seconds))]
    ]
    cpu_before = meter.read()
    records, _ = _open_loop(port, outcomes, rate, args["connections"])
    report["outcomes"] = _summary(records, int(rate * warmup), 200)
    report["cpu_outcomes"] = cpu_used(cpu_before, meter.read())
    results.put(report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=1_000, help="demo clients before cloning")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--saturation-connections", type=int, default=8)
    parser.add_argument("--saturation-seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    args = parser.parse_args(argv)
    with fresh_database("postgresql") as database:
        machine = machine_description(database)
        timings = build_book(database.url, base=args.base, clients=args.clients, seed=7)
        ids = _client_ids(database.url)
        with running_server(database, workers=args.workers) as server:
            context = multiprocessing.get_context("spawn")
            results: multiprocessing.Queue[dict[str, Any]] = context.Queue()
            generator = context.Process(
                target=generate,
                args=(
                    server.port,
                    CpuMeter(server.process.pid, database.name, os.getpid()),
                    ids,
                    {
                        "rate": args.rate,
                        "seconds": args.seconds,
                        "warmup": args.warmup,
                        "connections": args.connections,
                        "saturation_connections": args.saturation_connections,
                        "saturation_seconds": args.saturation_seconds,
                    },
                    results,
                ),
            )
            generator.start()
            try:
                report = results.get(timeout=3 * (args.seconds + args.warmup) + 300)
            finally:
                generator.join(timeout=10)
    figures: dict[str, Any] = {
        "clients": len(ids),
        "server_workers": args.workers,
        "rate": args.rate,
        "seconds": args.seconds,
        **{key: round(value, 1) for key, value in timings.items()},
        **{f"recs_{k}": v for k, v in report["recommendations"].items()},
        "recs_saturation_rps": report["saturation_rps"],
        **{f"outcome_{k}": v for k, v in report["outcomes"].items()},
        **{f"cpu_recs_{k}_s": v for k, v in report["cpu_recommendations"].items()},
        **{f"cpu_outcomes_{k}_s": v for k, v in report["cpu_outcomes"].items()},
        # The same number of each; the outcome path is the control: this VM's speed moves by up
        # to a third between runs, and the ratio cancels it when two versions are compared.
        **{
            f"cpu_recs_per_outcome_{k}": round(
                report["cpu_recommendations"][k] / report["cpu_outcomes"][k], 2
            )
            for k in ("server", "postgres")
            if report["cpu_outcomes"].get(k)
        },
    }
    print_report("recommendations_latency", machine, figures)
    return 0 if not report["recommendations"]["errors"] and not report["outcomes"]["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
