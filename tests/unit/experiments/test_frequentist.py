"""The fixed-horizon tests equal statsmodels and scipy on randomly drawn inputs, to 1e-6, and
degenerate data gives a reason instead of an exception."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats._delta_method import NonlinearDeltaCov
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from nextbest.experiments.frequentist import lift, mean_lift, proportion_lift
from nextbest.experiments.sufficient import Degenerate, Moments, Proportion

TOLERANCE = 1e-6


@st.composite
def arms(draw: st.DrawFn) -> tuple[Proportion, Proportion]:
    n_c = draw(st.integers(20, 2_000_000))
    n_t = draw(st.integers(20, 2_000_000))
    x_c = draw(st.integers(1, n_c - 1))
    x_t = draw(st.integers(1, n_t - 1))
    return Proportion(n_c, x_c), Proportion(n_t, x_t)


@given(arms(), st.sampled_from([0.01, 0.05, 0.1]))
@settings(max_examples=150, deadline=None)
def test_the_z_test_and_wald_interval_equal_statsmodels(
    pair: tuple[Proportion, Proportion], alpha: float
) -> None:
    control, treatment = pair
    result = proportion_lift(control, treatment, alpha=alpha)
    z, p = proportions_ztest([treatment.conversions, control.conversions], [treatment.n, control.n])
    low, high = confint_proportions_2indep(
        treatment.conversions,
        treatment.n,
        control.conversions,
        control.n,
        method="wald",
        compare="diff",
        alpha=alpha,
    )
    assert result.problem is None
    assert result.statistic == pytest.approx(z, rel=TOLERANCE, abs=TOLERANCE)
    assert result.p_value == pytest.approx(p, rel=TOLERANCE, abs=1e-12)
    assert result.absolute_ci == pytest.approx((low, high), rel=TOLERANCE, abs=1e-12)


@given(arms())
@settings(max_examples=100, deadline=None)
def test_the_relative_lift_interval_is_the_delta_method_of_statsmodels(
    pair: tuple[Proportion, Proportion],
) -> None:
    control, treatment = pair
    result = proportion_lift(control, treatment)
    rates = np.array([control.conversions / control.n, treatment.conversions / treatment.n])
    covariance = np.diag(rates * (1 - rates) / np.array([control.n, treatment.n]))
    delta = NonlinearDeltaCov(
        lambda p: np.array([p[1] / p[0] - 1]),
        rates,
        covariance,
        deriv=lambda p: np.array([[-p[1] / p[0] ** 2, 1 / p[0]]]),
    )
    low, high = delta.conf_int(alpha=0.05)[0]
    assert result.relative == pytest.approx(rates[1] / rates[0] - 1, rel=TOLERANCE)
    assert result.relative_ci == pytest.approx((low, high), rel=TOLERANCE, abs=1e-12)


def test_the_delta_method_gradient_matches_a_numerical_one() -> None:
    """The closed-form gradient used above is itself checked against numeric differentiation."""
    rates = np.array([0.1, 0.13])
    covariance = np.diag([9e-6, 1.1e-5])

    def relative(p: np.ndarray) -> np.ndarray:
        return np.array([p[1] / p[0] - 1])

    numeric = NonlinearDeltaCov(relative, rates, covariance).se_vectorized()[0]
    result = proportion_lift(Proportion(10_000, 1000), Proportion(10_000, 1300))
    assert result.relative_ci is not None
    half = (result.relative_ci[1] - result.relative_ci[0]) / 2
    # The same standard error, times the 97.5% normal quantile.
    assert half / stats.norm.isf(0.025) == pytest.approx(
        math.sqrt(0.13 * 0.87 / 10_000 / 0.1**2 + 0.13**2 * 0.09 / 10_000 / 0.1**4), rel=1e-9
    )
    assert numeric == pytest.approx(math.sqrt(1.1e-5 / 0.1**2 + 0.13**2 * 9e-6 / 0.1**4), rel=1e-6)


@pytest.mark.parametrize("seed", range(40))
def test_welch_from_sufficient_statistics_equals_scipy_on_raw_samples(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_c, n_t = rng.integers(2, 3000, size=2)
    control_values = rng.lognormal(rng.uniform(0, 5), rng.uniform(0.1, 2), n_c)
    treatment_values = rng.lognormal(rng.uniform(0, 5), rng.uniform(0.1, 2), n_t)
    alpha = float(rng.choice([0.01, 0.05, 0.1]))
    result = mean_lift(
        Moments.of(control_values.tolist()), Moments.of(treatment_values.tolist()), alpha=alpha
    )
    reference = stats.ttest_ind(treatment_values, control_values, equal_var=False)
    interval = reference.confidence_interval(1 - alpha)
    from_stats = stats.ttest_ind_from_stats(
        treatment_values.mean(),
        treatment_values.std(ddof=1),
        n_t,
        control_values.mean(),
        control_values.std(ddof=1),
        n_c,
        equal_var=False,
    )
    assert result.statistic == pytest.approx(reference.statistic, rel=TOLERANCE)
    assert result.statistic == pytest.approx(from_stats.statistic, rel=TOLERANCE)
    assert result.p_value == pytest.approx(reference.pvalue, rel=TOLERANCE, abs=1e-12)
    assert result.df == pytest.approx(reference.df, rel=TOLERANCE)
    assert result.absolute_ci == pytest.approx(
        (interval.low, interval.high), rel=TOLERANCE, abs=1e-9
    )


def test_merged_moments_give_the_same_test_as_the_whole_sample() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(10, 2, 1000).tolist()
    whole = mean_lift(Moments.of(values[:500]), Moments.of(values[500:]))
    merged = mean_lift(
        Moments.of(values[:200]) + Moments.of(values[200:500]),
        Moments.of(values[500:900]) + Moments.of(values[900:]),
    )
    assert merged.p_value == pytest.approx(whole.p_value, rel=1e-9)


def test_a_clear_lift_is_significant_and_none_is_not() -> None:
    assert proportion_lift(Proportion(10_000, 1000), Proportion(10_000, 1200)).significant()
    assert not proportion_lift(Proportion(10_000, 1000), Proportion(10_000, 1010)).significant()


@pytest.mark.parametrize(
    ("control", "treatment", "problem"),
    [
        (Proportion(0, 0), Proportion(100, 10), Degenerate.EMPTY_ARM),
        (Proportion(100, 10), Proportion(0, 0), Degenerate.EMPTY_ARM),
        (Proportion(100, 0), Proportion(100, 0), Degenerate.NO_CONVERSIONS),
        (Proportion(100, 100), Proportion(50, 50), Degenerate.ALL_CONVERSIONS),
        (Proportion(100, 101), Proportion(100, 10), Degenerate.INVALID_COUNTS),
        (Proportion(100, 0), Proportion(100, 100), Degenerate.ZERO_VARIANCE),
        (Proportion(100, 0), Proportion(100, 5), Degenerate.ZERO_CONTROL),
    ],
)
def test_degenerate_rates_give_a_reason_not_an_error(
    control: Proportion, treatment: Proportion, problem: Degenerate
) -> None:
    result = proportion_lift(control, treatment)
    assert result.problem is problem
    assert result.reason
    assert not math.isnan(result.p_value or 0.0)


def test_zero_conversions_in_control_still_tests_the_difference() -> None:
    result = proportion_lift(Proportion(1000, 0), Proportion(1000, 12))
    assert result.problem is Degenerate.ZERO_CONTROL
    assert result.relative is None
    assert result.p_value is not None
    assert result.p_value < 0.01
    assert result.absolute == pytest.approx(0.012)


@pytest.mark.parametrize(
    ("control", "treatment", "problem"),
    [
        (Moments(), Moments.of([1.0, 2.0]), Degenerate.EMPTY_ARM),
        (Moments.of([1.0]), Moments.of([1.0, 2.0]), Degenerate.TOO_FEW_UNITS),
        (Moments.of([3.0, 3.0]), Moments.of([4.0, 4.0, 4.0]), Degenerate.ZERO_VARIANCE),
        (Moments.of([-1.0, 1.0]), Moments.of([4.0, 5.0]), Degenerate.ZERO_CONTROL),
        (Moments(3, math.inf, 1.0), Moments.of([4.0, 5.0]), Degenerate.INVALID_COUNTS),
    ],
)
def test_degenerate_means_give_a_reason_not_an_error(
    control: Moments, treatment: Moments, problem: Degenerate
) -> None:
    result = mean_lift(control, treatment)
    assert result.problem is problem
    assert result.reason


def test_a_rate_against_a_mean_is_reported_not_raised() -> None:
    result = lift(Proportion(10, 1), Moments.of([1.0, 2.0]))
    assert result.problem is Degenerate.MIXED_KINDS
    assert result.p_value is None


def test_millions_of_units_with_a_handful_of_conversions_stay_finite() -> None:
    result = proportion_lift(Proportion(5_000_000, 3), Proportion(5_000_000, 9))
    assert result.p_value is not None
    assert 0.05 < result.p_value < 0.1
    assert result.relative == pytest.approx(2.0)
