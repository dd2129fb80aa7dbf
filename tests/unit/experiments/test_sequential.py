"""The mixture SPRT is the likelihood ratio it claims to be, its confidence sequence inverts it
exactly, and peeking at it every day keeps false positives at alpha where a fixed test's do not."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from nextbest.experiments.frequentist import proportion_lift
from nextbest.experiments.sequential import (
    log_mixture_likelihood_ratio,
    mixing_ratio,
    sequential_path,
    sequential_test,
)
from nextbest.experiments.sufficient import Degenerate, Moments, Proportion


@given(st.floats(-6, 6), st.floats(0.05, 4), st.floats(0.01, 20))
@settings(max_examples=40, deadline=None)
def test_the_statistic_is_the_normal_mixture_likelihood_ratio(
    z: float, sd: float, tau: float
) -> None:
    difference = z * sd

    def mixed(theta: float) -> float:
        return float(stats.norm.pdf(difference, theta, sd) * stats.norm.pdf(theta, 0, tau))

    # The integrand is the posterior of theta (up to a constant): integrate where it lives.
    centre = difference * tau**2 / (sd**2 + tau**2)
    spread = math.sqrt(sd**2 * tau**2 / (sd**2 + tau**2))
    numerator, _ = integrate.quad(
        mixed, centre - 12 * spread, centre + 12 * spread, epsabs=0, epsrel=1e-11
    )
    expected = math.log(numerator / stats.norm.pdf(difference, 0, sd))
    got = log_mixture_likelihood_ratio(difference, sd * sd, tau * tau)
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_the_confidence_sequence_ends_exactly_where_the_test_rejects() -> None:
    control, treatment = Proportion(5000, 500), Proportion(5000, 570)
    result = sequential_test([(control, treatment)], alpha=0.05, planned_total=10_000)
    assert result.confidence_sequence is not None
    difference = 570 / 5000 - 500 / 5000
    variance = 0.1 * 0.9 / 5000 + 0.114 * 0.886 / 5000
    ratio = mixing_ratio(10_000, alpha=0.05, planned_total=10_000)
    for edge in result.confidence_sequence:
        log_lr = log_mixture_likelihood_ratio(difference, variance, ratio * variance, null=edge)
        assert log_lr == pytest.approx(math.log(1 / 0.05), rel=1e-9)
    assert result.p_value == pytest.approx(
        math.exp(-log_mixture_likelihood_ratio(difference, variance, ratio * variance))
    )


def test_the_always_valid_p_value_never_rises_and_the_sequence_never_widens() -> None:
    rng = np.random.default_rng(5)
    looks = []
    c = t = Proportion()
    for _ in range(30):
        c += Proportion(400, int(rng.binomial(400, 0.10)))
        t += Proportion(400, int(rng.binomial(400, 0.10)))
        looks.append((c, t))
    path = sequential_path(looks, alpha=0.05, planned_total=24_000)
    p_values = [r.p_value for r in path]
    assert all(p is not None for p in p_values)
    assert all(b <= a for a, b in itertools.pairwise(p_values))  # type: ignore[operator]
    widths = [r.confidence_sequence[1] - r.confidence_sequence[0] for r in path]  # type: ignore[index]
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(widths))


def test_peeking_daily_keeps_false_positives_at_alpha_where_a_fixed_test_does_not() -> None:
    """A small A/A run (the benchmark runs 2,000); stopping at the first significant day with
    the fixed-horizon z-test is the error the sequential test exists to prevent."""
    rng = np.random.default_rng(11)
    experiments, days, daily = 300, 20, 300
    sequential_hits = peeking_hits = 0
    for _ in range(experiments):
        conversions = rng.binomial(daily, 0.1, size=(days, 2)).cumsum(axis=0)
        looks = [
            (Proportion(daily * (d + 1), int(x[0])), Proportion(daily * (d + 1), int(x[1])))
            for d, x in enumerate(conversions)
        ]
        result = sequential_test(looks, alpha=0.05, planned_total=2 * daily * days)
        sequential_hits += result.significant()
        peeking_hits += any(proportion_lift(c, t).significant() for c, t in looks)
    assert sequential_hits / experiments <= 0.05
    assert peeking_hits / experiments > 0.12


def test_a_real_lift_is_found() -> None:
    looks = [
        (Proportion(n, n // 10), Proportion(n, n // 10 + n // 50)) for n in range(2000, 20001, 2000)
    ]
    result = sequential_test(looks, alpha=0.05, planned_total=20_000)
    assert result.significant()
    assert result.confidence_sequence is not None
    assert result.confidence_sequence[0] < 0.02 < result.confidence_sequence[1]


def test_means_are_tested_too() -> None:
    rng = np.random.default_rng(2)
    control = Moments.of(rng.normal(100, 20, 4000).tolist())
    treatment = Moments.of(rng.normal(104, 20, 4000).tolist())
    assert sequential_test([(control, treatment)], planned_total=8000).significant()


@pytest.mark.parametrize(
    "looks",
    [
        [],
        [(Proportion(), Proportion(10, 1))],
        [(Proportion(100, 0), Proportion(100, 0))],
        [(Moments.of([1.0]), Moments.of([2.0, 3.0]))],
        [(Proportion(10, 1), Moments.of([2.0, 3.0]))],
    ],
)
def test_looks_without_evidence_give_a_reason(looks: list) -> None:  # type: ignore[type-arg]
    result = sequential_test(looks)
    assert result.problem is Degenerate.NOT_ENOUGH_DATA
    assert result.p_value is None
    assert result.reason


def test_an_unusable_early_look_is_skipped_not_fatal() -> None:
    looks = [
        (Proportion(50, 0), Proportion(50, 0)),
        (Proportion(5000, 500), Proportion(5000, 650)),
    ]
    result = sequential_test(looks, planned_total=10_000)
    assert result.looks == 1
    assert result.significant()
