"""Sufficient statistics: everything the analysis needs, kept as counts and sums that add.

A rate needs only the units exposed and the units that converted (``Proportion``); a continuous
metric needs the count, the sum and the sum of squares (``Moments``). Both add with ``+``, so
days, shards and segments combine without the raw events, and storage keeps one row per
experiment, environment, day, variant and metric (``DayStats``).

Rows are *increments*: a day's row holds what that day added. A client first exposed on Monday
adds ``Proportion.exposure()`` to Monday's row; when they convert on Wednesday,
``Proportion.conversion()`` goes to Wednesday's row. The running total up to any day is then
exactly what an analyst looking that evening saw, which the sequential test depends on. For a
continuous per-client metric, ``Moments.change(before, after)`` is the increment when one
client's value moves, so the sum of squares stays exact without re-reading every client.

>>> monday = Proportion.exposure() + Proportion.exposure()
>>> (monday + Proportion.conversion()).rate
0.5
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "REASONS",
    "DayStats",
    "Degenerate",
    "Moments",
    "Proportion",
    "Statistic",
    "Totals",
    "cumulative",
    "totals",
]


@dataclass(frozen=True, slots=True)
class Proportion:
    """``n`` units exposed, ``conversions`` of them converted (each unit at most once).

    >>> Proportion(200, 30) + Proportion(100, 10)
    Proportion(n=300, conversions=40)
    """

    n: int = 0
    conversions: int = 0

    def __add__(self, other: Proportion) -> Proportion:
        return Proportion(self.n + other.n, self.conversions + other.conversions)

    @classmethod
    def exposure(cls) -> Proportion:
        """The increment for one unit's first exposure."""
        return cls(1, 0)

    @classmethod
    def conversion(cls) -> Proportion:
        """The increment for one already-exposed unit's (first) conversion."""
        return cls(0, 1)

    @property
    def rate(self) -> float | None:
        """Conversions per unit, or None with no unit."""
        return self.conversions / self.n if self.n > 0 else None

    @property
    def sum(self) -> float:
        """The sum of the 0/1 outcomes, so storage can keep both kinds in one table."""
        return float(self.conversions)

    @property
    def sum_squares(self) -> float:
        return float(self.conversions)

    @property
    def valid(self) -> bool:
        return self.n >= 0 and 0 <= self.conversions <= self.n


@dataclass(frozen=True, slots=True)
class Moments:
    """``n`` units and the sum and sum of squares of one value per unit.

    >>> stats = Moments.of([1.0, 2.0, 3.0])
    >>> stats.mean, stats.variance
    (2.0, 1.0)
    """

    n: int = 0
    sum: float = 0.0
    sum_squares: float = 0.0

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.sum + other.sum, self.sum_squares + other.sum_squares)

    @classmethod
    def of(cls, values: Iterable[float]) -> Moments:
        """The statistic of a sample, one value per unit."""
        total = Moments()
        for value in values:
            total += cls(1, value, value * value)
        return total

    @classmethod
    def change(cls, before: float | None, after: float) -> Moments:
        """The increment when one unit's value moves from ``before`` to ``after``.

        ``before`` is None for a unit seen for the first time (exposed with ``after``, usually
        0.0), which is when ``n`` grows.

        >>> Moments.of([5.0]) + Moments.change(5.0, 7.0) == Moments.of([7.0])
        True
        """
        if before is None:
            return cls(1, after, after * after)
        return cls(0, after - before, after * after - before * before)

    @property
    def mean(self) -> float | None:
        return self.sum / self.n if self.n > 0 else None

    @property
    def variance(self) -> float | None:
        """The sample variance (n - 1 in the denominator), or None below two units.

        Rounding can leave the textbook formula a hair below zero for a constant metric; it
        is clamped to zero rather than reported as a negative variance.
        """
        if self.n < 2:
            return None
        return max(0.0, (self.sum_squares - self.sum * self.sum / self.n) / (self.n - 1))

    @property
    def valid(self) -> bool:
        return self.n >= 0 and math.isfinite(self.sum) and math.isfinite(self.sum_squares)


Statistic = Proportion | Moments
"""One metric's sufficient statistic for one variant."""

Totals = dict[str, dict[str, Statistic]]
"""Statistics by variant name, then metric name."""


@dataclass(frozen=True, slots=True)
class DayStats:
    """One storage row: what ``day`` added to one variant's statistic of one metric."""

    day: date
    variant: str
    metric: str
    stat: Statistic


def _add(into: Totals, variant: str, metric: str, stat: Statistic) -> None:
    by_metric = into.setdefault(variant, {})
    current = by_metric.get(metric)
    if current is None:
        by_metric[metric] = stat
    elif isinstance(current, Proportion) and isinstance(stat, Proportion):
        by_metric[metric] = current + stat
    elif isinstance(current, Moments) and isinstance(stat, Moments):
        by_metric[metric] = current + stat
    else:
        raise TypeError(f"metric {metric!r} mixes rates and continuous values")


def totals(rows: Iterable[DayStats]) -> Totals:
    """Every row added up: statistics by variant, then metric."""
    result: Totals = {}
    for row in rows:
        _add(result, row.variant, row.metric, row.stat)
    return result


def cumulative(rows: Iterable[DayStats]) -> list[tuple[date, Totals]]:
    """The running totals at the end of each day that has a row, oldest first.

    >>> rows = [DayStats(date(2026, 3, 2), "A", "accept", Proportion(10, 1)),
    ...         DayStats(date(2026, 3, 1), "A", "accept", Proportion(10, 2))]
    >>> [(day.day, totals["A"]["accept"].n) for day, totals in cumulative(rows)]
    [(1, 10), (2, 20)]
    """
    by_day: dict[date, list[DayStats]] = defaultdict(list)
    for row in rows:
        by_day[row.day].append(row)
    running: Totals = {}
    result: list[tuple[date, Totals]] = []
    for day in sorted(by_day):
        for row in by_day[day]:
            _add(running, row.variant, row.metric, row.stat)
        result.append((day, {variant: dict(stats) for variant, stats in running.items()}))
    return result


class Degenerate(StrEnum):
    """Why a statistic could not be computed, or only in part. ``REASONS`` words each one."""

    EMPTY_ARM = "EMPTY_ARM"
    INVALID_COUNTS = "INVALID_COUNTS"
    NO_CONVERSIONS = "NO_CONVERSIONS"
    ALL_CONVERSIONS = "ALL_CONVERSIONS"
    TOO_FEW_UNITS = "TOO_FEW_UNITS"
    ZERO_VARIANCE = "ZERO_VARIANCE"
    ZERO_CONTROL = "ZERO_CONTROL"
    NO_CONTROL = "NO_CONTROL"
    MIXED_KINDS = "MIXED_KINDS"
    NOT_ENOUGH_DATA = "NOT_ENOUGH_DATA"


REASONS: Mapping[Degenerate, str] = {
    Degenerate.EMPTY_ARM: "an arm has no exposed units yet",
    Degenerate.INVALID_COUNTS: "the counts are impossible (more conversions than units, or "
    "negative); check how outcomes are recorded",
    Degenerate.NO_CONVERSIONS: "no unit in either arm has converted yet, so there is nothing "
    "to compare",
    Degenerate.ALL_CONVERSIONS: "every unit in both arms converted, so there is nothing to compare",
    Degenerate.TOO_FEW_UNITS: "an arm has fewer than two units, too few to estimate a variance",
    Degenerate.ZERO_VARIANCE: "the metric does not vary within either arm, so its uncertainty "
    "cannot be estimated",
    Degenerate.ZERO_CONTROL: "the control's value is zero, so a relative lift is undefined "
    "(the absolute lift is still given)",
    Degenerate.NO_CONTROL: "the experiment has no other variant to compare with its control",
    Degenerate.MIXED_KINDS: "the two arms hold different kinds of statistic for one metric",
    Degenerate.NOT_ENOUGH_DATA: "no day yet has data in both arms that a test can use",
}
