"""Seed 002's BENEFIT_EMPHASIS experiment run end to end on the simulated book, with a known truth.

The product owner's run: the experiment is defined, started and read through the same service
functions as ``POST /v1/experiments``, ``PATCH`` and ``GET .../results``; the treatments are
applied by the same ``Recommender`` the API uses, and exposures and conversions are counted
from its decision log and outcomes. Nothing here tells the analysis the truth.

The run is a campaign: over ``days`` days every simulated client is reached once, on a day and
hour drawn at random, asks for one suggestion (IN_APP), looks at it (95%) and accepts it with
its hidden probability, or dismisses it (its hidden habit), or lets it be.

The hidden response to the treatment (stated, never read by the analysis): a client shown the
benefit as an amount of money (the MONETARY_FOCUS variant, on an action whose text has a
monetary sentence) is ``true_lift`` more likely to accept (its probability times
1 + ``true_lift``, capped at 1); the percentage sentence changes nothing. The true relative
lift of each variant on the analysis's metric (the share of exposed clients who accepted) is
then worked out from the hidden probabilities of every exposed client, in either arm: the
expected rate had all of them seen the variant, over the expected rate had all seen the
control. With one suggestion per client that expectation is exact.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from nextbest.decision.catalog import load_catalog
from nextbest.decision.engine import Policy
from nextbest.domain.candidate import Candidate
from nextbest.domain.enums import Channel
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Status
from nextbest.experiments.assignment import Environment
from nextbest.experiments.lifecycle import Transition, TreatmentKind
from nextbest.presentation.framing import BenefitEmphasis
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.experiment_treatments import ExperimentTreatments
from nextbest.services.experiments import (
    ExperimentReport,
    NewExperiment,
    NewVariant,
    change_status,
    create_experiment,
    experiment_results,
)
from nextbest.services.profiles import ProfileConfig
from nextbest.services.recommendations import build_recommender
from nextbest.settings import BehaviourSettings, DecisionSettings
from nextbest.sim.simulator import (
    LOOK,
    START,
    SimulatedClient,
    _visit_events,
    build_population,
    store_book,
)
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["EXPERIMENT", "TRUE_LIFT", "ExperimentRun", "run_benefit_emphasis"]

EXPERIMENT = "BENEFIT_EMPHASIS"
TRUE_LIFT = 0.4
"""Hidden: how much likelier a client is to accept when shown the benefit in money."""
PLANNED_LIFT = 0.25
"""The product owner's minimum detectable effect (relative), planned with 80% power."""
PLANNED_BASELINE = 0.20
"""The product owner's guess at the control's acceptance, from earlier campaigns."""


@dataclass(frozen=True, slots=True)
class ExperimentRun:
    """What the run measured, and the truth it is judged against."""

    clients: int
    days: int
    exposed: int
    true_lift: float
    truth: Mapping[str, float]
    """Each variant's true relative lift on the per-client acceptance rate (hidden model)."""
    true_control_rate: float
    arms: Mapping[str, tuple[float, float]]
    """Each arm's expected acceptance and dismissal rates over the clients it actually got,
    under its own framing (hidden): what the arm's sample should show, luck of the split
    included, beside the population truth above."""
    report: ExperimentReport
    seconds: float


def run_benefit_emphasis(
    *,
    clients: int,
    days: int = 14,
    seed: int = 11,
    true_lift: float = TRUE_LIFT,
    folder: Path | None = None,
) -> ExperimentRun:
    """Run BENEFIT_EMPHASIS (34/33/33) as a campaign over ``days`` days on ``clients``
    simulated clients; returns the analysis and the truth."""
    started = time.perf_counter()
    book, population = build_population(clients, seed=seed)
    with tempfile.TemporaryDirectory(prefix="nextbest-experiment-", dir=folder) as tmp:
        url = f"sqlite:///{Path(tmp) / 'book.db'}"
        store_book(book, url)
        run = _campaign(population, url=url, days=days, seed=seed, true_lift=true_lift)
    return ExperimentRun(
        clients=clients,
        days=days,
        exposed=run.exposed,
        true_lift=true_lift,
        truth=run.truth,
        true_control_rate=run.control_rate,
        arms=run.arms,
        report=run.report,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True, slots=True)
class _Campaign:
    exposed: int
    truth: Mapping[str, float]
    control_rate: float
    arms: Mapping[str, tuple[float, float]]
    report: ExperimentReport


def _campaign(
    sims: Sequence[SimulatedClient], *, url: str, days: int, seed: int, true_lift: float
) -> _Campaign:
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    catalog = load_catalog()
    experiments = ExperimentTreatments(Environment.PRODUCTION, refresh_seconds=3_600)
    recommender = build_recommender(
        catalog,
        DecisionSettings(seed=seed, model_sync_seconds=3_600, value_scale=1e12),
        profiles=ProfileConfig.from_settings(BehaviourSettings()),
        signals=build_signal_engine(assumptions_file=None, paths=2_000, seed=seed),
        experiments=experiments,
    )
    recommender.hold_regulated = False  # the simulated book's advisor approves everything
    monetary = {
        action.action_id
        for action in catalog.actions
        if action.action_id in recommender.presenter.library.actions
        and BenefitEmphasis.MONETARY
        in recommender.presenter.library.action(action.action_id).emphasis
    }
    create_experiment(
        NewExperiment(
            name=EXPERIMENT,
            hypothesis="Stating the benefit as an amount of money makes clients act more often",
            kind=TreatmentKind.BENEFIT_EMPHASIS,
            variants=(
                NewVariant("CONTROL", Decimal(34)),
                NewVariant("MONETARY_FOCUS", Decimal(33)),
                NewVariant("PERCENTAGE_FOCUS", Decimal(33)),
            ),
            minimum_detectable_effect=PLANNED_LIFT,
            baseline_rate=PLANNED_BASELINE,
            guardrail_metrics=("dismissal_rate",),
            end_at=START + timedelta(days=days),
        ),
        uow=uow,
        now=START,
    )
    change_status(
        EXPERIMENT,
        Transition.START,
        uow=uow,
        now=START,
        environment=Environment.PRODUCTION,
        treatments=experiments,
    )
    by_id = {sim.client.client_id: sim for sim in sims}

    def findings(_uow: UnitOfWork, client_id: ClientId, _now: datetime) -> Sequence[Candidate]:
        return by_id[client_id].candidates

    visits = random.Random(f"nextbest-experiment-visits:{seed}")
    answers = random.Random(f"nextbest-experiment-answers:{seed}")
    schedule = sorted(
        (START + timedelta(days=visits.randrange(days), hours=visits.uniform(0, 23.9)), sim)
        for sim in sims
    )
    expected = {"control": 0.0, "monetary": 0.0}
    arms: dict[str, list[float]] = {}
    exposed = 0
    day = START.date()
    for now, sim in schedule:
        if now.date() != day:
            day = now.date()
            recommender.learning.expire_due(uow=uow, now=now, limit=100_000)
        _visit_events(sim, now, visits, uow=uow, decay=recommender.profiles.decay)
        answer = recommender.recommend(
            sim.client.client_id,
            channel=Channel.IN_APP,
            limit=1,
            uow=uow,
            now=now,
            policy=Policy.ENGINE,
            candidates=findings,
        )
        if not answer.items:
            continue
        exposed += 1
        shown_money = answer.treatments.emphasis is BenefitEmphasis.MONETARY
        variant = next((a.variant for a in answer.treatments.arms), "CONTROL")
        missed = {"control": 1.0, "monetary": 1.0, "own": 1.0, "kept": 1.0}
        for position, item in enumerate(answer.items):
            look = LOOK[min(position, len(LOOK) - 1)]
            p = sim.acceptance(item.action, item.candidate, 0)
            boosted = min(1.0, p * (1 + true_lift)) if item.action.action_id in monetary else p
            missed["control"] *= 1 - look * p
            missed["monetary"] *= 1 - look * boosted
            own = boosted if shown_money else p
            missed["own"] *= 1 - look * own
            missed["kept"] *= 1 - look * (1 - own) * sim.dismisses
            if answers.random() >= look:
                continue
            rid = item.recommendation.recommendation_id
            at = now + timedelta(seconds=position + 1)
            recommender.learning.record_outcome(rid, Status.VIEWED, uow=uow, now=at)
            if answers.random() < own:
                recommender.learning.record_outcome(rid, Status.ACCEPTED, uow=uow, now=at)
            elif answers.random() < sim.dismisses:
                recommender.learning.record_outcome(rid, Status.DISMISSED, uow=uow, now=at)
        # The chance this client accepts at least one suggestion, had it seen each framing.
        expected["control"] += 1 - missed["control"]
        expected["monetary"] += 1 - missed["monetary"]
        arm = arms.setdefault(variant, [0.0, 0.0, 0.0])
        arm[0] += 1
        arm[1] += 1 - missed["own"]
        arm[2] += 1 - missed["kept"]
    report = experiment_results(EXPERIMENT, uow=uow, environment=Environment.PRODUCTION)
    engine.dispose()
    control = expected["control"]
    truth = {
        "MONETARY_FOCUS": expected["monetary"] / control - 1 if control else 0.0,
        "PERCENTAGE_FOCUS": 0.0,
    }
    return _Campaign(
        exposed,
        truth,
        control / exposed if exposed else 0.0,
        {v: (a[1] / a[0], a[2] / a[0]) for v, a in sorted(arms.items())},
        report,
    )
