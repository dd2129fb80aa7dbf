"""The demo book goes through the real repositories and comes back as it was generated."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from nextbest.domain.ids import ClientId
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.unit_of_work import UnitOfWork

AS_OF = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def test_a_stored_demo_book_reads_back_as_generated(uow: UnitOfWork) -> None:
    book = build_demo_book(clients=30, seed=7, days=10, as_of=AS_OF)
    clients = [replace(c, created_at=AS_OF, updated_at=AS_OF) for c in book.clients]

    with uow:
        assert uow.securities.upsert_many(book.securities, now=AS_OF) == len(book.securities)
        for client in clients:
            assert uow.clients.save(client)
        for portfolio in book.portfolios:
            assert uow.portfolios.replace(portfolio, now=AS_OF)
        uow.commit()
    # A second transaction: the session does not autoflush, and the events' foreign key needs
    # the client rows written first.
    with uow:
        stored = uow.events.add_many(book.events, received_at=AS_OF)
        uow.commit()
    assert len(stored) == len(book.events)

    with uow:
        assert uow.securities.count() == len(book.securities)
        assert uow.securities.get_many(s.security_id for s in book.securities) == {
            s.security_id: s for s in book.securities
        }
        assert [uow.clients.get(c.client_id) for c in clients] == clients
        assert [uow.portfolios.get(p.client_id) for p in book.portfolios] == list(book.portfolios)
        client_id = ClientId(book.events[0].client_id)
        expected = sorted(
            (e for e in book.events if e.client_id == client_id), key=lambda e: e.event_id
        )
        got = uow.events.for_client(client_id, limit=10_000)
        assert sorted(got, key=lambda e: e.event_id) == expected
        assert uow.events.count() == len(book.events)
