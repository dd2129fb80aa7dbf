"""Sufficient statistics add like the data they summarise, whatever the order or split."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nextbest.experiments.sufficient import DayStats, Moments, Proportion, cumulative, totals

values = st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=2, max_size=60)


@given(values, st.integers(0, 60))
@settings(max_examples=100)
def test_moments_of_a_split_sample_add_to_the_whole(sample: list[float], cut: int) -> None:
    merged = Moments.of(sample[:cut]) + Moments.of(sample[cut:])
    assert merged.n == len(sample)
    assert merged.mean == pytest.approx(float(np.mean(sample)), rel=1e-9, abs=1e-6)
    assert merged.variance == pytest.approx(float(np.var(sample, ddof=1)), rel=1e-6, abs=1e-3)


@given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=30))
def test_changes_in_a_units_value_keep_the_sum_of_squares_exact(path: list[float]) -> None:
    stat = Moments.change(None, path[0])
    for before, after in itertools.pairwise(path):
        stat += Moments.change(before, after)
    assert stat.n == 1
    assert stat.sum == pytest.approx(path[-1], abs=1e-6)
    assert stat.sum_squares == pytest.approx(path[-1] ** 2, rel=1e-9, abs=1e-3)


def test_exposures_and_conversions_are_increments() -> None:
    stat = Proportion.exposure() + Proportion.exposure() + Proportion.conversion()
    assert stat == Proportion(2, 1)
    assert stat.rate == 0.5
    assert Proportion().rate is None
    assert not Proportion(1, 2).valid


def test_rows_total_by_variant_and_metric_and_cumulate_by_day() -> None:
    rows = [
        DayStats(date(2026, 3, 2), "B", "accept", Proportion(10, 2)),
        DayStats(date(2026, 3, 1), "A", "accept", Proportion(10, 1)),
        DayStats(date(2026, 3, 2), "A", "accept", Proportion(5, 1)),
        DayStats(date(2026, 3, 1), "A", "amount", Moments.of([1.0, 2.0])),
    ]
    assert totals(rows)["A"]["accept"] == Proportion(15, 2)
    days = cumulative(rows)
    assert [day for day, _ in days] == [date(2026, 3, 1), date(2026, 3, 2)]
    assert days[0][1]["A"]["accept"] == Proportion(10, 1)
    assert "B" not in days[0][1]
    assert days[1][1]["A"]["accept"] == Proportion(15, 2)
    assert days[1][1]["A"]["amount"] == Moments.of([1.0, 2.0])


def test_mixing_a_rate_and_a_continuous_value_in_one_metric_is_a_bug() -> None:
    rows = [
        DayStats(date(2026, 3, 1), "A", "m", Proportion(10, 1)),
        DayStats(date(2026, 3, 2), "A", "m", Moments.of([1.0])),
    ]
    with pytest.raises(TypeError, match="mixes rates and continuous values"):
        totals(rows)


def test_a_constant_metric_has_zero_not_negative_variance() -> None:
    stat = Moments.of([0.1] * 1000)
    assert stat.variance == 0.0 or stat.variance == pytest.approx(0.0, abs=1e-15)
    assert stat.variance is not None
    assert stat.variance >= 0
