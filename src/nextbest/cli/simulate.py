"""``nextbest simulate``: the decision loop against simulated clients, policy by policy, or one
of seed 002's experiments run on them with a known true lift."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from pathlib import Path

from rich.box import SIMPLE_HEAD
from rich.console import Console
from rich.table import Table

from nextbest.decision.engine import Policy
from nextbest.experiments.sufficient import Proportion
from nextbest.services.experiments import results_png
from nextbest.sim.experiment_run import EXPERIMENT, ExperimentRun, run_benefit_emphasis
from nextbest.sim.simulator import SimulationResult, simulate
from nextbest.sim.world import CALIBRATED, World

__all__ = ["diagnostics", "plot_curves", "run_experiment_simulation", "run_simulation", "summary"]

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


def diagnostics(results: Sequence[SimulationResult]) -> Table:
    """The world seen from the simulator's side, week by week: the mean true chance of what
    each policy served (the oracle's is the best still on offer, so its fall is the book's
    suggestions being used up, not a policy unlearning) and the share of visits answered with
    nothing."""
    table = Table(title="hidden diagnostics: mean true chance served | share of empty answers")
    table.add_column("week")
    for result in results:
        table.add_column(result.policy.value, justify="right")
    for week in range(len(results[0].weeks)):
        cells = []
        for result in results:
            tally = result.weeks[week]
            empty = 0.0 if tally.visits == 0 else tally.empty / tally.visits
            cells.append(f"{tally.mean_chance:.3f} | {empty:.2f}")
        table.add_row(str(week + 1), *cells)
    return table


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
    world: World = CALIBRATED,
) -> list[SimulationResult]:
    started = time.perf_counter()
    console.print(
        f"simulating {clients:,} clients over {weeks} weeks ({workers} worker(s)) in the "
        f"{world.name} world (base logit {world.base_logit:+.2f}, shared tastes x"
        f"{world.shared_scale:.2f}, own taste spread {world.individual:.2f})"
    )
    results = simulate(
        clients=clients,
        weeks=weeks,
        seed=seed,
        policies=policies,
        workers=workers,
        world=world,
        on_done=lambda r: console.print(
            f"  {r.policy.value}: done at {time.perf_counter() - started:.0f} s; weekly "
            f"{' '.join(f'{w.rate:.3f}' for w in r.weeks)}; "
            f"served {sum(w.served for w in r.weeks):,}"
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
    console.print(diagnostics(results))
    for name, value in summary(results).items():
        console.print(f"{name}: {value:.3f}")
    if plot is not None:
        plot.write_bytes(plot_curves(results))
        console.print(f"curve saved to {plot}")
    console.print(f"took {time.perf_counter() - started:.0f} s")
    return results


def run_experiment_simulation(
    *,
    experiment: str,
    clients: int,
    days: int,
    seed: int,
    true_lift: float,
    plot: Path | None,
    console: Console,
) -> ExperimentRun:
    """Run a seed 002 experiment on the simulated book and print what the product owner reads
    (the results, through the API's own service functions) beside the hidden truth."""
    if experiment != EXPERIMENT:
        raise ValueError(f"the simulator runs {EXPERIMENT}; {experiment!r} is not one it knows")
    console.print(
        f"running {EXPERIMENT} as a {days}-day campaign on {clients:,} simulated clients "
        f"(hidden: the monetary framing makes acceptance {true_lift:.0%} likelier)"
    )
    run = run_benefit_emphasis(clients=clients, days=days, seed=seed, true_lift=true_lift)
    result = run.report.result
    table = Table(
        title=f"{EXPERIMENT}: acceptance rate per exposed client",
        box=SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("variant", no_wrap=True)
    for column in ("n", "accepted", "rate", "lift", "95% CI", "p adj", "truth"):
        table.add_column(column, justify="right", no_wrap=True)
    for variant in result.variants:
        stat = variant.stats[result.plan.success.name]
        comparison = next((c for c in variant.comparisons if c.metric == result.plan.success), None)
        accepted = stat.conversions if isinstance(stat, Proportion) else 0
        rate = accepted / stat.n if stat.n else 0.0
        if comparison is None:
            table.add_row(variant.name, f"{stat.n:,}", f"{accepted:,}", f"{rate:.3f}", "-")
            continue
        estimate = comparison.lift
        interval = estimate.relative_ci
        table.add_row(
            variant.name,
            f"{stat.n:,}",
            f"{accepted:,}",
            f"{rate:.3f}",
            _percent(estimate.relative),
            "-" if interval is None else f"[{interval[0]:+.0%}, {interval[1]:+.0%}]",
            "-" if comparison.adjusted_p_value is None else f"{comparison.adjusted_p_value:.2g}",
            _percent(run.truth.get(variant.name)),
        )
    console.print(table)
    console.print(f"verdict: {result.verdict.kind.value}: {result.verdict.reason}")
    srm = "-" if result.srm.p_value is None else f"{result.srm.p_value:.3g}"
    console.print(
        f"sample ratio check p = {srm}; minimum sample size "
        f"{result.plan.minimum_sample_size or 0:,} per arm; true control rate "
        f"{run.true_control_rate:.3f} (hidden)"
    )
    if plot is not None:
        plot.write_bytes(results_png(run.report))
        console.print(f"lift over time saved to {plot}")
    console.print(f"took {run.seconds:.0f} s")
    return run


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1%}"
