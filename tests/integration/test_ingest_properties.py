"""Whatever a batch holds, each event is stored, a duplicate or rejected — exactly one of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from nextbest.domain.client import Client
from nextbest.domain.enums import ConsentPurpose, EventType, RiskTolerance
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId
from nextbest.services.ingest import RejectionKind, ingest_events
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.tables import EventRow
from nextbest.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
KNOWN = ("c-1", "c-2")

events = st.builds(
    lambda n, client, minutes: Event(
        EventId(f"e-{n}"),
        ClientId(client),
        EventType.LOGIN,
        NOW + timedelta(minutes=minutes),
    ),
    n=st.integers(0, 30),
    client=st.sampled_from((*KNOWN, "stranger")),
    minutes=st.sampled_from((-600, -1, 0, 4, 6, 60)),
)


def _fresh(sqlite_template_url: str) -> tuple[Engine, UnitOfWork]:
    engine = make_engine(sqlite_template_url)
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        uow.session.query(EventRow).delete()
        for client_id in KNOWN:
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


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.lists(events, max_size=25), second=st.lists(events, max_size=25))
def test_every_event_is_accounted_for_once(
    sqlite_url: str, first: list[Event], second: list[Event]
) -> None:
    engine, uow = _fresh(sqlite_url)
    try:
        skew = timedelta(minutes=5)
        expected: set[str] = set()
        for batch in (first, second):
            report = ingest_events(
                list(enumerate(batch)), received=len(batch), uow=uow, now=NOW, max_clock_skew=skew
            )
            indices = report.stored + report.duplicates + [r.index for r in report.rejected]
            assert sorted(indices) == list(range(len(batch)))
            for rejection in report.rejected:
                event = batch[rejection.index]
                if rejection.kind is RejectionKind.UNKNOWN_CLIENT:
                    assert event.client_id not in KNOWN
                else:
                    assert event.occurred_at > NOW + skew
            for index in report.stored:
                assert batch[index].event_id not in expected
                expected.add(batch[index].event_id)
            should_store = {
                e.event_id for e in batch if e.client_id in KNOWN and e.occurred_at <= NOW + skew
            }
            assert should_store <= expected
        with uow:
            stored = {e.event_id for c in KNOWN for e in uow.events.for_client(ClientId(c))}
        assert stored == expected
    finally:
        engine.dispose()
