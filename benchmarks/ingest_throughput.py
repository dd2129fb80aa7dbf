"""Batch ingestion throughput: how many events per second ``POST /v1/events`` stores.

Starts ``nextbest serve`` against a fresh database, creates the clients through the API, then a
load generator in a second process posts pre-serialised batches over a few keep-alive
connections (stdlib ``http.client``, one thread per connection) until every event is sent or
the time limit passes. Reports events stored per second, requests, errors and request latency,
and checks the number of rows in the database.

    .venv/bin/python benchmarks/ingest_throughput.py --database postgresql --events 200000 \\
        --batch 500 --concurrency 4 --workers 1
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
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from _common import (
    AUTH_HEADERS,
    WHAT_IFS,
    CpuMeter,
    client_ids,
    cpu_used,
    create_clients,
    fresh_database,
    machine_description,
    percentile,
    print_report,
    running_server,
)
from _events import make_event


def make_bodies(
    *, events: int, batch: int, clients: list[str], seed: int, run_tag: str
) -> list[tuple[bytes, int]]:
    """Pre-serialised ``{"events": [...]}`` bodies, each with how many events it holds."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    bodies: list[tuple[bytes, int]] = []
    for start in range(0, events, batch):
        size = min(batch, events - start)
        items = [
            make_event(rng, f"{run_tag}-{number:09d}", clients, now)
            for number in range(start, start + size)
        ]
        bodies.append((orjson.dumps({"events": items}), size))
    return bodies


@dataclass(frozen=True, slots=True)
class Outcome:
    latency: float
    status: int
    sent: int
    stored: int
    duplicates: int
    rejected: int
    error: str | None = None


def _post_all(
    port: int,
    work: queue.SimpleQueue[tuple[bytes, int] | None],
    outcomes: list[Outcome],
    deadline: float,
) -> None:
    """One keep-alive connection posting bodies from ``work`` until it is empty or time is up."""
    headers = {"content-type": "application/json", **AUTH_HEADERS}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        while time.perf_counter() < deadline:
            item = work.get()
            if item is None:
                return
            body, size = item
            started = time.perf_counter()
            try:
                connection.request("POST", "/v1/events", body, headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                outcomes.append(
                    Outcome(time.perf_counter() - started, 0, size, 0, 0, 0, repr(error))
                )
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            latency = time.perf_counter() - started
            if response.status != 200:
                outcomes.append(
                    Outcome(latency, response.status, size, 0, 0, 0, answer[:300].decode())
                )
                continue
            report = orjson.loads(answer)
            outcomes.append(
                Outcome(
                    latency,
                    response.status,
                    size,
                    report["stored"],
                    report["duplicates"],
                    report["rejected"],
                )
            )
    finally:
        connection.close()


def generate_load(
    port: int,
    meter: CpuMeter,
    events: int,
    batch: int,
    concurrency: int,
    clients: list[str],
    time_limit: float,
    results: multiprocessing.Queue[dict[str, Any]],
) -> None:
    """The load generator, run in its own process so it does not share a GIL with anything."""
    bodies = make_bodies(
        events=events, batch=batch, clients=clients, seed=20_260_105, run_tag=uuid.uuid4().hex[:8]
    )
    work: queue.SimpleQueue[tuple[bytes, int] | None] = queue.SimpleQueue()
    for item in bodies:
        work.put(item)
    for _ in range(concurrency):
        work.put(None)
    outcomes: list[Outcome] = []  # list.append is atomic under the GIL
    cpu_before = meter.read()
    started = time.perf_counter()
    deadline = started + time_limit
    threads = [
        threading.Thread(target=_post_all, args=(port, work, outcomes, deadline), daemon=True)
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()) + 90)
    elapsed = time.perf_counter() - started
    cpu = cpu_used(cpu_before, meter.read())
    results.put(
        {
            "elapsed": elapsed,
            "cpu": cpu,
            "body_bytes": sum(len(body) for body, _ in bodies) / max(1, len(bodies)),
            "timed_out": time.perf_counter() >= deadline,
            "outcomes": [
                (o.latency, o.status, o.sent, o.stored, o.duplicates, o.rejected, o.error)
                for o in outcomes
            ],
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--events", type=int, default=200_000, help="events to send in all")
    parser.add_argument("--batch", type=int, default=500, help="events per request (max 1,000)")
    parser.add_argument("--concurrency", type=int, default=4, help="connections sending at once")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--clients", type=int, default=1_000, help="clients created first")
    parser.add_argument("--time-limit", type=float, default=300, help="stop sending after this")
    parser.add_argument("--log-level", default="WARNING", help="the server's NEXTBEST_LOG__LEVEL")
    parser.add_argument(
        "--what-if",
        default="",
        help=f"comma-separated fixes to patch into the server: {', '.join(WHAT_IFS)}",
    )
    args = parser.parse_args(argv)
    what_if = [name for name in args.what_if.split(",") if name]
    if set(what_if) - set(WHAT_IFS):
        parser.error(f"--what-if takes {', '.join(WHAT_IFS)}")

    with fresh_database(args.database) as database:
        machine = machine_description(database)
        with running_server(
            database, workers=args.workers, log_level=args.log_level, what_if=what_if
        ) as server:
            ids = client_ids(args.clients)
            client_seconds = create_clients(server.port, ids)
            context = multiprocessing.get_context("spawn")
            results: multiprocessing.Queue[dict[str, Any]] = context.Queue()
            generator = context.Process(
                target=generate_load,
                args=(
                    server.port,
                    CpuMeter(server.process.pid, database.name, os.getpid()),
                    args.events,
                    args.batch,
                    args.concurrency,
                    ids,
                    args.time_limit,
                    results,
                ),
            )
            generator.start()
            try:
                result = results.get(timeout=args.time_limit + 300)
            finally:
                generator.join(timeout=10)
                if generator.is_alive():
                    generator.terminate()
            stored_in_db = database.count_events()
            log_tail = server.log_tail(5)

    outcomes = result["outcomes"]
    latencies = [o[0] * 1000 for o in outcomes if o[1] == 200]
    stored = sum(o[3] for o in outcomes)
    errors = [o for o in outcomes if o[1] != 200]
    elapsed = result["elapsed"]
    figures: dict[str, Any] = {
        "database_kind": args.database,
        "server_workers": args.workers,
        "concurrency": args.concurrency,
        "batch": args.batch,
        "events_target": args.events,
        "events_sent": sum(o[2] for o in outcomes),
        "events_stored": stored,
        "events_in_db": stored_in_db,
        "duplicates": sum(o[4] for o in outcomes),
        "rejected": sum(o[5] for o in outcomes),
        "requests": len(outcomes),
        "errors": len(errors),
        "elapsed_s": round(elapsed, 2),
        "events_per_s": round(stored / elapsed, 1) if elapsed else 0.0,
        "requests_per_s": round(len(outcomes) / elapsed, 2) if elapsed else 0.0,
        "latency_p50_ms": round(percentile(latencies, 0.50), 1),
        "latency_p99_ms": round(percentile(latencies, 0.99), 1),
        "latency_max_ms": round(max(latencies, default=float("nan")), 1),
        "body_kib": round(result["body_bytes"] / 1024, 1),
        "hit_time_limit": result["timed_out"],
        "clients_created": args.clients,
        "clients_seconds": round(client_seconds, 2),
        **{f"cpu_{key}_s": value for key, value in result["cpu"].items()},
        "server_log_level": args.log_level,
        "what_if": ",".join(what_if) or "none",
    }
    if args.database == "sqlite":
        del figures["cpu_postgres_s"]
    print_report("ingest_throughput", machine, figures)
    if errors:
        print(f"first error: HTTP {errors[0][1]} {errors[0][6]}", file=sys.stderr)
        print(log_tail, file=sys.stderr)
    consistent = stored_in_db == stored
    if not consistent:
        print(
            f"MISMATCH: responses say {stored} stored, database has {stored_in_db}", file=sys.stderr
        )
    return 0 if consistent and not errors and stored == args.events else 1


if __name__ == "__main__":
    sys.exit(main())
