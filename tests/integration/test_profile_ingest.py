"""Profiles through real delivery: duplicates, shuffles, batches, privacy mode and rebuilds."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select

from nextbest.behavior.state import DEFAULT_DECAY, Decay, ProfileState, fold
from nextbest.domain.client import Client
from nextbest.domain.enums import ConsentPurpose, EventType, RiskTolerance
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId
from nextbest.domain.preferences import ExplicitPreferences
from nextbest.services.ingest import ingest_events
from nextbest.services.profiles import drain_queue, fold_queue, put_preferences, rebuild_profiles
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.tables import (
    EventReceiptRow,
    EventRow,
    PersonalizationProfileRow,
    ProfileQueueRow,
)
from nextbest.storage.unit_of_work import UnitOfWork
from tests.behaviour_builders import NOW, daily_sessions, event
from tests.unit.behavior.test_state import _assert_same

CLIENTS = ("c-1", "c-2")


def _fresh(url: str) -> tuple[Engine, UnitOfWork]:
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        for table in (EventRow, EventReceiptRow, ProfileQueueRow, PersonalizationProfileRow):
            uow.session.execute(delete(table))
        for client_id in CLIENTS:
            uow.clients.save(
                Client(
                    ClientId(client_id),
                    1980,
                    "GB",
                    "GBP",
                    RiskTolerance.MEDIUM,
                    consents={ConsentPurpose.TRACKING: True},
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        uow.commit()
    return engine, uow


def _ingest(
    uow: UnitOfWork, events: list[Event], *, batch: int, decay: Decay = DEFAULT_DECAY
) -> None:
    for start in range(0, len(events), batch):
        chunk = events[start : start + batch]
        ingest_events(
            list(enumerate(chunk)),
            received=len(chunk),
            uow=uow,
            now=NOW,
            max_clock_skew=timedelta(0),
            decay=decay,
        )


def _states(uow: UnitOfWork) -> dict[str, ProfileState]:
    with uow:
        return {
            cid: p.state
            for cid in CLIENTS
            if (p := uow.profiles.get(ClientId(cid), decay=DEFAULT_DECAY)) is not None
            and p.state is not None
        }


def _history(seed: int) -> list[Event]:
    rng = random.Random(seed)
    out = []
    for client_id in CLIENTS:
        for e in daily_sessions(
            rng.randint(1, 12),
            feature=rng.choice(["trade", "goal_planner"]),
            topic="pensions",
            difficulty=3,
        ):
            out.append(
                Event(
                    e.event_id,
                    ClientId(client_id),
                    e.event_type,
                    e.occurred_at,
                    e.session_id,
                    e.device_type,
                    e.channel,
                    e.target_type,
                    e.target_id,
                    e.action,
                    e.context,
                )
            )
    return out


def _in_order(events: list[Event]) -> dict[str, ProfileState]:
    return {
        cid: fold(
            sorted((e for e in events if e.client_id == cid), key=lambda e: e.occurred_at),
            ProfileState.empty(DEFAULT_DECAY),
        )
        for cid in CLIENTS
        if any(e.client_id == cid for e in events)
    }


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), repeats=st.integers(0, 30), batch=st.integers(1, 40))
def test_duplicates_and_any_order_give_the_in_order_profile(
    sqlite_url: str, seed: int, repeats: int, batch: int
) -> None:
    engine, uow = _fresh(sqlite_url)
    try:
        history = _history(seed)
        rng = random.Random(seed)
        delivered = history + [rng.choice(history) for _ in range(repeats)]
        rng.shuffle(delivered)
        _ingest(uow, delivered, batch=batch)
        stored = _states(uow)
        expected = _in_order(history)
        assert stored.keys() == expected.keys()
        for cid, state in expected.items():
            _assert_same(stored[cid], state)
    finally:
        engine.dispose()


def test_a_rebuild_gives_the_incremental_result(database_url: str) -> None:
    engine, uow = _fresh(database_url)
    try:
        history = _history(3)
        random.Random(3).shuffle(history)
        _ingest(uow, history, batch=17)
        incremental = _states(uow)
        report = rebuild_profiles(uow, decay=DEFAULT_DECAY, now=NOW, chunk=1)
        assert (report.clients, report.events, report.kept) == (2, len(history), 0)
        rebuilt = _states(uow)
        for cid in CLIENTS:
            _assert_same(rebuilt[cid], incremental[cid])
        slower = Decay(half_life_days=90, fast_half_life_days=14)
        rebuild_profiles(uow, decay=slower, now=NOW)
        changed = _states(uow)["c-1"]
        assert changed.half_life_days == 90
        assert changed.value("act", NOW.timestamp()) > incremental["c-1"].value(
            "act", NOW.timestamp()
        )
    finally:
        engine.dispose()


def test_privacy_mode_keeps_counts_but_no_raw_events(database_url: str) -> None:
    engine, uow = _fresh(database_url)
    try:
        client = ClientId("c-1")
        first = [
            event(EventType.LOGIN, NOW - timedelta(days=d), client_id=client) for d in range(1, 6)
        ]
        _ingest(uow, first, batch=10)
        _, retired = put_preferences(
            client, ExplicitPreferences(privacy_mode=True), uow=uow, decay=DEFAULT_DECAY, now=NOW
        )
        assert retired == 5
        later = [
            event(
                EventType.FEATURE_USED, NOW - timedelta(hours=h), client_id=client, feature="trade"
            )
            for h in range(1, 4)
        ]
        _ingest(uow, later + later[:1] + first[:2], batch=10)  # a repeat and two old ids again
        with uow:
            raw = uow.session.scalar(
                select(func.count()).select_from(EventRow).where(EventRow.client_id == client)
            )
            receipts = uow.session.scalar(select(func.count()).select_from(EventReceiptRow))
        assert raw == 0
        assert receipts == 8
        state = _states(uow)["c-1"]
        assert state.events == 8
        assert state.count("type:FEATURE_USED") == 3
        # privacy mode off again: ids counted under it are still recognised as repeats
        put_preferences(client, ExplicitPreferences(), uow=uow, decay=DEFAULT_DECAY, now=NOW)
        _ingest(uow, first + later, batch=10)
        assert _states(uow)["c-1"].events == 8
        report = rebuild_profiles(uow, decay=DEFAULT_DECAY, now=NOW)
        assert report.kept == 1  # nothing to rebuild it from: kept as it is
        assert _states(uow)["c-1"].events == 8
    finally:
        engine.dispose()


def test_folding_the_queue_leaves_every_profile_as_it_was_read(database_url: str) -> None:
    engine, uow = _fresh(database_url)
    try:
        history = _history(11)
        _ingest(uow, history, batch=7)
        read_before = _states(uow)  # queued events are added on read
        with uow:
            assert uow.profiles.queue_length() == len(history)
        assert fold_queue(uow, decay=DEFAULT_DECAY, now=NOW, limit=10) == 10
        assert drain_queue(uow, decay=DEFAULT_DECAY, now=lambda: NOW) == len(history) - 10
        with uow:
            assert uow.profiles.queue_length() == 0
        for cid, state in _in_order(history).items():
            _assert_same(read_before[cid], state)
            _assert_same(_states(uow)[cid], state)
    finally:
        engine.dispose()
