"""A simulated book of clients who answer recommendations from preferences nextbest cannot see.

Each simulated client is a demo-book client (goals, portfolio, findings) plus a hidden model of
how it responds: an affinity per category (partly shared with clients of its age band, country
and risk tolerance, partly its own), how often it visits, how quickly it tires of suggestions,
how often it bothers to dismiss. On each visit its login, page view and any article it reads (on
topics it cares about) are ingested, and it asks for recommendations through the same
``Recommender`` the API uses, looks at them top down, and reports VIEWED, ACCEPTED or DISMISSED
through the same service functions. The engine only ever sees those events and outcomes; the
hidden numbers stay here (the oracle policy alone reads them, to show the ceiling). How widely
the tastes spread is the world's (``sim.world``): calibrated on real offer-acceptance data by
default, or the hand-set world of the first figures.

Every policy runs on its own copy of the same book, with the same clients, the same visits and
reading (one random stream) and its own stream for the answers, so the weekly acceptance rates
compare like with like.
"""

from __future__ import annotations

import math
import random
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nextbest.behavior.state import Decay
from nextbest.behavior.vocabulary import CATEGORY_TOPICS
from nextbest.decision.catalog import Action, Catalog, load_catalog
from nextbest.decision.engine import Policy
from nextbest.domain.candidate import Candidate, Category
from nextbest.domain.client import Client
from nextbest.domain.enums import Channel, EventType
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId
from nextbest.domain.recommendation import Status
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.ingest import ingest_events
from nextbest.services.profiles import ProfileConfig
from nextbest.services.recommendations import Recommender, build_recommender
from nextbest.services.securities import upsert_securities
from nextbest.settings import BehaviourSettings, DecisionSettings
from nextbest.signals.base import SecurityMaster, SignalContext
from nextbest.signals.engine import detect_all
from nextbest.sim.demo_book import DemoBook, build_demo_book
from nextbest.sim.world import CALIBRATED, HAND_SET, World, hidden_affinity
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "POLICIES",
    "SimulatedClient",
    "SimulationResult",
    "build_population",
    "run_policy",
    "simulate",
    "store_book",
]

POLICIES = (Policy.ENGINE, Policy.STANDARD, Policy.BASELINE, Policy.RANDOM, Policy.ORACLE)
START = datetime(2026, 1, 5, 8, tzinfo=UTC)
"""A Monday: week 1 of every simulation starts here."""
LOOK = (0.95, 0.7, 0.5, 0.35, 0.25)
"""Chance the client looks at the suggestion at each rank."""
READS = 0.6
"""Chance a visit includes reading an article."""


@dataclass(frozen=True, slots=True)
class SimulatedClient:
    client: Client
    candidates: tuple[Candidate, ...]
    affinity: Mapping[Category, float]
    """Hidden: added to the logit of accepting a suggestion of each category."""
    visits_per_week: float
    fatigue: float
    """Hidden: logit lost per suggestion delivered in the last 7 days."""
    dismisses: float
    """Hidden: chance a looked-at suggestion that is not accepted is dismissed explicitly."""
    base_logit: float = HAND_SET.base_logit
    """Hidden: the world's acceptance of a neutral suggestion (logit)."""

    def acceptance(self, action: Action, candidate: Candidate | None, recent: int) -> float:
        """The true chance this client accepts ``action`` now (the oracle's knowledge)."""
        logit = self.base_logit + self.affinity.get(action.category, 0.0) - self.fatigue * recent
        if candidate is not None:
            logit += 0.4 * candidate.urgency / 100
        return 1.0 / (1.0 + math.exp(-logit))


def build_population(
    clients: int, *, seed: int = 11, as_of: datetime = START, world: World = CALIBRATED
) -> tuple[DemoBook, list[SimulatedClient]]:
    """Demo clients with their findings (computed once) and hidden response models drawn in
    ``world``."""
    book = build_demo_book(clients=clients, seed=seed, days=1, as_of=as_of)
    engine = build_signal_engine(assumptions_file=None, paths=2_000, seed=seed)
    master = SecurityMaster(book.securities)
    portfolios = {p.client_id: p for p in book.portfolios}
    population = []
    for client in book.clients:
        rng = random.Random(f"nextbest-sim:{seed}:{client.client_id}")
        context = SignalContext(
            client=client,
            portfolio=portfolios.get(client.client_id),
            master=master,
            assumptions=engine.assumptions,
            as_of=as_of.date(),
            seed=seed,
        )
        found = detect_all(context, engine.registry).candidates
        affinity = hidden_affinity(client, rng, world, year=as_of.year)
        population.append(
            SimulatedClient(
                client=client,
                candidates=tuple(found),
                affinity=affinity,
                visits_per_week=rng.uniform(0.3, 1.7),
                fatigue=rng.uniform(0.01, 0.06),
                dismisses=rng.uniform(0.3, 0.8),
                base_logit=world.base_logit,
            )
        )
    return book, population


@dataclass(slots=True)
class WeekTally:
    served: int = 0
    accepted: int = 0
    chance: float = 0.0
    """Sum of the served suggestions' true chances of acceptance when served (hidden; a
    diagnostic of the world, never shown to a policy)."""
    visits: int = 0
    empty: int = 0
    """Visits answered with no suggestion at all."""

    @property
    def rate(self) -> float:
        return 0.0 if self.served == 0 else self.accepted / self.served

    @property
    def mean_chance(self) -> float:
        """The mean true chance of what was served: the oracle's is the best on offer."""
        return 0.0 if self.served == 0 else self.chance / self.served


@dataclass(slots=True)
class SimulationResult:
    policy: Policy
    weeks: list[WeekTally] = field(default_factory=list)

    def rate(self, first: int, last: int) -> float:
        """Acceptance rate over weeks ``first``..``last`` (1-based, inclusive)."""
        chosen = self.weeks[first - 1 : last]
        served = sum(w.served for w in chosen)
        return 0.0 if served == 0 else sum(w.accepted for w in chosen) / served


def store_book(book: DemoBook, url: str) -> None:
    """The demo book's securities, clients and portfolios, stored at ``url`` (migrated)."""
    from nextbest.services.clients import put_client
    from nextbest.services.portfolios import put_portfolio

    engine = make_engine(url)
    upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    upsert_securities(book.securities, uow=uow, now=START)
    for client in book.clients:
        put_client(client, uow=uow, now=START)
    for portfolio in book.portfolios:
        put_portfolio(portfolio, uow=uow, now=START)
    engine.dispose()


def run_policy(
    policy: Policy,
    population: Sequence[SimulatedClient],
    *,
    database: Path,
    weeks: int,
    seed: int,
    catalog: Catalog,
    limit: int = 1,
    oracle_sees: Callable[[SimulatedClient], SimulatedClient] | None = None,
) -> SimulationResult:
    """Run ``policy`` over the population for ``weeks`` on the database file ``database``.

    ``oracle_sees`` (diagnostics): what the oracle policy ranks by, a client with part of its
    hidden taste taken away; the answers still come from the whole one."""
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    recommender: Recommender = build_recommender(
        catalog,
        # Value-neutral: the simulation measures acceptance, so a large amount must not outrank
        # a likelier suggestion (the oracle then ranks purely by the true acceptance).
        DecisionSettings(seed=seed, model_sync_seconds=3_600, value_scale=1e12),
        profiles=ProfileConfig.from_settings(BehaviourSettings()),
        signals=build_signal_engine(assumptions_file=None, paths=2_000, seed=seed),
    )
    # The simulated book has no advisor: it stands for one who approves every regulated
    # suggestion at once, so the loop is measured on everything the engine suggests.
    recommender.hold_regulated = False
    by_id = {sim.client.client_id: sim for sim in population}
    seen = {
        client_id: sim if oracle_sees is None else oracle_sees(sim)
        for client_id, sim in by_id.items()
    }

    def findings(_uow: UnitOfWork, client_id: ClientId, _now: datetime) -> Sequence[Candidate]:
        return by_id[client_id].candidates

    delivered: dict[ClientId, list[datetime]] = {}
    result = SimulationResult(policy)
    rng = random.Random(f"nextbest-sim-visits:{seed}")
    answers = random.Random(f"nextbest-sim-answers:{seed}")
    for week in range(weeks):
        tally = WeekTally()
        for day in range(7):
            today = START + timedelta(days=7 * week + day)
            recommender.learning.expire_due(uow=uow, now=today, limit=100_000)
            for sim in population:
                if rng.random() >= sim.visits_per_week / 7:
                    continue
                now = today + timedelta(hours=rng.uniform(0, 12))
                _visit_events(sim, now, rng, uow=uow, decay=recommender.profiles.decay)
                recent = [
                    t
                    for t in delivered.get(sim.client.client_id, [])
                    if now - t < timedelta(days=7)
                ]
                oracle = (
                    _oracle(seen[sim.client.client_id], len(recent))
                    if policy is Policy.ORACLE
                    else None
                )
                answer = recommender.recommend(
                    sim.client.client_id,
                    channel=Channel.IN_APP,
                    limit=limit,
                    uow=uow,
                    now=now,
                    policy=policy,
                    candidates=findings,
                    oracle=oracle,
                )
                tally.visits += 1
                tally.empty += not answer.items
                for position, item in enumerate(answer.items):
                    tally.served += 1
                    recent.append(now)
                    p = sim.acceptance(item.action, item.candidate, len(recent))
                    tally.chance += p
                    if answers.random() >= LOOK[min(position, len(LOOK) - 1)]:
                        continue
                    rid = item.recommendation.recommendation_id
                    at = now + timedelta(seconds=position + 1)
                    recommender.learning.record_outcome(rid, Status.VIEWED, uow=uow, now=at)
                    if answers.random() < p:
                        recommender.learning.record_outcome(rid, Status.ACCEPTED, uow=uow, now=at)
                        tally.accepted += 1
                    elif answers.random() < sim.dismisses:
                        recommender.learning.record_outcome(rid, Status.DISMISSED, uow=uow, now=at)
                delivered[sim.client.client_id] = recent
        result.weeks.append(tally)
    engine.dispose()
    return result


def _visit_events(
    sim: SimulatedClient, at: datetime, rng: random.Random, *, uow: UnitOfWork, decay: Decay
) -> None:
    """What the host application reports of a visit, through the same ingestion service as
    ``POST /v1/events``: a login, the home page and, more often than not, an article, whose topic
    follows the client's hidden tastes (people read about what they care about)."""
    client_id = sim.client.client_id
    stamp = at.strftime("%Y%m%d%H%M%S%f")
    events = [
        Event(
            EventId(f"sim:{client_id}:{stamp}:{kind.value}"), client_id, kind, at, session_id=stamp
        )
        for kind in (EventType.LOGIN, EventType.PAGE_VIEW)
    ]
    if rng.random() < READS:
        categories = sorted(CATEGORY_TOPICS)
        weights = [math.exp(sim.affinity.get(Category(c), 0.0)) for c in categories]
        topic = rng.choice(sorted(CATEGORY_TOPICS[rng.choices(categories, weights)[0]]))
        events.append(
            Event(
                EventId(f"sim:{client_id}:{stamp}:read"),
                client_id,
                EventType.CONTENT_READ,
                at,
                session_id=stamp,
                context={"topic": topic, "difficulty": 2},
            )
        )
    ingest_events(
        list(enumerate(events)),
        received=len(events),
        uow=uow,
        now=at,
        max_clock_skew=timedelta(0),
        decay=decay,
    )


def _oracle(sim: SimulatedClient, recent: int) -> Callable[[Action, Candidate | None], float]:
    def truth(action: Action, candidate: Candidate | None) -> float:
        return sim.acceptance(action, candidate, recent)

    return truth


def _run_one(
    args: tuple[Policy, Sequence[SimulatedClient], Path, int, int],
) -> SimulationResult:
    policy, population, database, weeks, seed = args
    return run_policy(
        policy, population, database=database, weeks=weeks, seed=seed, catalog=load_catalog()
    )


def simulate(
    *,
    clients: int,
    weeks: int,
    seed: int = 11,
    policies: Sequence[Policy] = POLICIES,
    workers: int = 1,
    world: World = CALIBRATED,
    on_done: Callable[[SimulationResult], None] = lambda _: None,
) -> list[SimulationResult]:
    """Every policy on its own copy of one simulated book; results in ``policies`` order."""
    book, population = build_population(clients, seed=seed, world=world)
    with tempfile.TemporaryDirectory(prefix="nextbest-sim-") as folder:
        template = Path(folder) / "template.db"
        store_book(book, f"sqlite:///{template}")
        jobs = []
        for policy in policies:
            database = Path(folder) / f"{policy.value}.db"
            shutil.copyfile(template, database)
            jobs.append((policy, population, database, weeks, seed))
        results: dict[Policy, SimulationResult] = {}
        if workers <= 1:
            for job in jobs:
                done = _run_one(job)
                results[done.policy] = done
                on_done(done)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for done in pool.map(_run_one, jobs):
                    results[done.policy] = done
                    on_done(done)
    return [results[policy] for policy in policies]
