"""The simulator: every policy through the real service functions, the hidden tastes kept hidden."""

from __future__ import annotations

from typing import Any

import pytest

from nextbest.cli.simulate import plot_curves, summary
from nextbest.decision.engine import Policy
from nextbest.services.recommendations import Recommender
from nextbest.sim.simulator import simulate
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
