"""The analysis of a whole experiment and seed 002's verdict, made safe to read every day."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from nextbest.experiments.analysis import analyse, lift_over_time
from nextbest.experiments.assignment import ExperimentSpec, Variant
from nextbest.experiments.comparison import AnalysisPlan, Metric
from nextbest.experiments.corrections import Correction, holm
from nextbest.experiments.sufficient import DayStats, Degenerate, Proportion
from nextbest.experiments.verdict import VerdictKind

START = date(2026, 3, 1)
SPEC = ExperimentSpec(
    "BENEFIT_EMPHASIS",
    (Variant("CONTROL", 34), Variant("MONETARY_FOCUS", 33), Variant("PERCENTAGE_FOCUS", 33)),
)
ACCEPT = Metric("acceptance_rate")
DISMISS = Metric("dismissal_rate", higher_is_better=False)


def simulate(
    rates: dict[str, dict[str, float]],
    *,
    days: int,
    daily: dict[str, int],
    seed: int = 0,
) -> list[DayStats]:
    """Storage rows for ``days`` days: each variant's new units and conversions per metric."""
    rng = np.random.default_rng(seed)
    rows = []
    for offset in range(days):
        day = START + timedelta(days=offset)
        for variant, by_metric in rates.items():
            for metric, rate in by_metric.items():
                n = daily[variant]
                rows.append(
                    DayStats(day, variant, metric, Proportion(n, int(rng.binomial(n, rate))))
                )
    return rows


def three_arms(
    monetary: float, percentage: float, dismiss: float = 0.05
) -> dict[str, dict[str, float]]:
    return {
        "CONTROL": {"acceptance_rate": 0.10, "dismissal_rate": 0.05},
        "MONETARY_FOCUS": {"acceptance_rate": monetary, "dismissal_rate": dismiss},
        "PERCENTAGE_FOCUS": {"acceptance_rate": percentage, "dismissal_rate": 0.05},
    }


EVEN = {"CONTROL": 1020, "MONETARY_FOCUS": 990, "PERCENTAGE_FOCUS": 990}


def test_a_clear_winner_is_rolled_out_at_the_horizon() -> None:
    rows = simulate(three_arms(0.125, 0.10), days=14, daily=EVEN)
    plan = AnalysisPlan(ACCEPT, (DISMISS,), minimum_sample_size=12_000)
    result = analyse(SPEC, plan, rows)
    assert result.at_horizon
    assert result.days == 14
    assert result.last_day == START + timedelta(days=13)
    assert result.verdict.kind is VerdictKind.ROLL_OUT
    assert result.verdict.variant == "MONETARY_FOCUS"
    assert "roll out MONETARY_FOCUS" in result.verdict.reason
    assert not result.srm.mismatch


def test_a_significant_lift_below_the_threshold_keeps_the_control() -> None:
    rows = simulate(three_arms(0.105, 0.10), days=30, daily={k: 10 * v for k, v in EVEN.items()})
    plan = AnalysisPlan(ACCEPT, minimum_sample_size=100_000)
    result = analyse(SPEC, plan, rows)
    monetary = result.variants[1].comparisons[0]
    assert monetary.lift.significant()  # +5% on 300,000 units is real ...
    assert result.verdict.kind is VerdictKind.KEEP_CONTROL  # ... but not the 10% the seed asks


def test_before_the_horizon_only_the_sequential_test_can_declare_a_winner() -> None:
    rows = simulate(three_arms(0.113, 0.10), days=3, daily=EVEN, seed=4)
    plan = AnalysisPlan(ACCEPT, minimum_sample_size=50_000)
    result = analyse(SPEC, plan, rows)
    monetary = result.variants[1].comparisons[0]
    assert not result.at_horizon
    assert monetary.sequential.p_value is not None
    assert monetary.sequential.p_value > monetary.lift.p_value  # type: ignore[operator]
    assert result.verdict.kind is VerdictKind.KEEP_TESTING
    assert "of 50,000 units" in result.verdict.reason


def test_an_overwhelming_lift_is_rolled_out_early_by_the_sequential_test() -> None:
    rows = simulate(three_arms(0.16, 0.10), days=5, daily=EVEN)
    result = analyse(SPEC, AnalysisPlan(ACCEPT, minimum_sample_size=50_000), rows)
    assert not result.at_horizon
    assert result.verdict.kind is VerdictKind.ROLL_OUT
    assert "always-valid" in result.verdict.reason


def test_a_guardrail_made_worse_stops_the_variant() -> None:
    rows = simulate(three_arms(0.13, 0.10, dismiss=0.09), days=7, daily=EVEN)
    plan = AnalysisPlan(ACCEPT, (DISMISS,), minimum_sample_size=20_000)
    result = analyse(SPEC, plan, rows)
    assert result.verdict.kind is VerdictKind.STOP_FOR_HARM
    assert result.verdict.variant == "MONETARY_FOCUS"
    assert "dismissal_rate" in result.verdict.reason


def test_a_broken_split_is_reported_before_any_winner() -> None:
    rows = simulate(three_arms(0.16, 0.10), days=10, daily={**EVEN, "CONTROL": 1150})
    result = analyse(SPEC, AnalysisPlan(ACCEPT, minimum_sample_size=5_000), rows)
    assert result.srm.mismatch
    assert result.verdict.kind is VerdictKind.CHECK_SETUP
    assert "sample ratio mismatch" in result.verdict.reason


def test_a_lower_is_better_success_metric_rolls_out_a_decrease() -> None:
    spec = ExperimentSpec("LOW_PRESSURE", (Variant("CONTROL", 50), Variant("CALM", 50)))
    rates = {"CONTROL": {"dismissal_rate": 0.20}, "CALM": {"dismissal_rate": 0.15}}
    rows = simulate(rates, days=10, daily={"CONTROL": 1000, "CALM": 1000})
    result = analyse(spec, AnalysisPlan(DISMISS, minimum_sample_size=8_000), rows)
    assert result.verdict.kind is VerdictKind.ROLL_OUT
    assert result.verdict.variant == "CALM"
    comparison = result.variants[1].comparisons[0]
    assert comparison.improvement == pytest.approx(-comparison.lift.relative)  # type: ignore[operator]
    assert comparison.bayesian.chance_to_beat_control == pytest.approx(1.0, abs=1e-6)


def test_the_correction_covers_every_variant_and_metric() -> None:
    rows = simulate(three_arms(0.11, 0.105), days=14, daily=EVEN, seed=9)
    plan = AnalysisPlan(ACCEPT, (DISMISS,), minimum_sample_size=12_000)
    result = analyse(SPEC, plan, rows)
    comparisons = [c for v in result.variants for c in v.comparisons]
    assert len(comparisons) == 4
    assert [c.adjusted_p_value for c in comparisons] == holm([c.lift.p_value for c in comparisons])
    bh = analyse(
        SPEC, AnalysisPlan(ACCEPT, (DISMISS,), correction=Correction.BENJAMINI_HOCHBERG), rows
    )
    assert [c.adjusted_p_value for v in bh.variants for c in v.comparisons] != [
        c.adjusted_p_value for c in comparisons
    ]


def test_no_data_yet_is_an_answer_not_an_error() -> None:
    result = analyse(SPEC, AnalysisPlan(ACCEPT, minimum_sample_size=1000), [])
    assert result.verdict.kind is VerdictKind.KEEP_TESTING
    assert result.days == 0
    assert result.first_day is None
    comparison = result.variants[1].comparisons[0]
    assert comparison.lift.problem is Degenerate.EMPTY_ARM
    assert comparison.sequential.problem is Degenerate.NOT_ENOUGH_DATA
    assert result.srm.p_value is None


def test_no_conversions_yet_keeps_testing_with_the_reason() -> None:
    rows = simulate(
        three_arms(0.0, 0.0) | {"CONTROL": {"acceptance_rate": 0.0}}, days=2, daily=EVEN
    )
    result = analyse(SPEC, AnalysisPlan(ACCEPT, minimum_sample_size=10_000), rows)
    assert result.verdict.kind is VerdictKind.KEEP_TESTING
    assert "no unit in either arm has converted yet" in result.verdict.reason


def test_a_single_variant_experiment_needs_its_setup_checked() -> None:
    spec = ExperimentSpec("HOLDOUT_ONLY", (Variant("CONTROL", 100),))
    rows = simulate({"CONTROL": {"acceptance_rate": 0.1}}, days=2, daily={"CONTROL": 100})
    result = analyse(spec, AnalysisPlan(ACCEPT), rows)
    assert result.verdict.kind is VerdictKind.CHECK_SETUP
    assert result.variants[0].units == 200
    assert result.variants[0].comparisons == ()


def test_an_arm_with_no_rows_is_an_empty_arm() -> None:
    rows = [
        r
        for r in simulate(three_arms(0.12, 0.1), days=3, daily=EVEN)
        if r.variant != "PERCENTAGE_FOCUS"
    ]
    result = analyse(SPEC, AnalysisPlan(ACCEPT), rows)
    percentage = result.variants[2]
    assert percentage.units == 0
    assert percentage.comparisons[0].lift.problem is Degenerate.EMPTY_ARM
    assert result.srm.mismatch  # a third of the traffic is missing


def test_the_lift_over_time_ends_where_the_analysis_does() -> None:
    rows = simulate(three_arms(0.12, 0.10), days=10, daily=EVEN)
    points = lift_over_time(
        rows,
        control="CONTROL",
        variant="MONETARY_FOCUS",
        metric="acceptance_rate",
        planned_total=20_000,
    )
    result = analyse(SPEC, AnalysisPlan(ACCEPT, minimum_sample_size=10_000), rows)
    final = result.variants[1].comparisons[0]
    assert [p.day for p in points] == [START + timedelta(days=d) for d in range(10)]
    assert points[-1].absolute == final.lift.absolute
    assert points[-1].sequence == final.sequential.confidence_sequence
    for point in points:
        assert point.sequence is not None
        assert point.interval is not None
        # The always-valid interval is the price of peeking: wider than the fixed one.
        assert point.sequence[1] - point.sequence[0] > point.interval[1] - point.interval[0]
