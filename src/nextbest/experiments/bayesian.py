"""Bayesian comparison: the chance a variant beats the control, and what choosing it risks.

Rates use the beta-binomial model with a uniform Beta(1, 1) prior, so each arm's posterior is
Beta(1 + conversions, 1 + non-conversions). Both quantities are computed exactly, not sampled:

* the chance that X ~ Beta(a, b) exceeds Y ~ Beta(c, d) is a finite sum when the parameters are
  integers. P(X > y) = P(Binomial(a + b - 1, y) <= a - 1), and integrating that against Y's
  density gives sum over j < a of C(a+b-1, j) B(c + j, d + a + b - 1 - j) / B(c, d). The terms
  are positive, so the sum is stable; it is evaluated in log space with ``betaln``, and the
  symmetries P(X > Y) = 1 - P(Y > X) = P(1 - Y > 1 - X) let it run over the smallest of the
  four parameters (usually the conversions), so a million units cost one short vector sum;
* the expected loss of choosing X over Y, E[max(Y - X, 0)], is E[Y; Y > X] - E[X; Y > X], and
  E[Y; Y > X] = E[Y] P(Y' > X) with Y' ~ Beta(c + 1, d) — the same sum again.

Continuous metrics use the normal approximation to the difference of means with a flat prior,
for which both quantities have closed forms.

>>> result = beta_binomial(Proportion(1000, 100), Proportion(1000, 130))
>>> round(result.chance_to_beat_control, 3)
0.982
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from nextbest.experiments.sufficient import REASONS, Degenerate, Moments, Proportion, Statistic

__all__ = [
    "PRIOR",
    "BayesianResult",
    "bayesian",
    "beta_binomial",
    "chance_beta_greater",
    "expected_loss_beta",
    "gaussian",
]

PRIOR = (1, 1)
"""Beta prior (successes, failures) added to every arm: uniform, and integer so sums are exact."""


@dataclass(frozen=True, slots=True)
class BayesianResult:
    """``chance_to_beat_control``: posterior probability the treatment is better (in the
    metric's good direction). ``risk``: expected loss, in the metric's unit, of choosing the
    treatment if it is in fact worse; ``risk_control``: the same for keeping the control.
    """

    chance_to_beat_control: float | None
    risk: float | None
    risk_control: float | None
    problem: Degenerate | None = None
    reason: str = ""


def _log_choose(n: int, k: np.ndarray) -> np.ndarray:
    result: np.ndarray = (
        special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    )
    return result


def _sum_over_a(a: int, b: int, c: int, d: int) -> float:
    """P(X > Y) for X ~ Beta(a, b), Y ~ Beta(c, d) as the sum over j < a (see the module)."""
    m = a + b - 1
    j = np.arange(a, dtype=np.float64)
    logs = _log_choose(m, j) + special.betaln(c + j, d + m - j) - special.betaln(c, d)
    return float(np.exp(logs).sum())


def chance_beta_greater(a: int, b: int, c: int, d: int) -> float:
    """P(X > Y) for independent X ~ Beta(a, b), Y ~ Beta(c, d), positive integer parameters.

    >>> chance_beta_greater(1, 1, 1, 1)
    0.5
    >>> round(chance_beta_greater(2, 1, 1, 1), 6)  # X has density 2x: P(X > Y) = 2/3
    0.666667
    """
    if min(a, b, c, d) < 1:
        raise ValueError("beta parameters must be positive integers")
    shortest = min(a, b, c, d)
    if shortest == a:
        value = _sum_over_a(a, b, c, d)
    elif shortest == d:
        value = _sum_over_a(d, c, b, a)  # P(1 - Y > 1 - X)
    elif shortest == c:
        value = 1.0 - _sum_over_a(c, d, a, b)
    else:
        value = 1.0 - _sum_over_a(b, a, d, c)
    return min(1.0, max(0.0, value))


def expected_loss_beta(a: int, b: int, c: int, d: int) -> float:
    """E[max(Y - X, 0)] for X ~ Beta(a, b), Y ~ Beta(c, d): what choosing X costs when Y
    is better, averaged over the posterior (zero when it never is)."""
    gain_y = c / (c + d) * chance_beta_greater(c + 1, d, a, b)
    gain_x = a / (a + b) * chance_beta_greater(c, d, a + 1, b)
    return max(0.0, gain_y - gain_x)


def beta_binomial(
    control: Proportion, treatment: Proportion, *, higher_is_better: bool = True
) -> BayesianResult:
    """The chance ``treatment`` beats ``control`` and each choice's expected loss.

    No conversions at all is not degenerate here: the posterior still says the rate is small
    and how unsure it is. An arm with no unit is, since it would only echo the prior.
    """
    if not (control.valid and treatment.valid):
        return BayesianResult(
            None, None, None, Degenerate.INVALID_COUNTS, REASONS[Degenerate.INVALID_COUNTS]
        )
    if control.n == 0 or treatment.n == 0:
        return BayesianResult(None, None, None, Degenerate.EMPTY_ARM, REASONS[Degenerate.EMPTY_ARM])
    a, b = PRIOR[0] + treatment.conversions, PRIOR[1] + treatment.n - treatment.conversions
    c, d = PRIOR[0] + control.conversions, PRIOR[1] + control.n - control.conversions
    if not higher_is_better:
        # A lower rate is better: compare the non-conversion rates, which are Beta(b, a).
        a, b, c, d = b, a, d, c
    return BayesianResult(
        chance_beta_greater(a, b, c, d),
        expected_loss_beta(a, b, c, d),
        expected_loss_beta(c, d, a, b),
    )


def gaussian(
    control: Moments, treatment: Moments, *, higher_is_better: bool = True
) -> BayesianResult:
    """Normal approximation for means: the difference D ~ N(estimate, se²) under a flat prior.

    P(D > 0) = Φ(estimate / se); E[max(-D, 0)] = se φ(z) - estimate Φ(-z) with z = estimate / se.
    """
    if not (control.valid and treatment.valid):
        return BayesianResult(
            None, None, None, Degenerate.INVALID_COUNTS, REASONS[Degenerate.INVALID_COUNTS]
        )
    v_c, v_t = control.variance, treatment.variance
    if v_c is None or v_t is None:
        problem = (
            Degenerate.EMPTY_ARM if 0 in (control.n, treatment.n) else Degenerate.TOO_FEW_UNITS
        )
        return BayesianResult(None, None, None, problem, REASONS[problem])
    se = math.sqrt(v_c / control.n + v_t / treatment.n)
    if se == 0:
        return BayesianResult(
            None, None, None, Degenerate.ZERO_VARIANCE, REASONS[Degenerate.ZERO_VARIANCE]
        )
    difference = treatment.sum / treatment.n - control.sum / control.n
    if not higher_is_better:
        difference = -difference
    z = difference / se
    pdf = float(stats.norm.pdf(z))
    return BayesianResult(
        float(stats.norm.cdf(z)),
        se * pdf - difference * float(stats.norm.cdf(-z)),
        se * pdf + difference * float(stats.norm.cdf(z)),
    )


def bayesian(
    control: Statistic, treatment: Statistic, *, higher_is_better: bool = True
) -> BayesianResult:
    """Beta-binomial for rates, the normal approximation for means."""
    if isinstance(control, Proportion) and isinstance(treatment, Proportion):
        return beta_binomial(control, treatment, higher_is_better=higher_is_better)
    if isinstance(control, Moments) and isinstance(treatment, Moments):
        return gaussian(control, treatment, higher_is_better=higher_is_better)
    return BayesianResult(None, None, None, Degenerate.MIXED_KINDS, REASONS[Degenerate.MIXED_KINDS])
