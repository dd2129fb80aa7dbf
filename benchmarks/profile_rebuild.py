"""Rebuilding every behaviour profile from the stored events (``nextbest profiles rebuild``).

A fresh database gets C clients and E events spread over them (by default 10,000 clients and
1,000,000 events over 180 days: logins, session summaries, feature uses, reading with
difficulty, recommendations viewed, accepted and dismissed, on two devices). The events are
written straight into the table (loading is not what is measured); then ``rebuild_profiles``
runs exactly as the command does, 500 clients per transaction, and is timed end to end.
Target: 1,000,000 events in at most 60 s.

    .venv/bin/python benchmarks/profile_rebuild.py --events 1000000 [--database postgresql]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from _common import fresh_database, machine_description, print_report
from nextbest.behavior.state import DEFAULT_DECAY
from nextbest.services.profiles import rebuild_profiles
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.tables import ClientRow, EventRow
from nextbest.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 6, 1, tzinfo=UTC)
_KINDS = (
    ("LOGIN", lambda r: {"method": "biometric"}),
    ("TIME_SPENT", lambda r: {"duration_seconds": r.randint(30, 900)}),
    ("FEATURE_USED", lambda r: {"feature": r.choice(("goal_planner", "trade", "tax_summary"))}),
    (
        "CONTENT_READ",
        lambda r: {"topic": r.choice(("pensions", "isa", "esg")), "difficulty": r.randint(1, 5)},
    ),
    (
        "RECOMMENDATION_VIEWED",
        lambda r: {
            "category": r.choice(("TAX", "CASH", "GOAL")),
            "expanded": r.random() < 0.3,
            "dwell_seconds": r.randint(2, 90),
        },
    ),
    ("RECOMMENDATION_ACCEPTED", lambda r: {"category": r.choice(("TAX", "CASH", "GOAL"))}),
    ("RECOMMENDATION_DISMISSED", lambda r: {"category": r.choice(("TAX", "CASH", "GOAL"))}),
    ("PAGE_VIEW", lambda r: {"page": "home"}),
)
_WEIGHTS = (15, 15, 20, 10, 15, 3, 4, 18)


def _load(url: str, clients: int, events: int, seed: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(seed)
    with engine.begin() as connection:
        connection.execute(
            insert(ClientRow),
            [
                {
                    "client_id": f"c-{n:06d}",
                    "birth_year": 1950 + n % 50,
                    "country": "GB",
                    "base_currency": "GBP",
                    "risk_tolerance": "MEDIUM",
                    "profile": {},
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(clients)
            ],
        )
    batch: list[dict[str, object]] = []
    for n in range(events):
        kind, context = rng.choices(_KINDS, weights=_WEIGHTS)[0]
        client = rng.randrange(clients)
        at = NOW - timedelta(seconds=rng.randrange(180 * 86_400))
        batch.append(
            {
                "event_id": f"e-{n:08d}",
                "client_id": f"c-{client:06d}",
                "event_type": kind,
                "occurred_at": at,
                "received_at": NOW,
                "session_id": f"s-{client}-{at:%j}",
                "device_type": "mobile" if client % 3 else "desktop",
                "channel": "IN_APP",
                "target_type": None,
                "target_id": "rec-1" if kind.startswith("REC") else None,
                "action": None,
                "context": context(rng),
            }
        )
        if len(batch) == 20_000:
            with engine.begin() as connection:
                connection.execute(insert(EventRow), batch)
            batch.clear()
    if batch:
        with engine.begin() as connection:
            connection.execute(insert(EventRow), batch)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with fresh_database(args.database) as database:
        started = time.perf_counter()
        _load(database.url, args.clients, args.events, args.seed)
        loaded = time.perf_counter() - started
        engine = make_engine(database.url)
        uow = UnitOfWork(make_session_factory(engine))
        started = time.perf_counter()
        report = rebuild_profiles(uow, decay=DEFAULT_DECAY, now=NOW)
        seconds = time.perf_counter() - started
        engine.dispose()
        machine = machine_description(database)
    print_report(
        "profile rebuild",
        machine,
        {
            "clients": report.clients,
            "events": report.events,
            "load_seconds_not_measured": round(loaded, 1),
            "rebuild_seconds": round(seconds, 2),
            "events_per_second": round(report.events / seconds),
            "target_seconds_for_1m": 60,
        },
    )


if __name__ == "__main__":
    main()
