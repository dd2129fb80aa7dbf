"""The product owner's run: seed 002's BENEFIT_EMPHASIS on the simulated demo book, end to end.

The experiment is defined, started and read through the service functions behind
``POST /v1/experiments``, ``PATCH /v1/experiments/{name}`` and ``GET .../results``; the
``Recommender`` applies the framing to every answer and counts exposures and conversions from
its decision log and outcomes, on a temporary SQLite book of ``--clients`` demo clients. The
run is a ``--days``-day campaign (each client reached once, one suggestion). The simulated
clients' hidden response: money framing makes accepting ``--true-lift`` likelier (on actions
whose text has a monetary sentence); percentage framing changes nothing. The true lift of
each variant on the analysis's metric is worked out from the hidden probabilities (see
``nextbest.sim.experiment_run``); the analysis never reads it.

Reported: the plan (minimum sample size from the product owner's MDE), each variant's units
and rate, the estimated relative lift with its 95% interval and adjusted p-value beside the
truth, whether the interval covers the truth, the SRM check, the verdict, and the wall time.

``--overhead`` measures instead what running experiments add to ``Recommender.recommend``
in-process (SQLite, findings held in memory): the same book and requests with no experiment,
then with three running (BENEFIT_EMPHASIS, URGENCY_FRAMING and a 5% global holdout), split
into each client's first request (assignments stored, exposure recorded) and later ones.

    .venv/bin/python benchmarks/experiment_simulation.py --clients 4200
    .venv/bin/python benchmarks/experiment_simulation.py --overhead --clients 300
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from _common import BenchDatabase, machine_description, print_report
from nextbest.decision.catalog import load_catalog
from nextbest.domain.candidate import Candidate
from nextbest.domain.enums import Channel
from nextbest.domain.ids import ClientId
from nextbest.experiments.assignment import Environment
from nextbest.experiments.lifecycle import Transition, TreatmentKind
from nextbest.experiments.sufficient import Proportion
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.experiment_treatments import ExperimentTreatments
from nextbest.services.experiments import (
    NewExperiment,
    NewVariant,
    change_status,
    create_experiment,
)
from nextbest.services.profiles import ProfileConfig
from nextbest.services.recommendations import build_recommender
from nextbest.settings import BehaviourSettings, DecisionSettings
from nextbest.sim.experiment_run import (
    PLANNED_BASELINE,
    PLANNED_LIFT,
    TRUE_LIFT,
    run_benefit_emphasis,
)
from nextbest.sim.simulator import START, build_population, store_book
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork


def _timings(values: list[float]) -> str:
    ordered = sorted(values)
    mean = sum(ordered) / len(ordered)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"mean {mean * 1e3:.2f} ms, p50 {p50 * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms"


def overhead(*, clients: int, rounds: int, seed: int) -> dict[str, object]:
    """CPU time of one recommendation without and with three running experiments."""
    book, population = build_population(clients, seed=seed)
    by_id = {sim.client.client_id: sim for sim in population}

    def findings(_uow: UnitOfWork, client_id: ClientId, _now: datetime) -> Sequence[Candidate]:
        return by_id[client_id].candidates

    figures: dict[str, object] = {"clients": clients, "requests per client": rounds}
    with tempfile.TemporaryDirectory(prefix="nextbest-overhead-") as tmp:
        template = Path(tmp) / "template.db"
        store_book(book, f"sqlite:///{template}")
        for label, running in (("no experiment", False), ("3 experiments", True)):
            path = Path(tmp) / f"{running}.db"
            shutil.copyfile(template, path)
            engine = make_engine(f"sqlite:///{path}")
            uow = UnitOfWork(make_session_factory(engine))
            treatments = ExperimentTreatments(Environment.PRODUCTION) if running else None
            recommender = build_recommender(
                load_catalog(),
                DecisionSettings(seed=seed, model_sync_seconds=3_600),
                profiles=ProfileConfig.from_settings(BehaviourSettings()),
                signals=build_signal_engine(assumptions_file=None, paths=2_000, seed=seed),
                experiments=treatments,
            )
            if running:
                for new in _three_experiments():
                    create_experiment(new, uow=uow, now=START)
                    change_status(
                        new.name,
                        Transition.START,
                        uow=uow,
                        now=START,
                        environment=Environment.PRODUCTION,
                        treatments=treatments,
                    )
            first: list[float] = []
            later: list[float] = []
            for round_ in range(rounds):
                for sim in population:
                    now = START + timedelta(hours=round_, seconds=1)
                    started = time.thread_time()
                    recommender.recommend(
                        sim.client.client_id,
                        channel=Channel.IN_APP,
                        limit=3,
                        uow=uow,
                        now=now,
                        candidates=findings,
                    )
                    (first if round_ == 0 else later).append(time.thread_time() - started)
            engine.dispose()
            figures[f"{label}: first request"] = _timings(first)
            figures[f"{label}: later requests"] = _timings(later)
    return figures


def _three_experiments() -> list[NewExperiment]:
    def variants(*pairs: tuple[str, int]) -> tuple[NewVariant, ...]:
        return tuple(NewVariant(name, Decimal(share)) for name, share in pairs)

    return [
        NewExperiment(
            "GLOBAL_HOLDOUT",
            "Personalisation beats the standard ranking",
            TreatmentKind.HOLDOUT,
            variants(("HOLDOUT", 5), ("PERSONALISED", 95)),
            minimum_sample_size=1_000,
        ),
        NewExperiment(
            "BENEFIT_EMPHASIS",
            "Money framing makes clients act more often",
            TreatmentKind.BENEFIT_EMPHASIS,
            variants(("CONTROL", 34), ("MONETARY_FOCUS", 33), ("PERCENTAGE_FOCUS", 33)),
            guardrail_metrics=("dismissal_rate",),
            minimum_sample_size=1_000,
        ),
        NewExperiment(
            "URGENCY_FRAMING",
            "Pressure does not pay",
            TreatmentKind.URGENCY_FRAMING,
            variants(("CONTROL", 34), ("HIGH_URGENCY", 33), ("LOW_PRESSURE", 33)),
            minimum_sample_size=1_000,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4_200)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--true-lift", type=float, default=TRUE_LIFT)
    parser.add_argument("--overhead", action="store_true", help="time recommend() instead")
    parser.add_argument("--rounds", type=int, default=3, help="requests per client (--overhead)")
    args = parser.parse_args()
    machine = machine_description(BenchDatabase("sqlite", "", "SQLite (temporary file)"))
    if args.overhead:
        timed = overhead(clients=args.clients, rounds=args.rounds, seed=args.seed)
        print_report("what running experiments add to a recommendation", machine, timed)
        return

    started = time.perf_counter()
    run = run_benefit_emphasis(
        clients=args.clients, days=args.days, seed=args.seed, true_lift=args.true_lift
    )
    wall = time.perf_counter() - started
    result = run.report.result
    figures: dict[str, object] = {
        "clients": args.clients,
        "days": args.days,
        "seed": args.seed,
        "hidden true lift on p": args.true_lift,
        "plan": f"baseline {PLANNED_BASELINE}, MDE +{PLANNED_LIFT:.0%} relative, power 0.8",
        "minimum per arm": result.plan.minimum_sample_size,
        "exposed clients": run.exposed,
        "true control rate": round(run.true_control_rate, 4),
    }
    for variant in result.variants:
        stat = variant.stats[result.plan.success.name]
        assert isinstance(stat, Proportion)
        figures[f"{variant.name} units"] = stat.n
        figures[f"{variant.name} rate"] = round(stat.rate or 0.0, 4)
        dismissals = variant.stats.get("dismissal_rate")
        if isinstance(dismissals, Proportion):
            figures[f"{variant.name} dismissal rate"] = round(dismissals.rate or 0.0, 4)
        expected = run.arms.get(variant.name)
        if expected is not None:
            figures[f"{variant.name} expected (hidden)"] = (
                f"acceptance {expected[0]:.4f}, dismissal {expected[1]:.4f}"
            )
        for comparison in variant.comparisons:
            if comparison.metric != result.plan.success:
                continue
            estimate, truth = comparison.lift, run.truth[variant.name]
            interval = estimate.relative_ci
            figures[f"{variant.name} true lift"] = f"{truth:+.1%}"
            figures[f"{variant.name} estimate"] = (
                "-"
                if estimate.relative is None or interval is None
                else f"{estimate.relative:+.1%} [{interval[0]:+.1%}, {interval[1]:+.1%}]"
            )
            figures[f"{variant.name} covers truth"] = (
                interval is not None and interval[0] <= truth <= interval[1]
            )
            figures[f"{variant.name} adjusted p"] = (
                None
                if comparison.adjusted_p_value is None
                else float(f"{comparison.adjusted_p_value:.3g}")
            )
    figures["at horizon"] = result.at_horizon
    figures["srm p"] = None if result.srm.p_value is None else round(result.srm.p_value, 3)
    figures["verdict"] = f"{result.verdict.kind.value} {result.verdict.variant or ''}".strip()
    figures["verdict reason"] = result.verdict.reason
    figures["wall seconds"] = round(wall, 1)
    print_report("experiment on the simulated book: BENEFIT_EMPHASIS", machine, figures)


if __name__ == "__main__":
    main()
