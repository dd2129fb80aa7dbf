"""The one-statement read of a decision's inputs returns what the repositories read one by one:
SQLite always, PostgreSQL when configured."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from nextbest.behavior.state import DEFAULT_DECAY
from nextbest.cli.demo import store_demo_book
from nextbest.domain.enums import ConsentPurpose, EventType
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId
from nextbest.services.clients import put_client
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.ingest import ingest_events
from nextbest.services.profiles import ProfileConfig, refit_segments
from nextbest.services.signals import recompute_signals
from nextbest.settings import BehaviourSettings
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _one_by_one(uow: UnitOfWork, client_id: ClientId) -> tuple[object, ...]:
    with uow:
        client = uow.clients.get(client_id)
        probe = uow.signals.probe(client_id)
        totals = uow.portfolios.totals(client_id)
        profile = uow.profiles.get(client_id, decay=DEFAULT_DECAY)
        version = uow.profiles.latest_segment_version()
    state = None if profile is None or profile.state is None else profile.state.to_json()
    return client, probe, totals, None if profile is None else profile.preferences, state, version


def _together(uow: UnitOfWork, client_id: ClientId) -> tuple[object, ...]:
    with uow:
        inputs = uow.decision_inputs.read(client_id)
        assert inputs is not None
        profile = inputs.profile
        if profile is not None and inputs.queued:
            profile = uow.profiles.fold_pending(profile, decay=DEFAULT_DECAY)
    state = None if profile is None or profile.state is None else profile.state.to_json()
    return (
        inputs.client,
        inputs.signals,
        inputs.totals,
        None if profile is None else profile.preferences,
        state,
        inputs.segment_version,
    )


def test_one_read_equals_the_reads_one_by_one(uow: UnitOfWork) -> None:
    book = build_demo_book(clients=6, seed=3, days=30, as_of=NOW)
    store_demo_book(book, uow=uow, now=NOW)
    ids = [c.client_id for c in book.clients]
    # one client with cached signals, a segment model, one with events still queued, one
    # without a portfolio or any consent, and one missing
    recompute_signals(
        ids[:3],
        uow=uow,
        engine=build_signal_engine(assumptions_file=None, paths=500, seed=1),
        now=NOW,
    )
    refit_segments(uow, config=ProfileConfig.from_settings(BehaviourSettings()), now=NOW)
    queued = Event(
        event_id=EventId("queued-1"),
        client_id=ids[1],
        event_type=EventType.LOGIN,
        occurred_at=NOW - timedelta(hours=1),
    )
    ingest_events([(0, queued)], received=1, uow=uow, now=NOW, max_clock_skew=timedelta(0))
    bare = replace(book.clients[0], client_id=ClientId("bare-1"), consents={})
    put_client(bare, uow=uow, now=NOW)

    with uow:
        assert uow.decision_inputs.read(ClientId("nobody")) is None
        first, second, plain = (
            uow.decision_inputs.read(c) for c in (ids[0], ids[1], bare.client_id)
        )
    assert first is not None
    assert second is not None
    assert plain is not None
    assert second.queued
    assert not first.queued
    assert first.signals[1] is not None  # cached signals were read
    assert first.segment_version is not None
    assert ConsentPurpose.PERSONALIZATION in first.client.consents
    assert plain.totals is None
    assert plain.client.consents == {}
    for client_id in (*ids, bare.client_id):
        assert _together(uow, client_id) == _one_by_one(uow, client_id), client_id
