"""The cumulative lift over time as a PNG: what a product owner looks at every morning.

Each variant's line is its cumulative absolute lift over the control; the shaded band is the
always-valid confidence sequence (the interval that may be read on any day), the dashed lines
the fixed-horizon interval (meaningful only at the planned sample size, drawn so the
difference between the two is visible). Matplotlib is imported inside the function and draws on an
Agg canvas, so importing this package never pulls in a GUI toolkit or slows start-up.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np

from nextbest.experiments.analysis import LiftPoint

__all__ = ["plot_cumulative_lift"]


def plot_cumulative_lift(
    timelines: Mapping[str, Sequence[LiftPoint]],
    *,
    title: str,
    metric: str,
    percentage_points: bool = True,
) -> bytes:
    """A PNG of each variant's cumulative lift with its intervals, keyed by variant name.

    ``percentage_points`` scales rates (0.012 -> 1.2 points); pass False for a continuous
    metric, whose lift is drawn in its own unit. Days without a usable estimate are gaps.
    """
    # The Agg canvas is attached to this figure alone: no pyplot, no global backend switch
    # that would surprise a host process using matplotlib for something else.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    scale = 100.0 if percentage_points else 1.0
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    nan = float("nan")
    for index, (variant, points) in enumerate(timelines.items()):
        color = f"C{index}"
        days = np.array([point.day for point in points], dtype="datetime64[D]")
        lifts = [nan if point.absolute is None else point.absolute * scale for point in points]
        band = [point.sequence for point in points]
        fixed = [point.interval for point in points]
        axes.plot(days, lifts, color=color, marker="o", markersize=3, label=variant)
        axes.fill_between(
            days,
            [nan if b is None else b[0] * scale for b in band],
            [nan if b is None else b[1] * scale for b in band],
            color=color,
            alpha=0.15,
            linewidth=0,
            label=f"{variant}: always-valid interval",
        )
        for side in (0, 1):
            axes.plot(
                days,
                [nan if f is None else f[side] * scale for f in fixed],
                color=color,
                linestyle="--",
                linewidth=0.8,
                label=f"{variant}: fixed-horizon interval" if side == 0 else None,
            )
    axes.axhline(0.0, color="black", linewidth=0.8)
    unit = "percentage points" if percentage_points else "metric units"
    axes.set_ylabel(f"lift of {metric} over control ({unit})")
    axes.set_xlabel("day")
    axes.set_title(title)
    axes.legend(loc="best", fontsize="small")
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
