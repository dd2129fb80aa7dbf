"""Single-event latency: ``POST /v1/events`` with one event at a fixed rate (open loop).

Starts ``nextbest serve`` against a fresh database, creates the clients, then a load generator in
a second process sends one event per request on a fixed timetable (request ``i`` is due at
``start + i / rate``). A scheduler thread releases each request when it is due and a pool of
connections, one thread each, sends it; when every connection is busy the request waits, and
that wait counts. Latency is measured from the *scheduled* time, so a slow response shows up in
the figures instead of quietly delaying the requests behind it (no coordinated omission).

    .venv/bin/python benchmarks/single_event_latency.py --database postgresql --rate 200 \\
        --seconds 30
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
from datetime import UTC, datetime
from typing import Any

import orjson

from _common import (
    AUTH_HEADERS,
    WHAT_IFS,
    CpuMeter,
    StallMonitor,
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

SLOW = 0.010
"""A request slower than this misses the target; each one is checked against machine stalls."""

# (index, scheduled time, send start, done, HTTP status or 0, error text)
Record = tuple[int, float, float, float, int, str | None]


def _send_when_due(
    port: int,
    bodies: list[bytes],
    due: queue.SimpleQueue[tuple[int, float] | None],
    records: list[Record],
) -> None:
    """One keep-alive connection sending each request it is handed."""
    headers = {"content-type": "application/json", **AUTH_HEADERS}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        while (item := due.get()) is not None:
            index, scheduled = item
            sent = time.perf_counter()
            try:
                connection.request("POST", "/v1/events", bodies[index], headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                records.append((index, scheduled, sent, time.perf_counter(), 0, repr(error)))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            done = time.perf_counter()
            error_text = None if response.status == 201 else answer[:300].decode()
            records.append((index, scheduled, sent, done, response.status, error_text))
    finally:
        connection.close()


def generate_load(
    port: int,
    meter: CpuMeter,
    rate: float,
    total_seconds: float,
    connections: int,
    clients: list[str],
    results: multiprocessing.Queue[dict[str, Any]],
) -> None:
    """The open-loop generator, in its own process."""
    # The default 5 ms switch interval could hold a due request behind another thread.
    sys.setswitchinterval(0.0005)
    count = int(rate * total_seconds)
    rng = random.Random(20_260_105)
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    bodies = [orjson.dumps(make_event(rng, f"{tag}-{i:08d}", clients, now)) for i in range(count)]
    due: queue.SimpleQueue[tuple[int, float] | None] = queue.SimpleQueue()
    records: list[Record] = []  # list.append is atomic under the GIL
    threads = [
        threading.Thread(target=_send_when_due, args=(port, bodies, due, records), daemon=True)
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    cpu_before = meter.read()
    start = time.perf_counter() + 0.05
    interval = 1.0 / rate
    for index in range(count):
        scheduled = start + index * interval
        pause = scheduled - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put((index, scheduled))
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join(timeout=15)
    cpu = cpu_used(cpu_before, meter.read())
    results.put(
        {
            "start": start,
            "records": list(records),
            "cpu": cpu,
            "scheduled": count,
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rate", type=float, default=200, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30, help="measured duration")
    parser.add_argument(
        "--warmup", type=float, default=3, help="seconds sent first at the same rate, not counted"
    )
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--clients", type=int, default=1_000, help="clients created first")
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
    if not 0 < args.rate <= 20_000 or not 0 < args.seconds <= 600 or not 0 <= args.warmup <= 60:
        parser.error("rate must be in (0, 20000], seconds in (0, 600], warmup in [0, 60]")

    with fresh_database(args.database) as database:
        machine = machine_description(database)
        with running_server(
            database, workers=args.workers, log_level=args.log_level, what_if=what_if
        ) as server:
            ids = client_ids(args.clients)
            create_clients(server.port, ids)
            context = multiprocessing.get_context("spawn")
            results: multiprocessing.Queue[dict[str, Any]] = context.Queue()
            generator = context.Process(
                target=generate_load,
                args=(
                    server.port,
                    CpuMeter(server.process.pid, database.name, os.getpid()),
                    args.rate,
                    args.warmup + args.seconds,
                    args.connections,
                    ids,
                    results,
                ),
            )
            with StallMonitor() as monitor:
                generator.start()
                try:
                    result = results.get(timeout=args.warmup + args.seconds + 120)
                finally:
                    generator.join(timeout=10)
                    if generator.is_alive():
                        generator.terminate()
            stored_in_db = database.count_events()

    warmup_requests = int(args.rate * args.warmup)
    measured = [r for r in result["records"] if r[0] >= warmup_requests]
    ok = [r for r in measured if r[4] == 201]
    errors = [r for r in measured if r[4] != 201]
    latencies = [(r[3] - r[1]) * 1000 for r in ok]
    service = [(r[3] - r[2]) * 1000 for r in ok]
    queued = [(r[2] - r[1]) * 1000 for r in measured]
    window_start = result["start"] + warmup_requests / args.rate
    window_end = max((r[3] for r in measured), default=window_start)
    window = window_end - window_start
    # The generator and this process share CLOCK_MONOTONIC, so their times compare directly.
    slow = [r for r in ok if r[3] - r[1] > SLOW]
    slow_in_stall = [r for r in slow if monitor.within(r[1], r[3])]
    figures: dict[str, Any] = {
        "database_kind": args.database,
        "server_workers": args.workers,
        "target_rate": args.rate,
        "seconds": args.seconds,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "scheduled": result["scheduled"] - warmup_requests,
        "completed": len(measured),
        "ok_201": len(ok),
        "errors": len(errors) + (result["scheduled"] - warmup_requests - len(measured)),
        "achieved_rate": round(len(ok) / window, 1) if window > 0 else 0.0,
        "latency_p50_ms": round(percentile(latencies, 0.50), 2),
        "latency_p90_ms": round(percentile(latencies, 0.90), 2),
        "latency_p99_ms": round(percentile(latencies, 0.99), 2),
        "latency_p999_ms": round(percentile(latencies, 0.999), 2),
        "latency_max_ms": round(max(latencies, default=float("nan")), 2),
        "service_p50_ms": round(percentile(service, 0.50), 2),
        "service_p99_ms": round(percentile(service, 0.99), 2),
        "send_delay_p99_ms": round(percentile(queued, 0.99), 2),
        f"requests_over_{SLOW * 1000:.0f}ms": len(slow),
        "of_which_during_machine_stall": len(slow_in_stall),
        **monitor.summary(window_start, window_end),
        "events_in_db": stored_in_db,
        **{f"cpu_{key}_s": value for key, value in result["cpu"].items()},
        "server_log_level": args.log_level,
        "what_if": ",".join(what_if) or "none",
    }
    if args.database == "sqlite":
        del figures["cpu_postgres_s"]
    print_report("single_event_latency", machine, figures)
    if errors:
        first = errors[0]
        print(f"first error: HTTP {first[4]} {first[5]}", file=sys.stderr)
    total_ok = sum(1 for r in result["records"] if r[4] == 201)
    if stored_in_db != total_ok:
        print(f"MISMATCH: {total_ok} answered 201, database has {stored_in_db}", file=sys.stderr)
        return 1
    return 0 if not figures["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
