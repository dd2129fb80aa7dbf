"""The floor under issue 5's HTTP targets: what any Python answer costs on this machine.

Issue 5 asks ``GET /v1/clients/{id}/recommendations`` for at least 500 requests/s at saturation
on two cores shared by the server, PostgreSQL and the load generator: at most 4 ms of CPU per
request for all three together. This benchmark measures what stands under that budget before
nextbest does anything of its own:

1. ``raw``: a bare ASGI app (no framework) that reads one client's row from PostgreSQL and
   writes one durable row per request (``_floor_apps.py``), served by uvicorn with httptools and
   uvloop as ``nextbest serve`` is, driven closed loop by the same kind of load generator as
   ``recommendations_latency.py`` (``http.client`` threads in a second process);
2. ``fastapi``: the same two statements behind a FastAPI route with two dependencies and a
   validated query parameter;
3. ``decision``: in-process, the decision alone for clients of the demo book (SQLite), with
   every input already read: the profile, the engagement and contact policies, arbitration with
   its exploration draws and serving probabilities, and the wording of what is served. No I/O,
   no decision-log record (so it is a lower bound of that part too).

For (1) and (2) it prints requests/s and the CPU per request of the server, PostgreSQL and the
generator; for (3) the CPU per answer. (2) + (3) is a lower bound on one recommendation's CPU
with this stack: nextbest also checks the key, reads a client over six tables and its history,
writes the decision, its recommendations and an audit entry, and logs.

    .venv/bin/python benchmarks/serving_floor.py --clients 100000 --seconds 15 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from _common import (
    CpuMeter,
    Request,
    closed_loop,
    cpu_used,
    free_port,
    fresh_database,
    machine_description,
    print_report,
)
from nextbest.cli.demo import store_demo_book
from nextbest.decision.catalog import load_catalog
from nextbest.decision.engine import Policy
from nextbest.domain.enums import Channel
from nextbest.presentation import reader_for, reasons_for
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.profiles import ProfileConfig, profile_for, segment_model_at
from nextbest.services.recommendations import build_recommender
from nextbest.services.signals import recompute_signals, signals_in
from nextbest.settings import BehaviourSettings, DecisionSettings
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

HERE = Path(__file__).resolve().parent
PAYLOAD_BYTES = 600
"""Per client row: with three copies in the answer, about the size of nextbest's (2.7 kB)."""


def fill(dsn: str, clients: int) -> list[str]:
    """``clients`` rows of about ``PAYLOAD_BYTES`` and an empty log table; returns the ids."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE floor_clients (client_id text PRIMARY KEY, payload jsonb NOT NULL)"
        )
        connection.execute(
            "CREATE TABLE floor_log (id bigserial PRIMARY KEY, client_id text NOT NULL, "
            "logged_at timestamptz NOT NULL DEFAULT now(), body jsonb NOT NULL)"
        )
        connection.execute(
            "INSERT INTO floor_clients SELECT 'c-' || g, jsonb_build_object('risk', 'MEDIUM', "
            "'goals', jsonb_build_array(jsonb_build_object('type', 'RETIREMENT', 'target', g)), "
            "'evidence', repeat('x', %s)) FROM generate_series(1, %s) g",
            (PAYLOAD_BYTES - 80, clients),
        )
        connection.execute("ANALYZE floor_clients")
    return [f"c-{n}" for n in range(1, clients + 1)]


@contextlib.contextmanager
def serving(app: str, dsn: str, workers: int) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """uvicorn serving ``_floor_apps:<app>`` with ``workers`` processes, stopped afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", f"_floor_apps:{app}", "--app-dir", str(HERE)]
    command += ["--port", str(port), "--workers", str(workers), "--loop", "uvloop"]
    command += ["--http", "httptools", "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(
        command, env={**os.environ, "FLOOR_DSN": dsn}, start_new_session=True
    )
    try:
        _wait(port, workers)
        yield process, port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _wait(port: int, workers: int, timeout: float = 60) -> None:
    """Until every worker could have answered: 4 x workers answers on new connections."""
    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 4 * workers:
        if time.monotonic() > deadline:
            raise RuntimeError("the floor app did not answer")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/v1/clients/c-1/recommendations")
            answered += connection.getresponse().status == 200
            connection.close()
        except OSError:
            time.sleep(0.2)


def load(
    port: int, ids: list[str], connections: int, seconds: float, meter: CpuMeter, out: Any
) -> None:
    """In its own process: a warm-up, then ``connections`` always busy for ``seconds``."""
    requests: list[Request] = [
        ("GET", f"/v1/clients/{client_id}/recommendations?limit=3", None) for client_id in ids
    ]
    closed_loop(port, requests, connections, 3.0, headers={})
    before = meter.read()
    rate = closed_loop(port, requests, connections, seconds, headers={})
    out.put({"rps": rate, "cpu": cpu_used(before, meter.read())})


def http_floor(
    app: str, dsn: str, database: str, ids: list[str], args: argparse.Namespace
) -> dict[str, float]:
    with serving(app, dsn, args.workers) as (process, port):
        context = multiprocessing.get_context("spawn")
        out: multiprocessing.Queue[dict[str, Any]] = context.Queue()
        meter = CpuMeter(process.pid, database, os.getpid())
        generator = context.Process(
            target=load, args=(port, ids, args.connections, args.seconds, meter, out)
        )
        generator.start()
        result = out.get(timeout=args.seconds + 120)
        generator.join(timeout=10)
    served = result["rps"] * args.seconds
    cpu = result["cpu"]
    return {
        f"{app}_rps": round(result["rps"], 1),
        **{
            f"{app}_{part}_ms_per_request": round(1000 * cpu[part] / served, 3)
            for part in ("server", "postgres", "generator")
        },
        f"{app}_other_cpu_s": cpu["other"],
    }


def decision_floor(clients: int, rounds: int) -> dict[str, float]:
    """CPU per answer of the decision alone, every input read beforehand (see the module doc)."""
    with fresh_database("sqlite") as database:
        engine = make_engine(database.url)
        upgrade(engine)
        uow = UnitOfWork(make_session_factory(engine))
        now = datetime.now(UTC)
        book = build_demo_book(clients=clients, seed=7, days=90, as_of=now)
        store_demo_book(book, uow=uow, now=now)
        signals = build_signal_engine(assumptions_file=None, paths=2_000, seed=7)
        ids = [c.client_id for c in book.clients]
        recompute_signals(ids, uow=uow, engine=signals, now=now)
        profiles = ProfileConfig.from_settings(BehaviourSettings())
        recommender = build_recommender(
            load_catalog(), DecisionSettings(seed=7), profiles=profiles, signals=signals
        )
        longest = max(a.expiry_days for a in recommender.engine.catalog.actions)
        since = now - recommender.engine.contact.lookback(longest)
        inputs = []
        with uow:
            for client_id in ids:
                read = uow.decision_inputs.read(client_id)
                assert read is not None
                stored = read.profile
                if stored is not None and read.queued:
                    stored = uow.profiles.fold_pending(stored, decay=profiles.decay)
                model = segment_model_at(uow, read.segment_version)
                found = signals_in(uow, client_id, engine=signals, now=now, probe=read.signals)
                history = uow.recommendations.history(client_id, since=since)
                inputs.append((read, stored, model, found.candidates, history))
        engine.dispose()

    def answer(item: tuple[Any, ...]) -> int:
        read, stored, model, candidates, history = item
        client = read.client
        profile = profile_for(client, stored, model=model, config=profiles, now=now)
        decision = recommender.engine.decide(
            client=client,
            profile=profile,
            portfolio=read.totals,
            candidates=candidates,
            channel=Channel.IN_APP,
            limit=3,
            now=now,
            history=history,
            policy=Policy.ENGINE,
        )
        reader = reader_for(client, profile)
        for served in decision.served:
            c = served.considered
            reasons = reasons_for(c.action, c.candidate, client, profile)
            recommender.presenter.render(c.action, c.candidate, client, reader, reasons=reasons)
        return len(decision.served)

    for item in inputs:  # warm: templates compiled, caches filled
        answer(item)
    per_answer = []
    for _ in range(rounds):
        started = time.process_time()
        for item in inputs:
            answer(item)
        per_answer.append(1000 * (time.process_time() - started) / len(inputs))
    return {
        "decision_clients": len(inputs),
        "decision_cpu_ms_per_answer_min": round(min(per_answer), 3),
        "decision_cpu_ms_per_answer_median": round(sorted(per_answer)[len(per_answer) // 2], 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000, help="rows in the HTTP floor")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--book", type=int, default=300, help="demo clients for the decision")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"workers": args.workers, "connections": args.connections}
    with fresh_database("postgresql") as database:
        machine = machine_description(database)
        dsn = database.url.replace("postgresql+psycopg://", "postgresql://", 1)
        ids = fill(dsn, args.clients)
        for app in ("raw", "fastapi"):
            figures.update(http_floor(app, dsn, database.name or "", ids, args))
    figures.update(decision_floor(args.book, args.rounds))
    budget = 2 * 1000 / 500
    figures["budget_ms_per_request_at_500_rps"] = budget
    figures["fastapi_floor_plus_decision_ms"] = round(
        figures["fastapi_server_ms_per_request"]
        + figures["fastapi_postgres_ms_per_request"]
        + figures["fastapi_generator_ms_per_request"]
        + figures["decision_cpu_ms_per_answer_min"],
        3,
    )
    print_report("serving_floor", machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
