"""Memory of the profiles held for serving: 100,000 clients' ``ServingProfile`` in one dict.

Profiles are built from the demo book's behaviour (500 demo clients' real aggregates, reused
round-robin for 100,000 client ids with their category preferences perturbed so no two share
an array), then held in a dict keyed by client id, as a serving process would. Memory is
measured with tracemalloc (Python allocations made while building the dict) and as the growth of
the process's resident set. For comparison, the raw aggregates (``ProfileState``) of the same
clients are measured per client. Target: under 200 MB for 100,000 clients.

    .venv/bin/python benchmarks/profile_memory.py --clients 100000
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime

from _common import BenchDatabase, machine_description, print_report
from nextbest.behavior.priors import DEFAULT_PRIORS
from nextbest.behavior.profile import ProfileRules, build_profile
from nextbest.behavior.serving import ServingProfile, serving_profile
from nextbest.behavior.state import DEFAULT_DECAY, ProfileState, fold
from nextbest.domain.preferences import ExplicitPreferences
from nextbest.sim.demo_book import build_demo_book

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100_000)
    args = parser.parse_args()
    book = build_demo_book(clients=500, seed=7, days=90, as_of=AS_OF)
    events: dict[str, list] = {}
    for event in book.events:
        events.setdefault(event.client_id, []).append(event)
    states = {
        c.client_id: fold(events.get(c.client_id, []), ProfileState.empty(DEFAULT_DECAY))
        for c in book.clients
    }
    reports = [
        build_profile(
            states[c.client_id],
            client=c,
            preferences=ExplicitPreferences(),
            priors=DEFAULT_PRIORS,
            rules=ProfileRules(),
            now=AS_OF,
        )
        for c in book.clients
    ]
    state_bytes = sum(len(s.to_json()) for s in states.values()) / len(states)
    rng = random.Random(7)
    templates = [serving_profile(r) for r in reports]
    ids = [f"client-{n:08d}" for n in range(args.clients)]  # the host's ids exist anyway
    gc.collect()
    rss_before = _rss_mib()
    tracemalloc.start()
    held: dict[str, ServingProfile] = {}
    for n, client_id in enumerate(ids):
        template = templates[n % len(templates)]
        means = template.category_means.__copy__()
        for i in range(len(means)):
            if means[i] >= 0:
                means[i] = min(1.0, max(0.0, means[i] + rng.uniform(-0.05, 0.05)))
        held[client_id] = replace(template, client_id=client_id, category_means=means)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.collect()
    rss_after = _rss_mib()
    machine = machine_description(BenchDatabase("none", "", "none (in-process, no database)"))
    print_report(
        "profiles held for serving",
        machine,
        {
            "clients": len(held),
            "serving_mib_tracemalloc": round(current / 2**20, 1),
            "serving_bytes_per_client": round(current / len(held)),
            "peak_mib_tracemalloc": round(peak / 2**20, 1),
            "rss_growth_mib": round(rss_after - rss_before, 1),
            "raw_state_json_bytes_per_client": round(state_bytes),
            "target_mib": 200,
        },
    )


if __name__ == "__main__":
    main()
