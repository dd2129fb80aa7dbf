"""The sample-ratio-mismatch check: do the arms hold the shares they were configured with?

A split that drifts from its configuration (70/30 seen for a 50/50 test) means assignment or
exposure logging is broken — a redirect losing one arm, a bot filter hitting one variant — and
every other number of the experiment is then suspect. The check is Pearson's chi-square
goodness of fit of the units per variant to the configured shares; like GrowthBook it warns
at p < 0.001, a threshold strict enough that a healthy experiment looked at daily for months
almost never trips it, while a real mismatch of a few percent on thousands of units does.

>>> check = sample_ratio_mismatch({"A": 5000, "B": 5000}, {"A": 50, "B": 50})
>>> check.mismatch, check.p_value
(False, 1.0)
>>> sample_ratio_mismatch({"A": 5300, "B": 4700}, {"A": 50, "B": 50}).mismatch
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from scipy import stats

__all__ = ["SRM_THRESHOLD", "SrmCheck", "sample_ratio_mismatch"]

SRM_THRESHOLD = 0.001
"""p-value below which the split is reported as a mismatch."""


@dataclass(frozen=True, slots=True)
class SrmCheck:
    """``p_value`` None means the check could not run; ``reason`` says why, or what was seen."""

    observed: Mapping[str, int]
    expected: Mapping[str, float]
    statistic: float | None
    p_value: float | None
    mismatch: bool
    reason: str = ""


def sample_ratio_mismatch(
    observed: Mapping[str, int],
    shares: Mapping[str, Decimal | float | int],
    *,
    threshold: float = SRM_THRESHOLD,
) -> SrmCheck:
    """Chi-square of ``observed`` units per variant against the configured ``shares`` (any
    scale; normally percent). Variants missing from ``observed`` count as zero units."""
    counts = {name: int(observed.get(name, 0)) for name in shares}
    total_share = float(sum(float(share) for share in shares.values()))
    units = sum(counts.values())
    expected = {name: units * float(share) / total_share for name, share in shares.items()}
    if len(shares) < 2:
        return SrmCheck(counts, expected, None, None, False, "one variant: nothing to check")
    if units == 0:
        return SrmCheck(counts, expected, None, None, False, "no units exposed yet")
    stray = [name for name in shares if expected[name] == 0 and counts[name] > 0]
    if stray:
        reason = f"units in variants with no traffic share: {', '.join(stray)}"
        return SrmCheck(counts, expected, float("inf"), 0.0, True, reason)
    live = [name for name in shares if expected[name] > 0]
    if len(live) < 2:
        return SrmCheck(counts, expected, None, None, False, "one live variant: nothing to check")
    result = stats.chisquare([counts[name] for name in live], [expected[name] for name in live])
    p_value = float(result.pvalue)
    mismatch = p_value < threshold
    reason = (
        f"the split differs from the configured shares (p = {p_value:.2g} < {threshold}); "
        "check assignment and exposure logging before trusting any result"
        if mismatch
        else ""
    )
    return SrmCheck(counts, expected, float(result.statistic), p_value, mismatch, reason)
