"""The beta-binomial chance to beat control and expected loss equal exact rational arithmetic
(small counts) and adaptive quadrature (large counts)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from nextbest.experiments.bayesian import (
    bayesian,
    beta_binomial,
    chance_beta_greater,
    expected_loss_beta,
    gaussian,
)
from nextbest.experiments.sufficient import Degenerate, Moments, Proportion

Poly = list[Fraction]


def _mul(p: Poly, q: Poly) -> Poly:
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


def _antiderivative(p: Poly) -> Poly:
    return [Fraction(0), *(c / (k + 1) for k, c in enumerate(p))]


def _at(p: Poly, x: Fraction) -> Fraction:
    return sum((c * x**k for k, c in enumerate(p)), Fraction(0))


def _beta_density(a: int, b: int) -> Poly:
    """x^(a-1) (1-x)^(b-1) / B(a, b) as exact polynomial coefficients."""
    norm = Fraction(math.factorial(a + b - 1), math.factorial(a - 1) * math.factorial(b - 1))
    poly = [Fraction(0)] * (a - 1) + [norm * math.comb(b - 1, k) * (-1) ** k for k in range(b)]
    return poly


def _exact_chance(a: int, b: int, c: int, d: int) -> Fraction:
    """P(X > Y) = integral over [0, 1] of f_X(x) F_Y(x), F_Y the antiderivative of f_Y."""
    cdf_y = _antiderivative(_beta_density(c, d))
    whole = _antiderivative(_mul(_beta_density(a, b), cdf_y))
    return _at(whole, Fraction(1))


def _exact_loss(a: int, b: int, c: int, d: int) -> Fraction:
    """E[max(Y - X, 0)] = integral of f_X(x) * integral from x to 1 of (y - x) f_Y(y) dy."""
    f_y = _beta_density(c, d)
    y_f_y = _antiderivative([Fraction(0), *f_y])  # antiderivative of y f_Y(y)
    f_y_int = _antiderivative(f_y)
    one = Fraction(1)
    # g(x) = [Y1(1) - Y1(x)] - x [F(1) - F(x)], as a polynomial in x.
    g = [_at(y_f_y, one) - y_f_y[0], *(-c for c in y_f_y[1:])]
    tail = [_at(f_y_int, one) - f_y_int[0], *(-c for c in f_y_int[1:])]
    g = [
        gc - tc
        for gc, tc in zip(g + [Fraction(0)] * 2, [Fraction(0), *tail, Fraction(0)], strict=False)
    ]
    whole = _antiderivative(_mul(_beta_density(a, b), g))
    return _at(whole, one)


small = st.integers(1, 30)


@given(small, small, small, small)
@settings(max_examples=150, deadline=None)
def test_the_chance_to_beat_equals_exact_rational_arithmetic(
    a: int, b: int, c: int, d: int
) -> None:
    assert chance_beta_greater(a, b, c, d) == pytest.approx(
        float(_exact_chance(a, b, c, d)), abs=1e-12
    )


@given(small, small, small, small)
@settings(max_examples=100, deadline=None)
def test_the_expected_loss_equals_exact_rational_arithmetic(a: int, b: int, c: int, d: int) -> None:
    assert expected_loss_beta(a, b, c, d) == pytest.approx(
        float(_exact_loss(a, b, c, d)), abs=1e-12
    )


def _window(*params: tuple[int, int]) -> tuple[float, float]:
    lows, highs = [], []
    for a, b in params:
        mean, sd = stats.beta.mean(a, b), stats.beta.std(a, b)
        lows.append(max(0.0, mean - 40 * sd))
        highs.append(min(1.0, mean + 40 * sd))
    return min(lows), max(highs)


def _quad_chance(a: int, b: int, c: int, d: int) -> float:
    low, high = _window((a, b), (c, d))
    points = [stats.beta.mean(a, b), stats.beta.mean(c, d)]
    value, _ = integrate.quad(
        lambda y: stats.beta.pdf(y, c, d) * stats.beta.sf(y, a, b),
        low,
        high,
        points=points,
        epsabs=1e-13,
        epsrel=1e-12,
        limit=500,
    )
    return float(value)


def _quad_loss(a: int, b: int, c: int, d: int) -> float:
    """E[(Y - x)+] = E[Y] S_{Beta(c+1, d)}(x) - x S_Y(x), integrated against f_X."""
    low, high = _window((a, b), (c, d))
    points = [stats.beta.mean(a, b), stats.beta.mean(c, d)]
    mean_y = c / (c + d)

    def integrand(x: float) -> float:
        partial = mean_y * stats.beta.sf(x, c + 1, d) - x * stats.beta.sf(x, c, d)
        return float(stats.beta.pdf(x, a, b) * partial)

    value, _ = integrate.quad(
        integrand, low, high, points=points, epsabs=1e-14, epsrel=1e-12, limit=500
    )
    return float(value)


@pytest.mark.parametrize("seed", range(12))
def test_large_counts_equal_adaptive_quadrature(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_c, n_t = (int(x) for x in rng.integers(1_000, 400_000, size=2))
    rate = rng.uniform(0.005, 0.4)
    x_c = int(rng.binomial(n_c, rate))
    x_t = int(rng.binomial(n_t, rate * rng.uniform(0.97, 1.03)))
    a, b, c, d = 1 + x_t, 1 + n_t - x_t, 1 + x_c, 1 + n_c - x_c
    assert chance_beta_greater(a, b, c, d) == pytest.approx(_quad_chance(a, b, c, d), abs=1e-8)
    assert expected_loss_beta(a, b, c, d) == pytest.approx(_quad_loss(a, b, c, d), abs=1e-9)
    assert expected_loss_beta(c, d, a, b) == pytest.approx(_quad_loss(c, d, a, b), abs=1e-9)


def test_the_result_is_symmetric_and_sums_to_one() -> None:
    assert chance_beta_greater(30, 70, 41, 59) + chance_beta_greater(41, 59, 30, 70) == (
        pytest.approx(1.0, abs=1e-14)
    )


def test_a_lower_is_better_metric_flips_the_comparison() -> None:
    control, treatment = Proportion(1000, 100), Proportion(1000, 130)
    higher = beta_binomial(control, treatment)
    lower = beta_binomial(control, treatment, higher_is_better=False)
    assert higher.chance_to_beat_control is not None
    assert lower.chance_to_beat_control is not None
    assert higher.chance_to_beat_control + lower.chance_to_beat_control == pytest.approx(1.0)
    assert lower.risk == pytest.approx(higher.risk_control)


def test_zero_conversions_are_not_degenerate_for_the_posterior() -> None:
    result = beta_binomial(Proportion(500, 0), Proportion(500, 0))
    assert result.problem is None
    assert result.chance_to_beat_control == pytest.approx(0.5)
    assert result.risk is not None
    assert 0 < result.risk < 0.002


@pytest.mark.parametrize(
    ("control", "treatment", "problem"),
    [
        (Proportion(0, 0), Proportion(10, 1), Degenerate.EMPTY_ARM),
        (Proportion(10, 11), Proportion(10, 1), Degenerate.INVALID_COUNTS),
        (Moments.of([1.0]), Moments.of([1.0, 2.0]), Degenerate.TOO_FEW_UNITS),
        (Moments(), Moments.of([1.0, 2.0]), Degenerate.EMPTY_ARM),
        (Moments.of([2.0, 2.0]), Moments.of([2.0, 2.0]), Degenerate.ZERO_VARIANCE),
        (Proportion(10, 1), Moments.of([1.0, 2.0]), Degenerate.MIXED_KINDS),
    ],
)
def test_degenerate_arms_give_a_reason(
    control: Proportion | Moments, treatment: Proportion | Moments, problem: Degenerate
) -> None:
    result = bayesian(control, treatment)
    assert result.problem is problem
    assert result.reason
    assert result.chance_to_beat_control is None


@pytest.mark.parametrize("seed", range(10))
def test_the_gaussian_model_for_means_equals_quadrature(seed: int) -> None:
    rng = np.random.default_rng(seed)
    control = Moments.of(rng.normal(10, 3, 200).tolist())
    treatment = Moments.of(rng.normal(10.3, 3, 250).tolist())
    result = gaussian(control, treatment)
    assert control.mean is not None
    assert treatment.mean is not None
    assert control.variance is not None
    assert treatment.variance is not None
    mean = treatment.mean - control.mean
    sd = math.sqrt(control.variance / 200 + treatment.variance / 250)
    risk, _ = integrate.quad(
        lambda x: -x * stats.norm.pdf(x, mean, sd), mean - 40 * sd, 0.0, epsabs=1e-13
    )
    assert result.chance_to_beat_control == pytest.approx(stats.norm.sf(0, mean, sd), abs=1e-12)
    assert result.risk == pytest.approx(risk, abs=1e-10)
