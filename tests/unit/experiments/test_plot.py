"""The cumulative-lift plot is a PNG of the right size, drawn without pyplot."""

from __future__ import annotations

import sys
from datetime import date, timedelta

from nextbest.experiments.analysis import lift_over_time
from nextbest.experiments.plot import plot_cumulative_lift
from nextbest.experiments.sufficient import DayStats, Moments, Proportion


def _rows() -> list[DayStats]:
    rows = []
    for offset in range(8):
        day = date(2026, 3, 1) + timedelta(days=offset)
        rows.append(DayStats(day, "CONTROL", "accept", Proportion(500, 50 + offset % 3)))
        rows.append(DayStats(day, "B", "accept", Proportion(500, 58 + offset % 2)))
    return rows


def test_the_plot_is_a_png_of_800_by_450_pixels() -> None:
    points = lift_over_time(_rows(), control="CONTROL", variant="B", metric="accept")
    png = plot_cumulative_lift({"B": points}, title="BENEFIT_EMPHASIS", metric="accept")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 800
    assert int.from_bytes(png[20:24], "big") == 450
    assert "matplotlib.pyplot" not in sys.modules


def test_days_without_an_estimate_are_gaps_not_errors() -> None:
    rows = [
        DayStats(date(2026, 3, 1), "CONTROL", "amount", Moments.of([1.0])),
        *[
            DayStats(date(2026, 3, 2), v, "amount", Moments.of([1.0, 2.0, 4.0]))
            for v in ("CONTROL", "B")
        ],
    ]
    points = lift_over_time(rows, control="CONTROL", variant="B", metric="amount")
    assert points[0].absolute is None
    png = plot_cumulative_lift({"B": points}, title="t", metric="amount", percentage_points=False)
    assert png.startswith(b"\x89PNG")
