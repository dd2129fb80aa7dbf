"""Updating a behaviour profile from one event, in-process (no database round trip).

A realistic profile first: one client's 90 days of the demo book's behaviour (sessions, features,
reading, recommendations on two devices), about 150 events and 100 aggregate keys. Then N more
events of the same client's kinds are applied one at a time, each timed as the work ingestion
does per event and client: decode the stored JSON state, apply the event, encode it again. The
apply step alone and reading the full profile (``build_profile``) are timed too.
Target: one event, p99 <= 2 ms.

    .venv/bin/python benchmarks/profile_update.py --events 20000
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from _common import BenchDatabase, machine_description, percentile, print_report
from nextbest.behavior.priors import DEFAULT_PRIORS
from nextbest.behavior.profile import ProfileRules, build_profile
from nextbest.behavior.state import DEFAULT_DECAY, ProfileState, apply_event, fold
from nextbest.domain.preferences import ExplicitPreferences
from nextbest.sim.demo_book import build_demo_book

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()

    book = build_demo_book(clients=200, seed=7, days=90, as_of=AS_OF)
    by_client: dict[str, list] = {}
    for event in book.events:
        by_client.setdefault(event.client_id, []).append(event)
    client_id, history = max(by_client.items(), key=lambda item: len(item[1]))
    client = next(c for c in book.clients if c.client_id == client_id)
    state = fold(history, ProfileState.empty(DEFAULT_DECAY))
    raw = state.to_json()

    rng = random.Random(7)
    stream = [
        replace(rng.choice(history), occurred_at=AS_OF + timedelta(seconds=30 * n))
        for n in range(args.events)
    ]
    for event in stream[:500]:  # warm up
        apply_event(ProfileState.from_json(raw), event)

    full: list[float] = []
    apply_only: list[float] = []
    clock = time.perf_counter_ns
    for event in stream:
        start = clock()
        current = ProfileState.from_json(raw)
        middle = clock()
        apply_event(current, event)
        applied = clock()
        raw = current.to_json()
        end = clock()
        full.append((end - start) / 1e6)
        apply_only.append((applied - middle) / 1e6)

    final = ProfileState.from_json(raw)
    reads: list[float] = []
    for _ in range(2_000):
        start = clock()
        build_profile(
            final,
            client=client,
            preferences=ExplicitPreferences(),
            priors=DEFAULT_PRIORS,
            rules=ProfileRules(),
            now=AS_OF + timedelta(days=7),
        )
        reads.append((clock() - start) / 1e6)

    machine = machine_description(BenchDatabase("none", "", "none (in-process, no database)"))
    print_report(
        "profile update from one event",
        machine,
        {
            "events": len(full),
            "history_events": len(history),
            "state_keys": len(final.decayed),
            "state_bytes": len(raw),
            "update_p50_ms": round(percentile(full, 0.5), 4),
            "update_p99_ms": round(percentile(full, 0.99), 4),
            "update_max_ms": round(max(full), 4),
            "apply_only_p50_ms": round(percentile(apply_only, 0.5), 4),
            "apply_only_p99_ms": round(percentile(apply_only, 0.99), 4),
            "build_profile_p50_ms": round(percentile(reads, 0.5), 4),
            "build_profile_p99_ms": round(percentile(reads, 0.99), 4),
            "target_update_p99_ms": 2.0,
        },
    )


if __name__ == "__main__":
    main()
