"""The simulator: every policy through the real service functions, the hidden tastes kept hidden."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nextbest.cli.simulate import plot_curves, summary
from nextbest.decision.catalog import load_catalog
from nextbest.decision.engine import Policy
from nextbest.services.recommendations import Recommender
from nextbest.sim.simulator import (
    SimulatedClient,
    build_population,
    run_policy,
    simulate,
    store_book,
)
from nextbest.sim.world import World


def test_each_policy_runs_through_the_recommender_and_only_the_oracle_sees_the_truth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[Policy, bool]] = []
    real = Recommender.recommend

    def spy(self: Recommender, *args: Any, **kwargs: Any) -> Any:
        seen.append((kwargs["policy"], kwargs["oracle"] is not None))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Recommender, "recommend", spy)
    results = simulate(
        clients=40, weeks=3, seed=3, policies=(Policy.ENGINE, Policy.ORACLE), workers=1
    )
    assert [r.policy for r in results] == [Policy.ENGINE, Policy.ORACLE]
    for result in results:
        assert len(result.weeks) == 3
        assert sum(w.served for w in result.weeks) > 20
        assert all(0 <= w.rate <= 1 for w in result.weeks)
    assert {policy for policy, _ in seen} == {Policy.ENGINE, Policy.ORACLE}
    assert all(has_truth == (policy is Policy.ORACLE) for policy, has_truth in seen)
    figures = summary(results)
    assert figures["engine/oracle"] == pytest.approx(results[0].rate(3, 3) / results[1].rate(3, 3))
    assert plot_curves(results).startswith(b"\x89PNG")


def test_the_same_seed_gives_the_same_simulation() -> None:
    first = simulate(clients=20, weeks=2, seed=5, policies=(Policy.RANDOM,))
    second = simulate(clients=20, weeks=2, seed=5, policies=(Policy.RANDOM,))
    assert [(w.served, w.accepted) for w in first[0].weeks] == [
        (w.served, w.accepted) for w in second[0].weeks
    ]


def test_the_world_sets_how_likely_clients_are_to_accept() -> None:
    reluctant = World("reluctant", base_logit=-9.0, shared_scale=0.0, individual=0.0)
    keen = World("keen", base_logit=3.0, shared_scale=0.0, individual=0.0)
    low = simulate(clients=20, weeks=2, seed=5, policies=(Policy.RANDOM,), world=reluctant)[0]
    high = simulate(clients=20, weeks=2, seed=5, policies=(Policy.RANDOM,), world=keen)[0]
    assert low.rate(1, 2) < 0.05
    assert high.rate(1, 2) > 0.6
    served = [w for w in (*low.weeks, *high.weeks) if w.served]
    assert served
    assert all(w.visits >= w.empty for w in served)
    assert max(w.mean_chance for w in low.weeks) < 0.01
    assert min(w.mean_chance for w in high.weeks if w.served) > 0.9


def test_an_oracle_shown_less_of_the_taste_ranks_by_it_and_is_answered_by_the_whole(
    tmp_path: Path,
) -> None:
    book, population = build_population(30, seed=4)
    store_book(book, f"sqlite:///{tmp_path / 'template.db'}")
    ranked_by: list[float] = []

    def blind(sim: SimulatedClient) -> SimulatedClient:
        ranked_by.append(sum(sim.affinity.values()))
        return replace(sim, affinity={})  # no taste at all: every category looks the same

    def run(name: str, sees: Callable[[SimulatedClient], SimulatedClient] | None) -> float:
        database = tmp_path / f"{name}.db"
        shutil.copyfile(tmp_path / "template.db", database)
        result = run_policy(
            Policy.ORACLE,
            population,
            database=database,
            weeks=3,
            seed=4,
            catalog=load_catalog(),
            oracle_sees=sees,
        )
        served = sum(w.served for w in result.weeks)
        assert served > 20
        return sum(w.chance for w in result.weeks) / served

    seeing, blinded = run("seeing", None), run("blind", blind)
    assert len(ranked_by) == len(population)  # asked once per client
    assert blinded < seeing  # the true chance of what it served: ranking by less does worse
