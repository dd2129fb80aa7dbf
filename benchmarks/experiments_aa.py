"""A/A and known-lift simulations of the experiment analysis, in-process.

A/A: ``--experiments`` experiments (default 2,000) of ``--days`` days in which both arms share
one true acceptance rate. Each day's units are split by a binomial draw (as the hash split
does) and conversions drawn per arm; the daily rows go through ``analyse`` exactly as storage
will hand them over. Reported: the fixed-horizon z-test's false-positive rate at the horizon
(target: within [0.035, 0.065] at alpha = 0.05), the sequential test's when peeked at every
day (target: <= 0.05), what naive daily peeking with the fixed test would give, the SRM
check's false alarms and how often the verdict rolls something out.

Known lift: the sample size ``power.sample_size`` promises for a relative lift of ``--lift``
(80% power), then ``--experiments`` experiments with that true lift run to exactly that size:
the share in which the fixed-horizon test finds the lift is the achieved power, beside the
promised one. Rates and lifts come from a Bernoulli simulator with known truth, not the demo
book, so "right" is known exactly.

    .venv/bin/python benchmarks/experiments_aa.py --experiments 2000
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import date, timedelta

import numpy as np

from _common import BenchDatabase, machine_description, print_report
from nextbest.experiments import (
    AnalysisPlan,
    DayStats,
    ExperimentSpec,
    Metric,
    Proportion,
    Variant,
    VerdictKind,
    analyse,
    lift,
    sample_size,
)

START = date(2026, 3, 1)
SPEC = ExperimentSpec("AA", (Variant("CONTROL", 50), Variant("TREATMENT", 50)))
METRIC = "acceptance_rate"


def _rows(units: np.ndarray, conversions: np.ndarray) -> list[DayStats]:
    """Storage rows from (days, 2) arrays of new units and new conversions per arm."""
    return [
        DayStats(START + timedelta(days=day), name, METRIC, Proportion(int(n), int(x)))
        for day in range(units.shape[0])
        for arm, name in enumerate(("CONTROL", "TREATMENT"))
        for n, x in [(units[day, arm], conversions[day, arm])]
    ]


def _interval(hits: int, trials: int) -> str:
    """The rate with its 95% Wilson interval, as text."""
    rate = hits / trials
    z = 1.959963984540054
    centre = (rate + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials**2)) / (1 + z * z / trials)
    )
    return f"{rate:.4f} [{centre - half:.4f}, {centre + half:.4f}]"


def aa(args: argparse.Namespace, rng: np.random.Generator) -> dict[str, object]:
    per_arm_daily = args.daily_units // 2
    plan = AnalysisPlan(
        Metric(METRIC), alpha=args.alpha, minimum_sample_size=per_arm_daily * args.days
    )
    fixed = sequential = peeking = srm = rolled = 0
    for _ in range(args.experiments):
        control = rng.binomial(args.daily_units, 0.5, size=args.days)
        units = np.stack([control, args.daily_units - control], axis=1)
        conversions = rng.binomial(units, args.baseline)
        result = analyse(SPEC, plan, _rows(units, conversions))
        comparison = result.variants[1].comparisons[0]
        fixed += comparison.lift.significant(args.alpha)
        sequential += comparison.sequential.significant(args.alpha)
        srm += result.srm.mismatch
        rolled += result.verdict.kind is VerdictKind.ROLL_OUT
        cumulative_units, cumulative_conv = units.cumsum(axis=0), conversions.cumsum(axis=0)
        peeking += any(
            lift(
                Proportion(int(cumulative_units[d, 0]), int(cumulative_conv[d, 0])),
                Proportion(int(cumulative_units[d, 1]), int(cumulative_conv[d, 1])),
                alpha=args.alpha,
            ).significant()
            for d in range(args.days)
        )
    n = args.experiments
    return {
        "aa_experiments": n,
        "aa_units_per_experiment": args.daily_units * args.days,
        "aa_fixed_horizon_fpr": _interval(fixed, n),
        "aa_fixed_horizon_fpr_value": round(fixed / n, 4),
        "aa_fixed_target": "[0.035, 0.065]",
        "aa_fixed_within_target": 0.035 <= fixed / n <= 0.065,
        "aa_sequential_daily_peek_fpr": _interval(sequential, n),
        "aa_sequential_fpr_value": round(sequential / n, 4),
        "aa_sequential_target": "<= 0.05",
        "aa_sequential_within_target": sequential / n <= 0.05,
        "aa_naive_daily_peek_fpr": _interval(peeking, n),
        "aa_srm_false_alarms": _interval(srm, n),
        "aa_verdict_roll_out_rate": _interval(rolled, n),
    }


def power(args: argparse.Namespace, rng: np.random.Generator) -> dict[str, object]:
    size = sample_size(args.baseline, args.lift, relative=True, alpha=args.alpha, power=0.8)
    per_arm = size.per_arm
    daily = np.full(args.days, per_arm // args.days)
    daily[: per_arm - int(daily.sum())] += 1  # exactly per_arm units per arm by the last day
    units = np.stack([daily, daily], axis=1)
    rates = np.array([args.baseline, args.baseline * (1 + args.lift)])
    plan = AnalysisPlan(Metric(METRIC), alpha=args.alpha, minimum_sample_size=per_arm)
    found = sequential = rolled = 0
    for _ in range(args.experiments):
        conversions = rng.binomial(units, rates)
        result = analyse(SPEC, plan, _rows(units, conversions))
        comparison = result.variants[1].comparisons[0]
        right_way = (comparison.lift.absolute or 0.0) > 0
        found += comparison.lift.significant(args.alpha) and right_way
        sequential += comparison.sequential.significant(args.alpha) and right_way
        rolled += result.verdict.kind is VerdictKind.ROLL_OUT
    n = args.experiments
    return {
        "power_true_lift": f"{args.baseline:.3f} -> {rates[1]:.4f} (+{args.lift:.0%} relative)",
        "power_units_per_arm": per_arm,
        "power_promised": 0.8,
        "power_achieved_fixed": _interval(found, n),
        "power_achieved_fixed_value": round(found / n, 4),
        "power_sequential_daily_peek": _interval(sequential, n),
        "power_verdict_roll_out_rate": _interval(rolled, n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiments", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--daily-units", type=int, default=2_000, help="both arms, A/A run")
    parser.add_argument("--baseline", type=float, default=0.10)
    parser.add_argument("--lift", type=float, default=0.10, help="relative, known-lift run")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    figures: dict[str, object] = {"alpha": args.alpha, "days": args.days, "seed": args.seed}
    figures |= aa(args, rng)
    figures |= power(args, rng)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    machine = machine_description(BenchDatabase("none", "", "none (in-process, no database)"))
    print_report("experiment analysis: A/A and known lift", machine, figures)


if __name__ == "__main__":
    main()
