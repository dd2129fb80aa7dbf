"""Recomputing a whole book's signals: ``nextbest signals --all`` over a 10,000-client demo book.

Builds the demo book (``build_demo_book(clients=N, seed=7, days=1)``), stores its securities,
clients and portfolios (no events: signals do not read them) into a fresh SQLite file or a
PostgreSQL database created for the run and dropped after it, then runs

    nextbest signals --all --workers 2

as a subprocess with ``NEXTBEST_DATABASE_URL`` set, timed end to end: process start, imports,
migration check, worker start-up (each worker imports cvxpy and draws its shocks), every client
recomputed and stored. Reports clients, candidates, seconds and clients per second, and checks
the cache table holds one row per client. Target: 10,000 clients in <= 5 minutes on 2 cores.

    .venv/bin/python benchmarks/signals_book.py --clients 10000 --workers 2
    .venv/bin/python benchmarks/signals_book.py --clients 10000 --workers 2 --database postgresql
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import text

from _common import NEXTBEST, machine_description, print_report
from _signals_common import migrate, signals_database, store_book
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.database import make_engine

TARGET_SECONDS = 300.0
FULL_BOOK = 10_000
_SUMMARY = re.compile(r"recomputed ([\d,]+) clients \(([\d,]+) candidates\) in ([\d.]+) s")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_signals_all(url: str, *, workers: int, timeout: float) -> tuple[float, int, str]:
    """``nextbest signals --all``; returns (seconds, exit status, its output)."""
    env = {
        **os.environ,
        "NEXTBEST_DATABASE_URL": url,
        "NEXTBEST_LOG__LEVEL": "WARNING",
        "COLUMNS": "200",
    }
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(NEXTBEST), "signals", "--all", "--workers", str(workers)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Its own session: the group holds only it and the pool's workers.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            status = -1
        seconds = time.perf_counter() - started
        output.seek(0)
        return seconds, status, output.read().decode(errors="replace")


def cached_counts(url: str, kind: str) -> tuple[int, int]:
    """Rows in the signal cache and candidates in them, read straight from the database."""
    # The cache holds the candidates as JSON text.
    length = "json_array_length" if kind == "sqlite" else "jsonb_array_length"
    column = "candidates" if kind == "sqlite" else "candidates::jsonb"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(f"SELECT count(*), coalesce(sum({length}({column})), 0) FROM client_signals")
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=10_000, help="clients in the book")
    parser.add_argument("--workers", type=int, default=2, help="processes for --all")
    parser.add_argument("--seed", type=int, default=7, help="the demo book's seed")
    parser.add_argument(
        "--timeout",
        type=float,
        default=900,
        help="kill `nextbest signals --all` after this many seconds (default 900)",
    )
    args = parser.parse_args(argv)

    now = datetime.now(UTC)
    started = time.perf_counter()
    book = build_demo_book(clients=args.clients, seed=args.seed, days=1, as_of=now)
    build_seconds = time.perf_counter() - started
    holdings = sum(len(p.holdings()) for p in book.portfolios)
    goals = sum(len(c.profile.goals) for c in book.clients)
    print(
        f"built {len(book.clients):,} clients, {len(book.portfolios):,} portfolios, "
        f"{holdings:,} holdings, {goals:,} goals in {build_seconds:.1f} s",
        flush=True,
    )

    with signals_database(args.database) as database:
        migrate(database.url)
        store_seconds = store_book(book, url=database.url, now=now)
        print(f"stored in {store_seconds:.1f} s into {database.version}", flush=True)
        del book

        load_before = os.getloadavg()
        cpu_before = _children_cpu()
        seconds, status, output = run_signals_all(
            database.url, workers=args.workers, timeout=args.timeout
        )
        cpu_used = _children_cpu() - cpu_before
        load_after = os.getloadavg()
        summary = _SUMMARY.search(output)
        if status != 0 or summary is None:
            tail = "\n".join(output.splitlines()[-20:])
            print(f"`nextbest signals --all` failed (exit {status}):\n{tail}", file=sys.stderr)
            return 1
        rows, stored_candidates = cached_counts(database.url, database.kind)
        machine = machine_description(database)

    clients = int(summary.group(1).replace(",", ""))
    candidates = int(summary.group(2).replace(",", ""))
    figures: dict[str, object] = {
        "clients": clients,
        "holdings": holdings,
        "goals": goals,
        "workers": args.workers,
        "candidates": candidates,
        "seconds": round(seconds, 2),
        "clients_per_s": round(clients / seconds, 1),
        "worker_ms_per_client": round(seconds * 1000 * args.workers / clients, 2),
        "cli_reported_seconds": float(summary.group(3)),
        "target_seconds": TARGET_SECONDS,
        # The target is for the full book; a smaller (smoke) run says nothing about it.
        "target_met": seconds <= TARGET_SECONDS if clients >= FULL_BOOK else None,
        "cpu_seconds_cli_and_workers": round(cpu_used, 1),
        "load_avg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "build_book_seconds": round(build_seconds, 1),
        "store_book_seconds": round(store_seconds, 1),
        "cache_rows": rows,
        "cache_candidates": stored_candidates,
    }
    print_report("signals_book", machine, figures)
    if rows != clients or stored_candidates != candidates:
        print(
            f"the cache holds {rows} rows and {stored_candidates} candidates, "
            f"not {clients} and {candidates}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
