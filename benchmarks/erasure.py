"""Erasure of a client with 10,000 events (issue 8: at most 1 s on PostgreSQL).

Builds a book in a fresh database (by default 2,000 other clients with 100 events each, so the
tables and indexes are not trivially small), then N clients with 10,000 events each, folded into
their profiles, with recommendations, an outcome and feedback, and erases them one at a time
through the same service the API's ``DELETE /v1/clients/{id}`` calls. Prints each erasure's
time and the rows it removed.

    .venv/bin/python benchmarks/erasure.py                        # PostgreSQL
    .venv/bin/python benchmarks/erasure.py --database sqlite
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fresh_database, machine_description, print_report
from _events import make_event
from nextbest.api.schemas.events import parse_event
from nextbest.cli.demo import store_demo_book
from nextbest.decision.catalog import load_catalog
from nextbest.domain.enums import Channel, ConsentPurpose
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Status
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.services.audit import AuditTrail
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.ingest import ingest_events
from nextbest.services.privacy import erase_client
from nextbest.services.profiles import DEFAULT_CONFIG, drain_queue
from nextbest.services.recommendations import build_recommender
from nextbest.settings import DecisionSettings
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

CHUNK = 1_000


def _ingest(uow: UnitOfWork, clients: list[str], count: int, now: datetime, seed: str) -> None:
    rng = random.Random(seed)
    for start in range(0, count, CHUNK):
        chunk = [
            (i, parse_event(make_event(rng, f"{seed}-{start + i}", clients, now)))
            for i in range(min(CHUNK, count - start))
        ]
        ingest_events(chunk, received=len(chunk), uow=uow, now=now, max_clock_skew=timedelta(0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--others", type=int, default=2_000, help="other clients in the book")
    parser.add_argument("--other-events", type=int, default=100, help="events per other client")
    parser.add_argument("--events", type=int, default=10_000, help="events of an erased client")
    parser.add_argument("--runs", type=int, default=5, help="clients erased, one at a time")
    args = parser.parse_args()

    now = datetime.now(UTC)
    with fresh_database(args.database) as database:
        engine = make_engine(database.url)
        upgrade(engine)
        uow = UnitOfWork(make_session_factory(engine))
        started = time.perf_counter()
        book = build_demo_book(clients=args.others + args.runs, seed=5, days=1, as_of=now)
        if args.others * args.other_events == 0:
            raise SystemExit("the book needs other events")
        store_demo_book(book, uow=uow, now=now)
        # erased clients must have consented to tracking, or none of their events is stored
        tracked = [c.client_id for c in book.clients if c.has_consent(ConsentPurpose.TRACKING)]
        targets = tracked[-args.runs :]
        others = [c.client_id for c in book.clients if c.client_id not in set(targets)]
        _ingest(uow, list(others), args.others * args.other_events, now, "bg")
        for target in targets:
            _ingest(uow, [target], args.events, now, f"t-{target}")
        drain_queue(uow, decay=DEFAULT_CONFIG.decay, now=lambda: now)
        recommender = build_recommender(
            load_catalog(),
            DecisionSettings(seed=1),
            profiles=DEFAULT_CONFIG,
            signals=build_signal_engine(assumptions_file=None, paths=2_000, seed=7),
        )
        for client_id in [*targets, *others[:200]]:
            for day in range(3):
                answer = recommender.recommend(
                    ClientId(client_id),
                    channel=Channel.IN_APP,
                    limit=3,
                    uow=uow,
                    now=now + timedelta(days=day),
                )
                if answer.items:
                    rid = answer.items[0].recommendation.recommendation_id
                    recommender.learning.record_outcome(
                        rid, Status.VIEWED, uow=uow, now=now + timedelta(days=day)
                    )
        built = time.perf_counter() - started
        before = database.count_events()
        trail = AuditTrail(Pseudonymiser("benchmark-pseudonym-key"))
        seconds, removed = [], []
        for target in targets:
            clock = time.perf_counter()
            report = erase_client(
                ClientId(target), uow=uow, now=now, audit=trail, principal="benchmark"
            )
            seconds.append(time.perf_counter() - clock)
            removed.append(sum(report.removed.values()))
            if report.removed.get("events", 0) < args.events:
                raise SystemExit(f"expected {args.events} events erased: {report.removed}")
        remaining = database.count_events()
        engine.dispose()
        print_report(
            "erasure",
            machine_description(database),
            {
                "book_events_stored_before": before,
                "events_after": remaining,
                "events_per_erased_client": args.events,
                "rows_removed_per_client": statistics.mean(removed),
                "erasure_seconds": ", ".join(f"{s:.3f}" for s in seconds),
                "erasure_p50_seconds": statistics.median(seconds),
                "erasure_max_seconds": max(seconds),
                "target_max_seconds": 1.0,
                "met": max(seconds) <= 1.0,
                "setup_seconds": built,
            },
        )


if __name__ == "__main__":
    main()
