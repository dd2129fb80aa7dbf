"""An always-valid test, so a product owner may look at the results every day.

This is the mixture sequential probability ratio test (mSPRT) of Johari, Pekelis and Walsh
("Always valid inference", 2017) on the normal approximation of the difference between the
arms. At a look where the estimate is D with variance s², mixing the likelihood ratio of
N(θ, s²) against N(0, s²) over θ ~ N(0, τ²) gives

    Λ = sqrt(s² / (s² + τ²)) · exp(τ² D² / (2 s² (s² + τ²)))

Λ is a martingale under the null, so by Ville's inequality it exceeds 1/alpha with probability at
most alpha *at any look, however many*: the always-valid p-value is the running minimum of 1/Λ,
and inverting the test gives a confidence sequence that holds at all looks at once (kept as the
running intersection, which stays valid because every interval in it is).

τ² sets where the test is most powerful. Following Howard et al. ("Time-uniform, nonparametric,
nonasymptotic confidence sequences", 2021, eq. 14) it is chosen so the confidence sequence is
tightest at a planned total sample size N*: τ² = s² · N · ρ² with ρ² = (-2 ln alpha +
ln(1 - 2 ln alpha)) / N*, where N is the current total and s² · N the per-unit variance, so τ² stays
(nearly) fixed as data arrive. Looks where the variance cannot be estimated (an empty arm, no
conversions yet) are skipped: they carry no evidence.

The price of peeking is power: at the planned horizon the sequential test rejects less often
than the fixed-horizon one (``benchmarks/experiments_aa.py`` measures both).

>>> looks = [(Proportion(n, n // 10), Proportion(n, n // 10 + n // 40)) for n in (2000, 4000)]
>>> result = sequential_test(looks, alpha=0.05, planned_total=8000)
>>> result.looks, result.p_value < 0.05
(2, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nextbest.experiments.sufficient import REASONS, Degenerate, Moments, Proportion, Statistic

__all__ = [
    "DEFAULT_PLANNED_TOTAL",
    "SequentialResult",
    "difference_and_variance",
    "log_mixture_likelihood_ratio",
    "mixing_ratio",
    "sequential_path",
    "sequential_test",
]

DEFAULT_PLANNED_TOTAL = 10_000
"""N* when the experiment states no minimum sample size."""

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class SequentialResult:
    """The always-valid p-value and confidence sequence (for treatment - control) after
    ``looks`` usable looks; None with a reason when no look could be used."""

    p_value: float | None
    confidence_sequence: Interval | None
    looks: int
    alpha: float
    problem: Degenerate | None = None
    reason: str = ""

    def significant(self, alpha: float | None = None) -> bool:
        level = self.alpha if alpha is None else alpha
        return self.p_value is not None and self.p_value < level


def difference_and_variance(control: Statistic, treatment: Statistic) -> tuple[float, float] | None:
    """Treatment - control and the (unpooled) variance of that estimate, or None if unknown."""
    if isinstance(control, Proportion) and isinstance(treatment, Proportion):
        if not (control.valid and treatment.valid) or control.n == 0 or treatment.n == 0:
            return None
        p_c = control.conversions / control.n
        p_t = treatment.conversions / treatment.n
        variance = p_c * (1 - p_c) / control.n + p_t * (1 - p_t) / treatment.n
        return p_t - p_c, variance
    if isinstance(control, Moments) and isinstance(treatment, Moments):
        v_c, v_t = control.variance, treatment.variance
        if v_c is None or v_t is None:
            return None
        difference = treatment.sum / treatment.n - control.sum / control.n
        return difference, v_c / control.n + v_t / treatment.n
    return None


def mixing_ratio(total: int, *, alpha: float, planned_total: int) -> float:
    """τ² / s² at a look with ``total`` units: N ρ² (see the module docstring)."""
    log_alpha = math.log(alpha)
    rho2 = (-2 * log_alpha + math.log(1 - 2 * log_alpha)) / planned_total
    return total * rho2


def log_mixture_likelihood_ratio(
    difference: float, variance: float, mixing_variance: float, null: float = 0.0
) -> float:
    """ln Λ for an estimate ``difference`` with ``variance`` s² and mixing variance τ².

    >>> log_mixture_likelihood_ratio(0.0, 1.0, 1.0) == -0.5 * math.log(2)
    True
    """
    ratio = mixing_variance / variance
    z2 = (difference - null) ** 2 / variance
    return -0.5 * math.log1p(ratio) + 0.5 * z2 * ratio / (1 + ratio)


def sequential_path(
    looks: Sequence[tuple[Statistic, Statistic]],
    *,
    alpha: float = 0.05,
    planned_total: int | None = None,
) -> list[SequentialResult]:
    """The mSPRT after each of ``looks``: (control, treatment) cumulative statistics, oldest
    first. ``planned_total`` is N*, the total units (both arms) the experiment plans to reach.
    A look that cannot be used repeats the previous result (or a degenerate one before any).
    """
    target = planned_total or DEFAULT_PLANNED_TOTAL
    p_value = 1.0
    low, high = -math.inf, math.inf
    used = 0
    path: list[SequentialResult] = []
    current = SequentialResult(
        None, None, 0, alpha, Degenerate.NOT_ENOUGH_DATA, REASONS[Degenerate.NOT_ENOUGH_DATA]
    )
    for control, treatment in looks:
        estimate = difference_and_variance(control, treatment)
        if estimate is not None and estimate[1] > 0:
            difference, variance = estimate
            ratio = mixing_ratio(control.n + treatment.n, alpha=alpha, planned_total=target)
            log_lr = log_mixture_likelihood_ratio(difference, variance, ratio * variance)
            p_value = min(p_value, math.exp(-log_lr) if log_lr > 0 else 1.0)
            half = math.sqrt(
                variance * (1 + ratio) / ratio * (math.log1p(ratio) - 2 * math.log(alpha))
            )
            own = (difference - half, difference + half)
            low, high = max(low, own[0]), min(high, own[1])
            used += 1
            # The intersection empties only when the model is wrong (the effect drifts over
            # time) or after an event rarer than alpha; the look's own interval is then the
            # honest answer.
            interval = (low, high) if low <= high else own
            current = SequentialResult(p_value, interval, used, alpha)
        path.append(current)
    return path


def sequential_test(
    looks: Sequence[tuple[Statistic, Statistic]],
    *,
    alpha: float = 0.05,
    planned_total: int | None = None,
) -> SequentialResult:
    """The mSPRT after the last of ``looks`` (see ``sequential_path``)."""
    path = sequential_path(looks, alpha=alpha, planned_total=planned_total)
    if not path:
        return SequentialResult(
            None, None, 0, alpha, Degenerate.NOT_ENOUGH_DATA, REASONS[Degenerate.NOT_ENOUGH_DATA]
        )
    return path[-1]
