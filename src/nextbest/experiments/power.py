"""How many units an experiment needs to detect a given change in a rate.

The test statistic is taken on Cohen's arcsine scale, h = 2 asin(√p₂) - 2 asin(√p₁), which
makes a proportion's variance independent of the proportion (1 / n), so the power of the
two-sided z-test with n₁ and n₂ = ratio · n₁ units is

    power = Φ(h √n_eff - z₁₋alpha/₂) + Φ(-h √n_eff - z₁₋alpha/₂),   n_eff = n₁ n₂ / (n₁ + n₂)

(the second term, rejecting in the wrong direction, is tiny but kept so the answer equals
statsmodels' ``NormalIndPower`` with ``proportion_effectsize`` exactly). The sample size solves
power = target for n₁; it is rounded up per arm.

>>> size = sample_size(0.10, 0.01)
>>> size.per_arm, size.control, size.treatment
(14745, 14745, 14745)
>>> size.total({"CONTROL": 50, "B": 50})
29490
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from scipy import optimize, stats

__all__ = ["SampleSize", "cohens_h", "power_two_proportions", "sample_size"]


def cohens_h(baseline: float, target: float) -> float:
    """The effect on the arcsine scale: statsmodels' ``proportion_effectsize(target, baseline)``."""
    return 2 * math.asin(math.sqrt(target)) - 2 * math.asin(math.sqrt(baseline))


def power_two_proportions(
    baseline: float, target: float, n_control: float, *, alpha: float = 0.05, ratio: float = 1.0
) -> float:
    """Power of the two-sided test with ``n_control`` units and ``ratio`` times as many treated."""
    h = abs(cohens_h(baseline, target))
    n_eff = 1 / (1 / n_control + 1 / (ratio * n_control))
    critical = float(stats.norm.isf(alpha / 2))
    shift = h * math.sqrt(n_eff)
    return float(stats.norm.sf(critical - shift) + stats.norm.cdf(-critical - shift))


@dataclass(frozen=True, slots=True)
class SampleSize:
    """Units needed in the control and in each treatment; ``exact`` is the unrounded control n."""

    control: int
    treatment: int
    exact: float
    baseline: float
    target: float
    alpha: float
    power: float

    @property
    def per_arm(self) -> int:
        """The larger arm's need: what every arm must reach for the planned power."""
        return max(self.control, self.treatment)

    def total(self, shares: Mapping[str, Decimal | float | int]) -> int:
        """Total units to expose so the smallest-share arm reaches ``per_arm``."""
        live = [float(share) for share in shares.values() if float(share) > 0]
        return math.ceil(self.per_arm * sum(live) / min(live))


def sample_size(
    baseline: float,
    minimum_detectable_effect: float,
    *,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> SampleSize:
    """Units per arm to detect a change of ``minimum_detectable_effect`` from ``baseline``.

    The effect is absolute (0.01 is one percentage point) unless ``relative`` (0.1 is +10%).
    For k treatments against one control, pass the alpha the correction will leave each test
    (alpha / k under Bonferroni, a safe bound for Holm). Raises ``ValueError`` for a target rate
    outside (0, 1) or a zero effect: there is no sample size to give.
    """
    target = (
        baseline * (1 + minimum_detectable_effect)
        if relative
        else (baseline + minimum_detectable_effect)
    )
    if not (0 < baseline < 1 and 0 < target < 1) or target == baseline:
        raise ValueError(f"cannot plan for a change from {baseline} to {target}")
    if not (0 < alpha < 1 and alpha < power < 1):
        raise ValueError("alpha and power must lie in (0, 1) with power above alpha")

    def gap(n: float) -> float:
        return power_two_proportions(baseline, target, n, alpha=alpha, ratio=ratio) - power

    upper = 10.0
    while gap(upper) < 0:
        upper *= 10
    exact = float(optimize.brentq(gap, 1e-6, upper, xtol=1e-10, rtol=1e-14))
    return SampleSize(
        math.ceil(exact), math.ceil(exact * ratio), exact, baseline, target, alpha, power
    )
