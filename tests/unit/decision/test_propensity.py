"""Thompson sampling explores new actions, finds the best one, and waits behind the data gate."""

from __future__ import annotations

import random

import numpy as np
import pytest

from nextbest.decision.contextual import LinearThompson
from nextbest.decision.features import FEATURES
from nextbest.decision.models import DecisionModels, LearningOutcome
from nextbest.decision.propensity import DataGate, Outcomes, ThompsonPropensity


def _x(**values: float) -> np.ndarray:
    x = np.zeros(len(FEATURES))
    x[FEATURES.index("bias")] = 1.0
    for name, value in values.items():
        x[FEATURES.index(name)] = value
    return x


def test_the_data_gate_keeps_an_action_on_the_segment_level_until_it_has_both_kinds() -> None:
    models = DecisionModels(gate=DataGate(accepted=3, not_accepted=2))
    outcome_id = 0

    def learn(segment: str, reward: float) -> None:
        nonlocal outcome_id
        outcome_id += 1
        models.learn(LearningOutcome(outcome_id, "a", "TAX", segment, tuple(_x()), reward))

    for _ in range(10):
        learn("seg-1", 1.0)
    sampler = models.sampler("a", "TAX", "seg-1", baseline=0.5, x=_x())
    assert sampler.source == "segment"
    learn("seg-2", 0.0)  # the gate counts every segment
    learn("seg-1", 0.0)
    sampler = models.sampler("a", "TAX", "seg-1", baseline=0.5, x=_x())
    assert sampler.source == "contextual"
    assert sampler.expected > 0.7  # 10 accepts of 11 in seg-1
    assert models.applied == 12
    assert models.learn(LearningOutcome(1, "a", "TAX", "seg-1", tuple(_x()), 1.0)) is False


def test_past_the_gate_the_contextual_model_tells_clients_apart() -> None:
    models = DecisionModels(gate=DataGate(0, 0))
    rng = np.random.default_rng(2)
    for i in range(400):  # tax suggestions accepted by young clients, never by old ones
        young = i % 2 == 0
        x = _x(age=0.25 if young else 0.75)
        models.learn(LearningOutcome(i + 1, "a", "TAX", "s", tuple(x), 1.0 if young else 0.0))
    young = models.sampler("b", "TAX", "s", baseline=0.5, x=_x(age=0.25))
    old = models.sampler("b", "TAX", "s", baseline=0.5, x=_x(age=0.75))
    assert young.source == old.source == "contextual"
    assert young.draw(rng, 500).mean() > 0.8  # another tax action shares what was learned
    assert old.draw(rng, 500).mean() < 0.2


def test_the_contextual_model_recovers_a_linear_reward() -> None:
    model = LinearThompson(dim=3, ridge=1.0)
    rng = np.random.default_rng(4)
    truth = np.array([0.1, 0.5, -0.05])
    for _ in range(3_000):
        x = np.array([1.0, rng.random(), rng.random()])
        model.update("a", x, float(x @ truth + rng.normal(0, 0.05)))
    mean, sd = model.predictive("a", np.array([1.0, 0.8, 0.2]))
    assert mean == pytest.approx(0.1 + 0.4 - 0.01, abs=0.02)
    assert sd < 0.05
    _, unknown_sd = model.predictive("new", np.array([1.0, 0.8, 0.2]))
    assert unknown_sd > 5 * sd  # an action without outcomes is uncertain, so it is explored
    with pytest.raises(ValueError, match="shape"):
        model.update("a", np.ones(4), 1.0)


def test_the_standard_ranking_is_the_book_wide_acceptance() -> None:
    models = DecisionModels()
    for i in range(100):
        popular = LearningOutcome(i + 1, "popular", "GOAL", f"s{i % 3}", (), 1.0 if i < 60 else 0)
        rare = LearningOutcome(1_000 + i, "rare", "TAX", "s0", (), 1.0 if i < 5 else 0.0)
        models.learn(popular)
        models.learn(rare)
    popular, rare = models.standard("popular"), models.standard("rare")
    assert popular.fixed == pytest.approx(0.6, abs=0.02)
    assert rare.fixed == pytest.approx(0.05, abs=0.02)
    assert popular.draw(np.random.default_rng(0), 3).tolist() == [popular.fixed] * 3


def test_a_partial_acceptance_counts_half() -> None:
    outcomes = Outcomes()
    outcomes.add_reward(0.5)
    outcomes.add(True)
    assert (outcomes.accepted, outcomes.not_accepted) == (1.5, 0.5)


def test_an_action_without_data_is_explored() -> None:
    model = ThompsonPropensity(gate=DataGate(0, 0))
    for _ in range(30):  # a known action, accepted 30% of the time
        model.record("known", "s", accepted=True)
    for _ in range(70):
        model.record("known", "s", accepted=False)
    rng = random.Random(3)
    wins = sum(
        model.draw("new", "s", 0.3, rng) > model.draw("known", "s", 0.3, rng) for _ in range(2_000)
    )
    assert 0.25 < wins / 2_000 < 0.75  # a prior worth two outcomes: a wide draw, often higher


def test_thompson_sampling_finds_the_better_action() -> None:
    truth = {"a": 0.10, "b": 0.25, "c": 0.15}
    model = ThompsonPropensity(gate=DataGate(0, 0))
    rng = random.Random(4)
    picks = []
    for _ in range(3_000):
        chosen = max(truth, key=lambda action: model.draw(action, "s", 0.5, rng))
        model.record(chosen, "s", accepted=rng.random() < truth[chosen])
        picks.append(chosen)
    assert picks[-1_000:].count("b") / 1_000 > 0.85
    assert model.outcomes("a", "s").accepted + model.outcomes("a", "s").not_accepted > 5


def test_counts_merge_across_processes() -> None:
    first, second = ThompsonPropensity(), ThompsonPropensity()
    first.record("a", "s", accepted=True)
    second.record("a", "s", accepted=False)
    second.record("b", "s", accepted=True)
    first.merge(second.counts)
    assert first.outcomes("a", "s") == Outcomes(1, 1)
    assert first.outcomes("b", "s") == Outcomes(1, 0)
    assert first.action_outcomes("a") == Outcomes(1, 1)  # the gate sees merged counts too
