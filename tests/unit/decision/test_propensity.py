"""Thompson sampling explores new actions, finds the best one, and waits behind the data gate."""

from __future__ import annotations

import random

import pytest

from nextbest.decision.propensity import DataGate, Outcomes, ThompsonPropensity


def test_the_data_gate_keeps_an_action_on_the_baseline_until_it_has_both_kinds() -> None:
    model = ThompsonPropensity(gate=DataGate(accepted=3, not_accepted=2))
    rng = random.Random(1)
    for _ in range(10):
        model.record("a", "seg-1", accepted=True)
    assert model.propensity("a", "seg-1", baseline=0.2, personal_weight=1, rng=rng) == (
        0.2,
        "baseline",
    )
    model.record("a", "seg-2", accepted=False)  # the gate counts every segment
    model.record("a", "seg-1", accepted=False)
    value, policy = model.propensity("a", "seg-1", baseline=0.2, personal_weight=1, rng=rng)
    assert policy == "thompson"
    assert value > 0.5  # 10 accepts of 11 in seg-1


def test_the_personal_weight_blends_towards_the_baseline() -> None:
    model = ThompsonPropensity(gate=DataGate(0, 0))
    for _ in range(200):
        model.record("a", "s", accepted=True)
    rng = random.Random(2)
    none, _ = model.propensity("a", "s", baseline=0.1, personal_weight=0, rng=rng)
    full, _ = model.propensity("a", "s", baseline=0.1, personal_weight=1, rng=rng)
    assert none == pytest.approx(0.1)
    assert full > 0.95


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
