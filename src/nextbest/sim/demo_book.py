"""The demo book: a seeded, synthetic firm's clients, portfolios and behaviour in one call.

Every client is drawn from random streams of its own (one each for the client, the portfolio and
the events), keyed by the seed and the client's number, so the same seed and ``as_of`` always
give the same book, and the first 200 clients of a 1,000-client book are those of a 200-client
book.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from nextbest.domain.client import Client
from nextbest.domain.event import Event
from nextbest.domain.portfolio import Portfolio
from nextbest.domain.security import Security
from nextbest.sim.demo_clients import build_client
from nextbest.sim.demo_events import build_events
from nextbest.sim.demo_portfolios import build_portfolio
from nextbest.sim.security_master import build_security_master
from nextbest.sim.shelf import Shelf

__all__ = ["DemoBook", "build_demo_book"]

_NO_PORTFOLIO_SHARE = 0.05
"""Clients who have signed up but not invested yet."""


@dataclass(frozen=True, slots=True)
class DemoBook:
    """Securities, clients, their portfolios and their events, ready to store.

    >>> book = build_demo_book(clients=3, days=7, as_of=datetime(2026, 2, 1, tzinfo=UTC))
    >>> [client.client_id for client in book.clients]
    ['demo-00001', 'demo-00002', 'demo-00003']
    >>> all(event.occurred_at < datetime(2026, 2, 1, tzinfo=UTC) for event in book.events)
    True
    """

    securities: tuple[Security, ...]
    clients: tuple[Client, ...]
    portfolios: tuple[Portfolio, ...]
    events: tuple[Event, ...]


def _stream(seed: int, index: int, part: str) -> random.Random:
    # A string seed is hashed with SHA-512, so the stream is the same on every run and machine.
    return random.Random(f"nextbest-demo:{seed}:{index}:{part}")


def build_demo_book(
    *, clients: int = 1000, seed: int = 7, days: int = 90, as_of: datetime
) -> DemoBook:
    """A book of ``clients`` synthetic clients with ``days`` days of behaviour up to ``as_of``.

    ``as_of`` is the book's "now", timezone-aware; nothing in the book happens at or after it.
    """
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError("as_of must be timezone-aware")
    if clients < 0 or days < 1:
        raise ValueError("clients must be >= 0 and days >= 1")
    as_of = as_of.astimezone(UTC)
    today = as_of.date()
    securities = build_security_master(seed=seed)
    shelf = Shelf.from_master(securities)
    people: list[Client] = []
    portfolios: list[Portfolio] = []
    events: list[Event] = []
    for index in range(1, clients + 1):
        client = build_client(
            index, rng=_stream(seed, index, "client"), as_of=as_of, home_companies=shelf.companies
        )
        people.append(client)
        portfolio_rng = _stream(seed, index, "portfolio")
        portfolio = None
        if portfolio_rng.random() >= _NO_PORTFOLIO_SHARE:
            portfolio = build_portfolio(client, rng=portfolio_rng, shelf=shelf, today=today)
            portfolios.append(portfolio)
        events.extend(
            build_events(
                client,
                portfolio,
                index=index,
                rng=_stream(seed, index, "events"),
                as_of=as_of,
                days=days,
                securities=shelf.by_id,
            )
        )
    events.sort(key=lambda event: (event.occurred_at, event.event_id))
    return DemoBook(
        securities=securities,
        clients=tuple(people),
        portfolios=tuple(portfolios),
        events=tuple(events),
    )
