"""Assignment, in-process: time per call, the split over a million clients, independence.

* Time: ``assign`` for ``--timed`` distinct clients, plain and in a layer with segment
  targeting (target: <= 50 µs per call). The mean comes from one timed loop; p50/p99 from
  timing each of the first 20,000 calls alone (which adds the clock's own cost).
* Split: ``--clients`` clients (default 1,000,000) through seed 002's BENEFIT_EMPHASIS
  (34/33/33) and an uneven 10/90 test: each variant's share against its configuration
  (target: within 0.5 percentage points).
* Independence: the same clients through URGENCY_FRAMING; the 3 x 3 table of the two
  experiments' variants and its chi-square test of independence (a small p would mean one
  experiment's split leaks into the other's). The production and test environments' variants
  of one experiment are tested the same way, and two experiments of one layer are checked to
  share no client.

    .venv/bin/python benchmarks/experiment_assignment.py --clients 1000000
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np
from scipy import stats

from _common import BenchDatabase, machine_description, percentile, print_report
from nextbest.domain.ids import ClientId
from nextbest.experiments import Environment, ExperimentSpec, Layer, Variant, assign

PROD = Environment.PRODUCTION
BENEFIT = ExperimentSpec(
    "BENEFIT_EMPHASIS",
    (Variant("CONTROL", 34), Variant("MONETARY_FOCUS", 33), Variant("PERCENTAGE_FOCUS", 33)),
)
URGENCY = ExperimentSpec(
    "URGENCY_FRAMING",
    (Variant("CONTROL", 34), Variant("HIGH_URGENCY", 33), Variant("LOW_PRESSURE", 33)),
)
UNEVEN = ExperimentSpec("SOCIAL_PROOF", (Variant("CONTROL", 10), Variant("SOCIAL_PROOF", 90)))
LAYER = Layer("wording", "wording-2026").with_experiment("A", 50).with_experiment("B", 50)
IN_LAYER = ExperimentSpec(
    "A",
    (Variant("CONTROL", 50), Variant("T", 50)),
    layer="wording",
    segments=frozenset({"0", "1", "2"}),
)
LAYER_B = ExperimentSpec("B", (Variant("CONTROL", 50), Variant("T", 50)), layer="wording")


def _timing(clients: list[ClientId]) -> dict[str, object]:
    for client in clients[:2000]:  # warm up
        assign(BENEFIT, client, environment=PROD)
    started = time.perf_counter()
    for client in clients:
        assign(BENEFIT, client, environment=PROD)
    plain = (time.perf_counter() - started) / len(clients) * 1e6
    started = time.perf_counter()
    for index, client in enumerate(clients):
        assign(IN_LAYER, client, environment=PROD, segment=index % 4, layer=LAYER)
    layered = (time.perf_counter() - started) / len(clients) * 1e6
    single: list[float] = []
    clock = time.perf_counter_ns
    for client in clients[:20_000]:
        start = clock()
        assign(BENEFIT, client, environment=PROD)
        single.append((clock() - start) / 1e3)
    return {
        "timed_calls": len(clients),
        "assign_mean_us": round(plain, 2),
        "assign_layer_targeting_mean_us": round(layered, 2),
        "assign_single_p50_us": round(percentile(single, 0.5), 2),
        "assign_single_p99_us": round(percentile(single, 0.99), 2),
        "target_us": 50,
    }


def _shares(spec: ExperimentSpec, variants: list[str]) -> tuple[float, dict[str, float]]:
    counts = Counter(variants)
    seen = {name: counts[name] / len(variants) * 100 for name in spec.variant_names}
    worst = max(abs(seen[name] - float(share)) for name, share in spec.shares.items())
    return worst, seen


def _independence(first: list[str], second: list[str]) -> float:
    names_a, names_b = sorted(set(first)), sorted(set(second))
    index_a = {name: i for i, name in enumerate(names_a)}
    index_b = {name: i for i, name in enumerate(names_b)}
    table = np.zeros((len(names_a), len(names_b)), dtype=np.int64)
    np.add.at(table, ([index_a[a] for a in first], [index_b[b] for b in second]), 1)
    return float(stats.chi2_contingency(table).pvalue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--timed", type=int, default=200_000)
    args = parser.parse_args()

    clients = [ClientId(f"client-{number:07d}") for number in range(args.clients)]
    figures: dict[str, object] = _timing(clients[: args.timed])

    started = time.perf_counter()
    benefit = [assign(BENEFIT, c, environment=PROD).variant for c in clients]
    urgency = [assign(URGENCY, c, environment=PROD).variant for c in clients]
    uneven = [assign(UNEVEN, c, environment=PROD).variant for c in clients]
    benefit_test = [assign(BENEFIT, c, environment=Environment.TEST).variant for c in clients]
    in_a = [assign(IN_LAYER, c, environment=PROD, layer=LAYER, segment=0).enrolled for c in clients]
    in_b = [assign(LAYER_B, c, environment=PROD, layer=LAYER).enrolled for c in clients]
    worst_benefit, seen_benefit = _shares(BENEFIT, benefit)
    worst_uneven, seen_uneven = _shares(UNEVEN, uneven)
    figures |= {
        "clients": args.clients,
        "benefit_split_pct": {name: round(value, 3) for name, value in seen_benefit.items()},
        "benefit_worst_deviation_pp": round(worst_benefit, 3),
        "uneven_split_pct": {name: round(value, 3) for name, value in seen_uneven.items()},
        "uneven_worst_deviation_pp": round(worst_uneven, 3),
        "split_target_pp": 0.5,
        "split_within_target": max(worst_benefit, worst_uneven) <= 0.5,
        "independence_benefit_x_urgency_p": round(_independence(benefit, urgency), 4),
        "independence_production_x_test_p": round(_independence(benefit, benefit_test), 4),
        "layer_clients_in_a": sum(in_a),
        "layer_clients_in_b": sum(in_b),
        "layer_clients_in_both": sum(a and b for a, b in zip(in_a, in_b, strict=True)),
        "split_seconds": round(time.perf_counter() - started, 1),
    }
    machine = machine_description(BenchDatabase("none", "", "none (in-process, no database)"))
    print_report("experiment assignment", machine, figures)


if __name__ == "__main__":
    main()
