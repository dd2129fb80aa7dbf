"""Calibrate the simulated world's tastes against real offer-acceptance data.

The simulator (``nextbest.sim.world``) gives each client a hidden chance of accepting each
category of suggestion: a base acceptance, a taste shared with clients of its age band, country
and risk tolerance (scaled by ``shared_scale``), and a taste of its own (normal, spread
``individual``). How far clients differ, and how much of it shows in observable attributes,
decides how much any personalised policy can gain over a non-personalised one, so it is set
here from real data rather than by hand.

Real data: UCI Bank Marketing (``data/uci_bank_marketing/``, 41,188 telephone offers of a term
deposit, CC BY 4.0, see its ``SOURCE.txt``). ``duration`` is dropped (known only after the call)
and so are the call's timing and the economy of its month (not attributes of the client).

The measurement, the same on both sides: a gradient-boosting model (scikit-learn's
HistGradientBoosting, fixed hyper-parameters) fitted on 70% of the clients, scored on the other
30%: ROC AUC, the standard deviation of the predicted log-odds, the top-decile lift and the base
rate. It is made twice:

- *attributes*: client attributes only (real: age, job, marital status, education, default,
  housing and personal loans; simulated: age, country, risk tolerance, income and net-worth
  bands), which measures the shared taste;
- *attributes + history*: the same plus one earlier outcome of the same offer for the share of
  clients that had one (real: ``previous``, ``pdays``, ``poutcome``, 13.7% of the calls;
  simulated: one draw from the client's own hidden chance for the same share), which measures
  the client's own taste.

The rule (fixed before the engine was run on the calibrated world, see
``docs/simulation-handoff.md``): on a random split of the real data, take the base rate, the
attributes-only AUC and the attributes + history AUC. Choose the simulated world's base logit
so that the mean acceptance of a random (client, category) pair equals the real base rate,
``shared_scale`` so that the attributes-only AUC (averaged over the categories the catalog
suggests) equals the real one, and ``individual`` so that the attributes + history AUC equals
the real one; the log-odds spread and the top-decile lift are reported as checks, not fitted.

    .venv/bin/python benchmarks/simulation_calibration.py            # measure and calibrate
    .venv/bin/python benchmarks/simulation_calibration.py --check    # measure the worlds only
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

# One thread: gradient boosting's OpenMP threads spin badly on a machine shared with other work.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import OneHotEncoder

from nextbest.decision.catalog import load_catalog
from nextbest.domain.candidate import Category
from nextbest.domain.client import Client
from nextbest.sim.demo_clients import build_client
from nextbest.sim.security_master import build_security_master
from nextbest.sim.shelf import Shelf
from nextbest.sim.world import CALIBRATED, HAND_SET, World, hidden_affinity

DATA = Path(__file__).resolve().parents[1] / "data" / "uci_bank_marketing"
REAL = DATA / "bank-additional-full.csv.gz"
ATTRIBUTES = ("age", "job", "marital", "education", "default", "housing", "loan")
HISTORY = ("previous", "pdays", "poutcome")
NUMERIC = frozenset({"age", "previous", "pdays"})
CONTEXT = ("contact", "month", "day_of_week")
ECONOMY = ("emp.var.rate", "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed")
TEST_SHARE = 0.3
AS_OF = datetime(2026, 1, 5, 8, tzinfo=UTC)

Matrix = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Spread:
    """How widely a model fitted on attributes spreads its predicted acceptance."""

    auc: float
    sd_logit: float
    top_decile_lift: float
    base_rate: float

    def row(self) -> str:
        return (
            f"AUC {self.auc:.3f}  log-odds sd {self.sd_logit:.3f}  "
            f"top-decile lift {self.top_decile_lift:.2f}  base rate {self.base_rate:.4f}"
        )


def _model(categorical: Sequence[bool]) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        categorical_features=np.asarray(categorical, dtype=bool),
        max_iter=100,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    )


def measure(
    x: Matrix, y: NDArray[np.int_], categorical: Sequence[bool], test: NDArray[np.bool_]
) -> Spread:
    """Fit on the rows outside ``test``, measure on the rows in it."""
    model = _model(categorical).fit(x[~test], y[~test])
    p = np.clip(model.predict_proba(x[test])[:, 1], 1e-6, 1 - 1e-6)
    truth = y[test]
    top = p >= np.quantile(p, 0.9)
    return Spread(
        auc=float(roc_auc_score(truth, p)),
        sd_logit=float(np.log(p / (1 - p)).std()),
        top_decile_lift=float(truth[top].mean() / truth.mean()),
        base_rate=float(truth.mean()),
    )


# -- the real data -----------------------------------------------------------------------------


def _real_rows() -> list[dict[str, str]]:
    with gzip.open(REAL, "rt", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _encode(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> tuple[Matrix, list[bool]]:
    x = np.empty((len(rows), len(columns)))
    categorical = []
    for j, column in enumerate(columns):
        if column in NUMERIC:
            x[:, j] = [float(row[column]) for row in rows]
            categorical.append(False)
        else:
            codes = {v: i for i, v in enumerate(sorted({row[column] for row in rows}))}
            x[:, j] = [codes[row[column]] for row in rows]
            categorical.append(True)
    return x, categorical


def real_spreads(split: str) -> dict[str, Spread]:
    """The real data's spreads on a random (stratified by nothing) or time-ordered split: the
    file is in call order, so the last 30% are the latest calls."""
    rows = _real_rows()
    y = np.array([row["y"] == "yes" for row in rows], dtype=np.int_)
    n = len(rows)
    if split == "time":
        test = np.arange(n) >= int(n * (1 - TEST_SHARE))
    else:
        test = np.random.default_rng(0).random(n) < TEST_SHARE
    spreads = {}
    for name, columns in (("attributes", ATTRIBUTES), ("history", ATTRIBUTES + HISTORY)):
        x, categorical = _encode(rows, columns)
        spreads[name] = measure(x, y, categorical, test)
    spreads["history_share"] = Spread(
        0.0, 0.0, 0.0, float(np.mean([row["previous"] != "0" for row in rows]))
    )
    return spreads


def history_log_odds(
    y: NDArray[np.int_],
    categorical: NDArray[np.str_],
    numeric: Matrix | None,
    had: Matrix,
    success: Matrix,
) -> float:
    """The log odds ratio of accepting after an earlier success rather than an earlier failure,
    holding the other columns fixed (a nearly unpenalised logistic regression): how much a
    client's own earlier answer says about its next one beyond what its attributes say."""
    columns = [OneHotEncoder(drop="first", sparse_output=False).fit_transform(categorical)]
    if numeric is not None:
        columns.append((numeric - numeric.mean(axis=0)) / numeric.std(axis=0))
    x = np.column_stack([*columns, had, success])
    return float(LogisticRegression(C=100.0, max_iter=5_000).fit(x, y).coef_[0][-1])


def real_history_log_odds(*, context: bool) -> float:
    """The real data's history log odds ratio, with or without the call's context (contact
    type, month, weekday and the economy of the month) held fixed: later campaigns both reached
    more clients called before and had higher acceptance, which the context takes out."""
    rows = _real_rows()
    names = [*(c for c in ATTRIBUTES if c != "age"), *(CONTEXT if context else ())]
    categorical = np.array(
        [[row[c] for c in names] + [str(min(int(row["age"]) // 10, 7))] for row in rows]
    )
    numeric = np.array([[float(row[c]) for c in ECONOMY] for row in rows]) if context else None
    had = np.array([row["poutcome"] != "nonexistent" for row in rows], dtype=np.float64)
    success = np.array([row["poutcome"] == "success" for row in rows], dtype=np.float64)
    y = np.array([row["y"] == "yes" for row in rows], dtype=np.int_)
    return history_log_odds(y, categorical, numeric, had, success)


# -- the simulated world -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimulatedBook:
    """Simulated clients' observable attributes and, per category, the fixed random numbers
    their outcomes are drawn with (so that two worlds are compared on the same draws)."""

    clients: list[Client]
    attributes: Matrix
    categorical: list[bool]
    categories: list[Category]
    gauss_seeds: list[str]
    outcome_draws: Matrix
    """(clients, categories): the uniform number this client's outcome is decided by."""
    history_draws: Matrix
    has_history: NDArray[np.bool_]
    test: NDArray[np.bool_]


def simulated_book(clients: int, *, seed: int, history_share: float) -> SimulatedBook:
    shelf = Shelf.from_master(build_security_master(seed=seed))
    people = [
        build_client(
            i,
            rng=random.Random(f"calibration:{seed}:{i}"),
            as_of=AS_OF,
            home_companies=shelf.companies,
        )
        for i in range(1, clients + 1)
    ]
    countries = {c: i for i, c in enumerate(sorted({p.country for p in people}))}
    risks = {r: i for i, r in enumerate(sorted({p.risk_tolerance.value for p in people}))}
    incomes = {r: i for i, r in enumerate(sorted({str(p.income_band) for p in people}))}
    worths = {r: i for i, r in enumerate(sorted({str(p.net_worth_band) for p in people}))}
    attributes = np.array(
        [
            [
                p.age_in(AS_OF.year),
                countries[p.country],
                risks[p.risk_tolerance.value],
                incomes[str(p.income_band)],
                worths[str(p.net_worth_band)],
            ]
            for p in people
        ],
        dtype=np.float64,
    )
    suggested = sorted(
        {a.category for a in load_catalog().actions if not a.mandatory}, key=lambda c: c.value
    )
    rng = np.random.default_rng(seed)
    return SimulatedBook(
        clients=people,
        attributes=attributes,
        categorical=[False, True, True, True, True],
        categories=suggested,
        gauss_seeds=[f"calibration-taste:{seed}:{p.client_id}" for p in people],
        outcome_draws=rng.random((clients, len(suggested))),
        history_draws=rng.random((clients, len(suggested))),
        has_history=rng.random(clients) < history_share,
        test=rng.random(clients) < TEST_SHARE,
    )


def _parts(book: SimulatedBook) -> tuple[Matrix, Matrix]:
    """Each client's own taste (at spread 1) and shared taste (at scale 1) per category, from
    the simulator's own ``hidden_affinity`` (linear in both, so any world is a sum of these)."""

    def taste(world: World) -> Matrix:
        return np.array(
            [
                [affinity[c] for c in book.categories]
                for affinity in (
                    hidden_affinity(client, random.Random(gauss), world, year=AS_OF.year)
                    for client, gauss in zip(book.clients, book.gauss_seeds, strict=True)
                )
            ]
        )

    return taste(World("own", 0.0, 0.0, 1.0)), taste(World("shared", 0.0, 1.0, 0.0))


_PARTS: dict[int, tuple[Matrix, Matrix]] = {}


def chances(book: SimulatedBook, world: World) -> Matrix:
    """Each client's hidden chance of accepting each suggested category in ``world``."""
    if id(book) not in _PARTS:
        _PARTS[id(book)] = _parts(book)
    own, shared = _PARTS[id(book)]
    logits = world.base_logit + world.individual * own + world.shared_scale * shared
    return 1.0 / (1.0 + np.exp(-logits))


def simulated_spreads(
    book: SimulatedBook, world: World, *, only_attributes: bool = False
) -> dict[str, Spread]:
    """The same two measurements per suggested category, averaged over the categories, and the
    spread of the true chances themselves (what an oracle knows)."""
    p = chances(book, world)
    accepted = (book.outcome_draws < p).astype(np.int_)
    before = (book.history_draws < p).astype(np.float64)
    found: dict[str, list[Spread]] = {"attributes": [], "history": [], "truth": []}
    for j in range(len(book.categories)):
        y = accepted[:, j]
        found["attributes"].append(measure(book.attributes, y, book.categorical, book.test))
        if only_attributes:
            continue
        history = np.column_stack(
            [book.attributes, book.has_history.astype(np.float64), before[:, j] * book.has_history]
        )
        found["history"].append(measure(history, y, [*book.categorical, False, False], book.test))
        truth = p[book.test, j]
        top = truth >= np.quantile(truth, 0.9)
        found["truth"].append(
            Spread(
                float(roc_auc_score(y[book.test], truth)),
                float(np.log(truth / (1 - truth)).std()),
                float(y[book.test][top].mean() / max(y[book.test].mean(), 1e-9)),
                float(truth.mean()),
            )
        )
    return {
        name: Spread(
            auc=float(np.mean([s.auc for s in spreads])),
            sd_logit=float(np.mean([s.sd_logit for s in spreads])),
            top_decile_lift=float(np.mean([s.top_decile_lift for s in spreads])),
            base_rate=float(p.mean()),
        )
        for name, spreads in found.items()
        if spreads
    }


def simulated_history_log_odds(book: SimulatedBook, world: World) -> float:
    """The simulated world's history log odds ratio, per suggested category, averaged."""
    p = chances(book, world)
    accepted = (book.outcome_draws < p).astype(np.int_)
    before = (book.history_draws < p) & book.has_history[:, None]
    had = book.has_history.astype(np.float64)
    labels = book.attributes.astype(np.int_).astype(str)
    labels[:, 0] = (np.minimum(book.attributes[:, 0] // 10, 7)).astype(np.int_).astype(str)
    found = [
        history_log_odds(accepted[:, j], labels, None, had, before[:, j].astype(np.float64))
        for j in range(len(book.categories))
    ]
    return float(np.mean(found))


def _solve(
    f: Callable[[float], float], target: float, low: float, high: float, steps: int
) -> float:
    """Bisection for an increasing ``f``: the x in [low, high] where f(x) = target."""
    for _ in range(steps):
        middle = (low + high) / 2
        if f(middle) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def base_for(book: SimulatedBook, world: World, rate: float) -> World:
    """The world with its base logit set so a random (client, category) is accepted at
    ``rate``."""

    def mean(base: float) -> float:
        return float(chances(book, _with(world, base_logit=base)).mean())

    return _with(world, base_logit=round(_solve(mean, rate, -8.0, 2.0, 30), 3))


def _with(world: World, **changes: float) -> World:
    values = {
        "base_logit": world.base_logit,
        "shared_scale": world.shared_scale,
        "individual": world.individual,
        **changes,
    }
    return World("candidate", **values)


@dataclass(frozen=True, slots=True)
class Targets:
    base_rate: float
    attributes_auc: float
    history_log_odds: float


def calibrate(book: SimulatedBook, targets: Targets, rounds: int) -> World:
    """Coordinate-wise: the base logit on the base rate, the shared scale on the
    attributes-only AUC, the individual spread on the history log odds ratio, repeated (each
    moves the others a little)."""
    world = base_for(book, HAND_SET, targets.base_rate)
    for round_ in range(rounds):
        current = world

        def attributes_auc(scale: float, current: World = current) -> float:
            candidate = base_for(book, _with(current, shared_scale=scale), targets.base_rate)
            return simulated_spreads(book, candidate, only_attributes=True)["attributes"].auc

        scale = _solve(attributes_auc, targets.attributes_auc, 0.0, 3.0, 8)
        world = base_for(book, _with(world, shared_scale=round(scale, 3)), targets.base_rate)
        current = world

        def history(spread: float, current: World = current) -> float:
            candidate = base_for(book, _with(current, individual=spread), targets.base_rate)
            return simulated_history_log_odds(book, candidate)

        own = _solve(history, targets.history_log_odds, 0.0, 6.0, 10)
        world = base_for(book, _with(world, individual=round(own, 3)), targets.base_rate)
        print(
            f"  round {round_ + 1}: base logit {world.base_logit:+.3f}, shared scale "
            f"{world.shared_scale:.3f}, individual {world.individual:.3f}",
            flush=True,
        )
    return world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16_000, help="simulated clients measured")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="measure the two worlds only")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = len(_real_rows())
    real = real_spreads("random")
    timed = real_spreads("time")
    with_context = real_history_log_odds(context=True)
    without_context = real_history_log_odds(context=False)
    print(f"real data (UCI Bank Marketing, {rows:,} calls, duration dropped):")
    print("  random 70/30 split:")
    print(f"    attributes only        {real['attributes'].row()}")
    print(f"    attributes + history   {real['history'].row()}")
    print("  time-ordered split (the last 30% of calls held out):")
    print(f"    attributes only        {timed['attributes'].row()}")
    print(f"    attributes + history   {timed['history'].row()}")
    print(f"  calls to clients with an earlier outcome: {real['history_share'].base_rate:.3f}")
    print(
        f"  history log odds ratio (earlier success vs failure): {with_context:.3f} with the "
        f"call's context held fixed, {without_context:.3f} without"
    )
    targets = Targets(
        base_rate=real["attributes"].base_rate,
        attributes_auc=real["attributes"].auc,
        history_log_odds=with_context,
    )
    print(
        f"targets: base rate {targets.base_rate:.4f}, attributes-only AUC "
        f"{targets.attributes_auc:.3f}, history log odds ratio {targets.history_log_odds:.3f}"
    )
    book = simulated_book(
        args.clients, seed=args.seed, history_share=real["history_share"].base_rate
    )
    worlds = [HAND_SET, CALIBRATED]
    if not args.check:
        print("calibrating:")
        found = calibrate(book, targets, rounds=args.rounds)
        worlds.append(World("found", found.base_logit, found.shared_scale, found.individual))
    for world in worlds:
        spreads = simulated_spreads(book, world)
        print(
            f"simulated world {world.name!r}: base logit {world.base_logit:+.3f}, shared scale "
            f"{world.shared_scale:.3f}, individual {world.individual:.3f} "
            f"({args.clients:,} demo clients, mean over {len(book.categories)} categories)"
        )
        print(f"    attributes only        {spreads['attributes'].row()}")
        print(f"    attributes + history   {spreads['history'].row()}")
        print(f"    the true chances       {spreads['truth'].row()}")
        print(f"    history log odds ratio {simulated_history_log_odds(book, world):.3f}")
    print(f"took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
