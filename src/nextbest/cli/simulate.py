"""``nextbest simulate``: the decision loop against simulated clients, policy by policy."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from nextbest.decision.engine import Policy
from nextbest.sim.simulator import SimulationResult, simulate

__all__ = ["plot_curves", "run_simulation", "summary"]

LATE = (9, 12)
"""The weeks the figures compare (the issue's weeks 9-12), clipped to the weeks simulated."""


def summary(results: Sequence[SimulationResult]) -> dict[str, float]:
    """Acceptance in the late weeks per policy, and the engine's ratios to the others."""
    by = {r.policy: r for r in results}
    weeks = len(results[0].weeks)
    first, last = min(LATE[0], weeks), min(LATE[1], weeks)
    late = {policy.value: result.rate(first, last) for policy, result in by.items()}
    figures = {f"late.{name}": rate for name, rate in late.items()}
    engine = late.get(Policy.ENGINE.value)
    for other in (Policy.STANDARD, Policy.ORACLE, Policy.RANDOM, Policy.BASELINE):
        if engine is not None and late.get(other.value):
            figures[f"engine/{other.value}"] = engine / late[other.value]
    return figures


def plot_curves(results: Sequence[SimulationResult]) -> bytes:
    """The weekly acceptance rate of every policy, as a PNG (a bare Figure: no pyplot state)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4), dpi=110)
    axes = figure.subplots()
    for result in results:
        weeks = range(1, len(result.weeks) + 1)
        axes.plot(weeks, [w.rate for w in result.weeks], marker="o", label=result.policy.value)
    axes.set_xlabel("week")
    axes.set_ylabel("acceptance rate (accepted / served)")
    axes.set_title("nextbest simulate: weekly acceptance by policy")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def run_simulation(
    *,
    clients: int,
    weeks: int,
    seed: int,
    workers: int,
    policies: Sequence[Policy],
    plot: Path | None,
    console: Console,
) -> list[SimulationResult]:
    started = time.perf_counter()
    console.print(f"simulating {clients:,} clients over {weeks} weeks ({workers} worker(s))")
    results = simulate(
        clients=clients,
        weeks=weeks,
        seed=seed,
        policies=policies,
        workers=workers,
        on_done=lambda r: console.print(
            f"  {r.policy.value}: done at {time.perf_counter() - started:.0f} s"
        ),
    )
    table = Table(title="acceptance rate by week (accepted / served)")
    table.add_column("week")
    for result in results:
        table.add_column(result.policy.value, justify="right")
    for week in range(weeks):
        table.add_row(str(week + 1), *(f"{r.weeks[week].rate:.3f}" for r in results))
    table.add_row("served", *(f"{sum(w.served for w in r.weeks):,}" for r in results))
    console.print(table)
    for name, value in summary(results).items():
        console.print(f"{name}: {value:.3f}")
    if plot is not None:
        plot.write_bytes(plot_curves(results))
        console.print(f"curve saved to {plot}")
    console.print(f"took {time.perf_counter() - started:.0f} s")
    return results
