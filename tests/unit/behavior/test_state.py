"""Aggregates: decayed sums, order-free updates, bounded keys, a faithful JSON form."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nextbest.behavior.state import (
    DEFAULT_DECAY,
    MAX_KEYS_PER_KIND,
    Decay,
    ProfileState,
    apply_event,
    fold,
)
from nextbest.domain.enums import EventType
from nextbest.domain.event import Event
from tests.behaviour_builders import NOW, event


def _state(events: list[Event]) -> ProfileState:
    return fold(events, ProfileState.empty(DEFAULT_DECAY))


def test_a_decayed_sum_halves_every_half_life() -> None:
    start = NOW - timedelta(days=60)
    state = _state(
        [event(EventType.LOGIN, start), event(EventType.LOGIN, start + timedelta(days=30))]
    )
    at = (start + timedelta(days=30)).timestamp()
    assert state.value("sess:LOGIN", at) == pytest.approx(1.5)
    assert state.value("sess:LOGIN", at + 30 * 86_400) == pytest.approx(0.75)
    assert state.value("sess:LOGIN", at + 7 * 86_400, fast=True) == pytest.approx(
        (1 + 2 ** (-30 / 7)) / 2
    )
    assert state.count("type:LOGIN") == 2


def test_a_late_event_counts_as_if_it_had_arrived_in_time() -> None:
    early = event(EventType.FEATURE_USED, NOW - timedelta(days=20), feature="trade")
    late = event(EventType.FEATURE_USED, NOW - timedelta(days=2), feature="trade")
    in_order, reversed_order = _state([early, late]), _state([late, early])
    at = NOW.timestamp()
    assert reversed_order.value("feat:trade", at) == pytest.approx(in_order.value("feat:trade", at))
    assert reversed_order.first_at == in_order.first_at
    assert reversed_order.last_at == in_order.last_at


def test_new_keys_past_the_cap_are_pooled() -> None:
    events = [
        event(EventType.FEATURE_USED, NOW, feature=f"feature-{n}")
        for n in range(MAX_KEYS_PER_KIND + 5)
    ]
    state = _state(events)
    features = state.values("feat", NOW.timestamp())
    assert len(features) == MAX_KEYS_PER_KIND + 1
    assert features["_other"] == pytest.approx(5)


def test_more_than_four_devices_are_pooled() -> None:
    state = _state([event(EventType.LOGIN, NOW, device=f"d{n}") for n in range(7)])
    assert sorted(state.values("dev", NOW.timestamp())) == ["_other", "d0", "d1", "d2", "d3"]


def test_nonsense_context_values_are_ignored_not_fatal() -> None:
    state = _state(
        [
            event(EventType.TIME_SPENT, NOW, duration_seconds=float("nan")),
            event(EventType.CONTENT_READ, NOW, topic="pensions", difficulty="hard"),
            event(EventType.FEATURE_USED, NOW, feature=True),
            event(EventType.RECOMMENDATION_ACCEPTED, NOW),
        ]
    )
    assert state.value("dur_n", NOW.timestamp()) == 0
    assert state.value("diff_n", NOW.timestamp()) == 0
    assert state.values("feat", NOW.timestamp()) == {}
    assert state.count("rec:accepted") == 1


def test_the_json_form_round_trips_exactly() -> None:
    events = [
        event(
            EventType.RECOMMENDATION_VIEWED, NOW - timedelta(hours=h), category="TAX", expanded=True
        )
        for h in range(5)
    ]
    state = _state(events)
    again = ProfileState.from_json(state.to_json())
    assert again == state


def test_an_unknown_state_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        ProfileState.from_json(b'{"v": 99}')


_KINDS = [
    (EventType.LOGIN, {}),
    (EventType.FEATURE_USED, {"feature": "goal_planner"}),
    (EventType.FEATURE_USED, {"feature": "trade"}),
    (EventType.CONTENT_READ, {"topic": "pensions", "difficulty": 2}),
    (EventType.TIME_SPENT, {"duration_seconds": 120}),
    (EventType.RECOMMENDATION_VIEWED, {"category": "TAX", "expanded": True, "dwell_seconds": 30}),
    (EventType.RECOMMENDATION_ACCEPTED, {"category": "TAX"}),
    (EventType.RECOMMENDATION_DISMISSED, {"category": "CASH"}),
    (EventType.GOAL_CREATED, {"goal_type": "EDUCATION"}),
    (EventType.FEEDBACK, {"sentiment": -0.5}),
]


@st.composite
def _histories(draw: st.DrawFn) -> list[Event]:
    count = draw(st.integers(1, 40))
    out = []
    for _ in range(count):
        kind, context = draw(st.sampled_from(_KINDS))
        minutes = draw(st.integers(0, 200 * 24 * 60))
        device = draw(st.sampled_from(["mobile", "desktop", None]))
        out.append(event(kind, NOW - timedelta(minutes=minutes), device=device, **context))
    return out


def _assert_same(a: ProfileState, b: ProfileState) -> None:
    assert a.counts == b.counts
    assert a.events == b.events
    assert (a.first_at, a.last_at) == (b.first_at, b.last_at)
    assert a.decayed.keys() == b.decayed.keys()
    for key, (slow, fast, t) in a.decayed.items():
        other = b.decayed[key]
        assert math.isclose(slow, other[0], rel_tol=1e-9, abs_tol=1e-12), key
        assert math.isclose(fast, other[1], rel_tol=1e-9, abs_tol=1e-12), key
        assert t == other[2], key


@settings(max_examples=150, deadline=None)
@given(history=_histories(), seed=st.integers(0, 2**32 - 1))
def test_any_arrival_order_gives_the_in_order_aggregates(history: list[Event], seed: int) -> None:
    in_order = _state(sorted(history, key=lambda e: e.occurred_at))
    shuffled = list(history)
    random.Random(seed).shuffle(shuffled)
    state = ProfileState.empty(DEFAULT_DECAY)
    for item in shuffled:
        apply_event(state, item)
    _assert_same(state, in_order)


@settings(max_examples=100, deadline=None)
@given(history=_histories(), seed=st.integers(0, 2**32 - 1), parts=st.integers(1, 6))
def test_merging_the_deltas_of_any_split_gives_the_whole(
    history: list[Event], seed: int, parts: int
) -> None:
    rng = random.Random(seed)
    deltas = [ProfileState.empty(DEFAULT_DECAY) for _ in range(parts)]
    for item in history:
        apply_event(rng.choice(deltas), item)
    rng.shuffle(deltas)
    merged = ProfileState.empty(DEFAULT_DECAY)
    for delta in deltas:
        merged.merge(delta)
    _assert_same(merged, _state(sorted(history, key=lambda e: e.occurred_at)))


def test_merging_pools_keys_past_the_caps_like_applying_does() -> None:
    devices = [
        event(EventType.FEATURE_USED, NOW, device=f"d{n}", feature=f"f{n}") for n in range(7)
    ]
    whole = _state(devices)
    merged = ProfileState.empty(DEFAULT_DECAY)
    for item in devices:
        merged.merge(_state([item]))
    _assert_same(merged, whole)


def test_states_with_different_half_lives_do_not_merge() -> None:
    other = ProfileState.empty(Decay(half_life_days=60.0, fast_half_life_days=7.0))
    with pytest.raises(ValueError, match="half-lives"):
        ProfileState.empty(DEFAULT_DECAY).merge(other)
