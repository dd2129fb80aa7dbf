"""The audit writer commits requests' own writes with their audit entries, batched by kind,
and a bad write fails only its own request."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from nextbest.security.audit import AuditEntry
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.services.audit import AuditTrail, AuditWriter, Batched
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.tables import AuditLogRow, ClientRow
from nextbest.storage.unit_of_work import UnitOfWork
from tests.integration.test_repositories import a_client

_TRAIL = AuditTrail(Pseudonymiser("k" * 16))
_BATCHES: list[int] = []
"""How many ``_Client`` writes each ``write_all`` call was given."""


def _entry(n: int) -> AuditEntry:
    return _TRAIL.entry(at=datetime.now(UTC), principal="t", action="write", detail={"n": n})


@dataclass(frozen=True, slots=True)
class _Client(Batched):
    """Stores a client, batched with the other ``_Client`` writes waiting with it."""

    client_id: str

    @classmethod
    def write_all(cls, uow: UnitOfWork, writes: Sequence[_Client]) -> None:
        _BATCHES.append(len(writes))
        for write in writes:
            uow.clients.save(a_client(write.client_id))


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def _counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as session:
        clients = session.execute(select(func.count()).select_from(ClientRow)).scalar_one()
        entries = session.execute(select(func.count()).select_from(AuditLogRow)).scalar_one()
    return clients, entries


def _hold(writer: AuditWriter, gate: threading.Event) -> Future[None]:
    """Submits a write that keeps the writer in its transaction until ``gate`` is set, and
    returns once the writer is in it: what is submitted next waits for the next batch."""
    entered = threading.Event()

    def wait(uow: UnitOfWork) -> None:
        entered.set()
        gate.wait(timeout=30)

    future = writer.submit(None, [wait])
    assert entered.wait(timeout=30)
    return future


def test_a_request_s_writes_are_committed_with_its_entry(factory: sessionmaker[Session]) -> None:
    writer = AuditWriter(factory)
    writer.submit(_entry(1), [_Client("c-1")]).result(timeout=30)
    writer.submit(None, [_Client("c-2")]).result(timeout=30)  # a write without an entry
    assert _counts(factory) == (2, 1)
    report = _TRAIL.verify(uow=UnitOfWork(factory))
    assert report.intact
    assert report.entries == 1


def test_writes_of_one_kind_waiting_together_are_written_in_one_call(
    factory: sessionmaker[Session],
) -> None:
    _BATCHES.clear()
    before_16 = REGISTRY.get_sample_value("nextbest_audit_batch_requests_bucket", {"le": "16.0"})
    before_32 = REGISTRY.get_sample_value("nextbest_audit_batch_requests_bucket", {"le": "32.0"})
    assert before_16 is not None
    assert before_32 is not None
    writer = AuditWriter(factory)
    gate = threading.Event()
    # the first batch blocks inside its transaction until every other request is queued
    first = _hold(writer, gate)
    futures = [writer.submit(_entry(n), [_Client(f"c-{n}")]) for n in range(20)]
    gate.set()
    for future in (first, *futures):
        future.result(timeout=30)
    assert _counts(factory) == (20, 20)
    assert writer.batches == 2
    assert _BATCHES == [20]
    # the batch sizes reach /metrics: one of 1 (the held write) and one of 20
    assert REGISTRY.get_sample_value("nextbest_audit_batch_requests_bucket", {"le": "16.0"}) == (
        before_16 + 1
    )
    assert REGISTRY.get_sample_value("nextbest_audit_batch_requests_bucket", {"le": "32.0"}) == (
        before_32 + 2
    )


def test_a_bad_write_fails_only_its_own_request(factory: sessionmaker[Session]) -> None:
    writer = AuditWriter(factory)
    gate = threading.Event()
    first = _hold(writer, gate)

    def broken(uow: UnitOfWork) -> None:
        raise RuntimeError("this write cannot be stored")

    good: list[Future[None]] = [writer.submit(_entry(n), [_Client(f"c-{n}")]) for n in range(3)]
    bad = writer.submit(_entry(99), [broken])
    gate.set()
    first.result(timeout=30)
    for future in good:
        future.result(timeout=30)
    with pytest.raises(RuntimeError, match="cannot be stored"):
        bad.result(timeout=30)
    assert _counts(factory) == (3, 3)  # neither the bad write nor its entry was stored
    report = _TRAIL.verify(uow=UnitOfWork(factory))
    assert report.intact


def test_an_unreachable_database_fails_the_batch_without_retrying_each_request(
    factory: sessionmaker[Session],
) -> None:
    from sqlalchemy.exc import OperationalError

    writer = AuditWriter(factory)
    gate = threading.Event()
    first = _hold(writer, gate)

    def unreachable(uow: UnitOfWork) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    lost = writer.submit(_entry(1), [unreachable])
    also_lost = writer.submit(_entry(2), [_Client("c-2")])
    gate.set()
    first.result(timeout=30)
    for future in (lost, also_lost):  # one attempt for all: no retry per request in an outage
        with pytest.raises(OperationalError):
            future.result(timeout=30)
    assert _counts(factory) == (0, 0)
