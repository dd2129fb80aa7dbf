"""Fixed-horizon tests of one variant against the control, from sufficient statistics.

Rates use the two-proportion z-test with the *pooled* standard error (under the null both arms
share one rate, so pooling is the test's own variance; it is what ``proportions_ztest`` does)
and the *unpooled* Wald interval for the difference (away from the null the arms' variances
differ). Continuous metrics use Welch's t-test, which does not assume equal variances, with the
Welch-Satterthwaite degrees of freedom. The relative lift's interval comes from the delta
method on treatment / control - 1, so it is symmetric around the estimate on the relative
scale and needs a control clearly away from zero.

These p-values are valid once, at the planned sample size. Looking every day and stopping at
the first significant day inflates false positives; ``sequential`` is the test for that.

>>> estimate = proportion_lift(Proportion(1000, 100), Proportion(1000, 130))
>>> round(estimate.absolute, 3), round(estimate.relative, 2), estimate.p_value < 0.05
(0.03, 0.3, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from nextbest.experiments.sufficient import REASONS, Degenerate, Moments, Proportion, Statistic

__all__ = ["LiftEstimate", "lift", "mean_lift", "proportion_lift", "relative_lift"]

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class LiftEstimate:
    """Treatment against control for one metric. None marks what the data cannot give;
    ``problem`` and ``reason`` then say why (the first thing that went wrong).

    ``absolute`` is treatment - control in the metric's unit (a rate's is a fraction: 0.012 is
    1.2 percentage points); ``relative`` is treatment / control - 1. ``statistic`` is z for
    rates and t for means, where ``df`` gives the Welch degrees of freedom.
    """

    control: float | None
    treatment: float | None
    absolute: float | None = None
    absolute_ci: Interval | None = None
    relative: float | None = None
    relative_ci: Interval | None = None
    statistic: float | None = None
    df: float | None = None
    p_value: float | None = None
    alpha: float = 0.05
    problem: Degenerate | None = None
    reason: str = ""

    def significant(self, alpha: float | None = None) -> bool:
        """Whether the p-value is below ``alpha`` (this estimate's own when not given)."""
        level = self.alpha if alpha is None else alpha
        return self.p_value is not None and self.p_value < level


def _failed(
    problem: Degenerate, control: float | None, treatment: float | None, alpha: float
) -> LiftEstimate:
    return LiftEstimate(control, treatment, alpha=alpha, problem=problem, reason=REASONS[problem])


def relative_lift(
    control: float, treatment: float, control_var: float, treatment_var: float, alpha: float
) -> tuple[float, Interval] | None:
    """treatment / control - 1 and its delta-method interval, or None when control is zero.

    ``control_var`` and ``treatment_var`` are the variances of the two estimates (not of one
    unit). The gradient of t / c - 1 is (1 / c, -t / c²), hence the variance below.
    """
    if control == 0:
        return None
    relative = treatment / control - 1
    variance = treatment_var / control**2 + treatment**2 * control_var / control**4
    half = float(stats.norm.isf(alpha / 2)) * math.sqrt(variance)
    return relative, (relative - half, relative + half)


def proportion_lift(
    control: Proportion, treatment: Proportion, *, alpha: float = 0.05
) -> LiftEstimate:
    """Two-proportion z-test (pooled), Wald interval (unpooled), delta-method relative lift."""
    if not (control.valid and treatment.valid):
        return _failed(Degenerate.INVALID_COUNTS, control.rate, treatment.rate, alpha)
    if control.n == 0 or treatment.n == 0:
        return _failed(Degenerate.EMPTY_ARM, control.rate, treatment.rate, alpha)
    p_c = control.conversions / control.n
    p_t = treatment.conversions / treatment.n
    pooled = (control.conversions + treatment.conversions) / (control.n + treatment.n)
    absolute = p_t - p_c
    if pooled in (0.0, 1.0):
        nothing = Degenerate.NO_CONVERSIONS if pooled == 0 else Degenerate.ALL_CONVERSIONS
        return LiftEstimate(
            p_c, p_t, absolute, alpha=alpha, problem=nothing, reason=REASONS[nothing]
        )
    se_null = math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n))
    z = absolute / se_null
    p_value = float(2 * stats.norm.sf(abs(z)))
    var_c = p_c * (1 - p_c) / control.n
    var_t = p_t * (1 - p_t) / treatment.n
    problem: Degenerate | None = None
    absolute_ci: Interval | None = None
    if var_c + var_t > 0:
        half = float(stats.norm.isf(alpha / 2)) * math.sqrt(var_c + var_t)
        absolute_ci = (absolute - half, absolute + half)
    else:
        # Each arm is all-or-nothing (0% against 100%): the Wald interval has no width.
        problem = Degenerate.ZERO_VARIANCE
    relative = relative_lift(p_c, p_t, var_c, var_t, alpha)
    if relative is None:
        problem = problem or Degenerate.ZERO_CONTROL
    return LiftEstimate(
        p_c,
        p_t,
        absolute,
        absolute_ci,
        None if relative is None else relative[0],
        None if relative is None else relative[1],
        z,
        None,
        p_value,
        alpha,
        problem,
        REASONS[problem] if problem else "",
    )


def mean_lift(control: Moments, treatment: Moments, *, alpha: float = 0.05) -> LiftEstimate:
    """Welch's t-test and interval for the difference of means; delta-method relative lift."""
    if not (control.valid and treatment.valid):
        return _failed(Degenerate.INVALID_COUNTS, control.mean, treatment.mean, alpha)
    if control.n == 0 or treatment.n == 0:
        return _failed(Degenerate.EMPTY_ARM, control.mean, treatment.mean, alpha)
    m_c, m_t = control.sum / control.n, treatment.sum / treatment.n
    v_c, v_t = control.variance, treatment.variance
    if v_c is None or v_t is None:
        return LiftEstimate(
            m_c,
            m_t,
            m_t - m_c,
            alpha=alpha,
            problem=Degenerate.TOO_FEW_UNITS,
            reason=REASONS[Degenerate.TOO_FEW_UNITS],
        )
    se2_c, se2_t = v_c / control.n, v_t / treatment.n
    absolute = m_t - m_c
    if se2_c + se2_t == 0:
        return LiftEstimate(
            m_c,
            m_t,
            absolute,
            alpha=alpha,
            problem=Degenerate.ZERO_VARIANCE,
            reason=REASONS[Degenerate.ZERO_VARIANCE],
        )
    se = math.sqrt(se2_c + se2_t)
    df = (se2_c + se2_t) ** 2 / (se2_c**2 / (control.n - 1) + se2_t**2 / (treatment.n - 1))
    t = absolute / se
    p_value = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.isf(alpha / 2, df)) * se
    relative = relative_lift(m_c, m_t, se2_c, se2_t, alpha)
    zero_control = Degenerate.ZERO_CONTROL if relative is None else None
    return LiftEstimate(
        m_c,
        m_t,
        absolute,
        (absolute - half, absolute + half),
        None if relative is None else relative[0],
        None if relative is None else relative[1],
        t,
        df,
        p_value,
        alpha,
        zero_control,
        REASONS[zero_control] if zero_control else "",
    )


def lift(control: Statistic, treatment: Statistic, *, alpha: float = 0.05) -> LiftEstimate:
    """The right test for the kind of statistic: z for rates, Welch for means."""
    if isinstance(control, Proportion) and isinstance(treatment, Proportion):
        return proportion_lift(control, treatment, alpha=alpha)
    if isinstance(control, Moments) and isinstance(treatment, Moments):
        return mean_lift(control, treatment, alpha=alpha)
    return _failed(Degenerate.MIXED_KINDS, None, None, alpha)
