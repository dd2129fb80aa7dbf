"""How much of the simulated clients' taste a policy could learn from what the engine sees.

The oracle policy ranks by each client's true chance of accepting, which comes from a taste it
shares with clients of its age band, country and risk tolerance and a taste of its own
(``nextbest.sim.world``). Here the oracle runs twice on the same book: once knowing everything,
once knowing only the shared part (the answers still come from the whole taste). The second is
the best any policy can do from the client's attributes alone; what the engine gains beyond it
comes from each client's own reading and outcomes.

    .venv/bin/python benchmarks/simulation_ceilings.py --clients 5000 --weeks 12

Prints the weekly acceptance of both and, for weeks 9-12 (the issue's window), the acceptance
and the mean true chance of what was served.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import code_description, print_report
from nextbest.decision.catalog import load_catalog
from nextbest.decision.engine import Policy
from nextbest.sim.simulator import (
    START,
    SimulatedClient,
    SimulationResult,
    build_population,
    run_policy,
    store_book,
)
from nextbest.sim.world import CALIBRATED, World, shared_taste


def attributes_only(world: World) -> Callable[[SimulatedClient], SimulatedClient]:
    """What an oracle of the client's attributes sees: the shared taste, none of its own."""

    def sees(sim: SimulatedClient) -> SimulatedClient:
        shared = shared_taste(sim.client, year=START.year)
        return dataclasses.replace(
            sim, affinity={c: world.shared_scale * v for c, v in shared.items()}
        )

    return sees


def _late(result: SimulationResult, first: int, last: int) -> tuple[float, float]:
    weeks = result.weeks[first - 1 : last]
    served = sum(w.served for w in weeks)
    return result.rate(first, last), sum(w.chance for w in weeks) / max(served, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    book, population = build_population(args.clients, seed=args.seed, world=CALIBRATED)
    figures: dict[str, object] = {"clients": args.clients, "weeks": args.weeks}
    folder = Path(tempfile.mkdtemp(prefix="nextbest-ceilings-"))
    try:
        template = folder / "template.db"
        store_book(book, f"sqlite:///{template}")
        for name, sees in (("oracle", None), ("attributes_oracle", attributes_only(CALIBRATED))):
            database = folder / f"{name}.db"
            shutil.copyfile(template, database)
            result = run_policy(
                Policy.ORACLE,
                population,
                database=database,
                weeks=args.weeks,
                seed=args.seed,
                catalog=load_catalog(),
                oracle_sees=sees,
            )
            first = max(1, args.weeks - 3)
            rate, chance = _late(result, first, args.weeks)
            figures[f"{name}_weekly"] = " ".join(f"{w.rate:.3f}" for w in result.weeks)
            figures[f"{name}_late_acceptance"] = round(rate, 4)
            figures[f"{name}_late_true_chance"] = round(chance, 4)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "code": code_description(),
        "world": "calibrated",
    }
    print_report("simulation_ceilings", machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
