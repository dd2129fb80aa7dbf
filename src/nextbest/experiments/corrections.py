"""Multiple-comparison corrections across variants and metrics.

Three variants against control on a success metric and two guardrails is nine tests; at
alpha = 0.05 each, a null experiment finds "something" far more often than one time in twenty.
Holm controls the family-wise error rate (the chance of any false positive) and is uniformly
more powerful than Bonferroni; Benjamini-Hochberg controls the false discovery rate (the
expected share of false positives among the discoveries), the usual choice when many metrics
are read at once. Both return adjusted p-values to compare with alpha directly.

Degenerate tests (p-value None) are not part of the family and stay None.

>>> holm([0.01, 0.04, 0.03])
[0.03, 0.06, 0.06]
>>> benjamini_hochberg([0.01, 0.04, 0.03, None])
[0.03, 0.04, 0.04, None]
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

__all__ = ["Correction", "adjust", "benjamini_hochberg", "holm"]


class Correction(StrEnum):
    HOLM = "HOLM"
    BENJAMINI_HOCHBERG = "BENJAMINI_HOCHBERG"
    NONE = "NONE"


def _present(p_values: Sequence[float | None]) -> list[tuple[int, float]]:
    return sorted(
        ((index, p) for index, p in enumerate(p_values) if p is not None), key=lambda pair: pair[1]
    )


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values: the i-th smallest times (m - i + 1), made monotone."""
    ordered = _present(p_values)
    m = len(ordered)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (index, p) in enumerate(ordered):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg step-up adjusted p-values: the i-th smallest times m / i, made
    monotone from the largest down."""
    ordered = _present(p_values)
    m = len(ordered)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank in range(m - 1, -1, -1):
        index, p = ordered[rank]
        running = min(running, m * p / (rank + 1))
        adjusted[index] = running
    return adjusted


def adjust(p_values: Sequence[float | None], correction: Correction) -> list[float | None]:
    if correction is Correction.HOLM:
        return holm(p_values)
    if correction is Correction.BENJAMINI_HOCHBERG:
        return benjamini_hochberg(p_values)
    return list(p_values)
