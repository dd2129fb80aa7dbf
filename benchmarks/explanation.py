"""Building the client and staff explanations of a five-item answer from its decision log.

The issue's figure: rendering the presented text and explanation for a five-item answer adds at
most 1 ms p99. ``render.py`` measures the presented text; this measures the explanation half,
in-process, on a real decision log: a demo client is stored in a fresh SQLite file, the
recommender (the one the API builds) answers with five items from five demo findings and stores
its decision, and the five recommendations with their decision and status history are read
back once. Each timed run then builds, for all five items, both explanations from the stored
record (``Logged.of``, ``client_explanation``, ``staff_explanation``); a second figure adds the
wire conversion and JSON encoding the route does. The database read is not timed (one indexed
read per request, measured by the API benchmarks). Since the explanation route explains one
recommendation for one audience, that cost (one item, staff or client) is reported too.

    .venv/bin/python benchmarks/explanation.py --runs 5000
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from _common import BenchDatabase, machine_description, percentile, print_report
from nextbest.api.schemas.explanations import ClientExplanationOut, StaffExplanationOut
from nextbest.cli.render import demo_examples
from nextbest.decision.catalog import load_catalog
from nextbest.decision.contact import ContactPolicy
from nextbest.domain.enums import Channel
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.explanations import Logged, client_explanation, staff_explanation
from nextbest.services.profiles import DEFAULT_CONFIG
from nextbest.services.recommendations import build_recommender
from nextbest.settings import DecisionSettings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

TARGET_P99_MS = 1.0
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
ACTIONS = (
    "increase-contribution",
    "harvest-tax-loss",
    "reduce-concentration",
    "sell-restricted-holding",
    "build-emergency-fund",
)


def _stored_answer(directory: Path) -> tuple[list[Logged], int, ContactPolicy]:
    """Five served recommendations as the decision log holds them, the answer's size and the
    contact rules in force."""
    engine = make_engine(f"sqlite:///{directory / 'explanation.db'}")
    upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    examples = demo_examples()
    client = replace(examples[ACTIONS[0]].client, created_at=NOW, updated_at=NOW)
    with uow:  # no portfolio: the findings are given, and the explanation does not read it
        uow.clients.save(client)
        uow.commit()
    candidates = [c for a in ACTIONS if (c := examples[a].candidate) is not None]
    recommender = build_recommender(
        load_catalog(),
        DecisionSettings(),
        profiles=DEFAULT_CONFIG,
        signals=build_signal_engine(assumptions_file=None, paths=200, seed=7),
    )
    answer = recommender.recommend(
        client.client_id,
        channel=Channel.IN_APP,
        limit=5,
        uow=uow,
        now=NOW,
        candidates=lambda *_: candidates,
    )
    logged = []
    with uow:
        for item in answer.items:
            recommendation = item.recommendation
            record = uow.recommendations.decision(recommendation.decision_id)
            changes = uow.recommendations.changes(recommendation.recommendation_id)
            logged.append(Logged.of(recommendation, record, changes))
    engine.dispose()
    return logged, len(answer.items), recommender.engine.contact


def _timed(runs: int, warm_up: int, work: Callable[[], int]) -> list[float]:
    for _ in range(warm_up):
        work()
    gc.collect()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5_000, help="timed five-item runs")
    parser.add_argument("--warm-up", type=int, default=200, help="untimed runs first")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="nextbest-explanation-") as directory:
        logged, items, policy = _stored_answer(Path(directory))

    def build() -> int:
        size = 0
        for entry in logged:
            client = client_explanation(entry, contact=policy, now=NOW)
            staff = staff_explanation(entry)
            size += len(client.contributing_factors) + len(staff.arbitration)
        return size

    def build_and_encode() -> int:
        size = 0
        for entry in logged:
            client = client_explanation(entry, contact=policy, now=NOW)
            staff = staff_explanation(entry)
            size += len(ClientExplanationOut.from_domain(client).model_dump_json())
            size += len(StaffExplanationOut.from_domain(staff).model_dump_json())
        return size

    def one_staff() -> int:  # what one request for a staff explanation builds
        return len(staff_explanation(logged[0]).arbitration)

    def one_client() -> int:
        return len(client_explanation(logged[0], contact=policy, now=NOW).contributing_factors)

    built = _timed(args.runs, args.warm_up, build)
    staff_one = _timed(args.runs, args.warm_up, one_staff)
    client_one = _timed(args.runs, args.warm_up, one_client)
    encoded = _timed(args.runs, args.warm_up, build_and_encode)
    p99 = percentile(built, 0.99)
    figures: dict[str, object] = {
        "items_per_answer": items,
        "considered_per_decision": len(logged[0].considered) if logged else 0,
        "runs": len(built),
        "build_p50_ms": round(percentile(built, 0.50) * 1000, 3),
        "build_p99_ms": round(p99 * 1000, 3),
        "build_max_ms": round(max(built) * 1000, 3),
        "with_wire_p50_ms": round(percentile(encoded, 0.50) * 1000, 3),
        "with_wire_p99_ms": round(percentile(encoded, 0.99) * 1000, 3),
        "one_staff_p99_ms": round(percentile(staff_one, 0.99) * 1000, 3),
        "one_client_p99_ms": round(percentile(client_one, 0.99) * 1000, 3),
        "target_p99_ms": TARGET_P99_MS,
        "target_met_build": p99 * 1000 <= TARGET_P99_MS,
    }
    machine = machine_description(BenchDatabase("none", "", "SQLite (read once, not timed)"))
    print_report("explanation", machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
