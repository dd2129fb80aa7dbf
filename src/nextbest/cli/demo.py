"""``nextbest demo``: build the seeded synthetic book and store it through the services."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from rich.console import Console

from nextbest.behavior.state import DEFAULT_DECAY, Decay
from nextbest.services.clients import put_client
from nextbest.services.ingest import ingest_events
from nextbest.services.portfolios import put_portfolio
from nextbest.services.profiles import ProfileConfig, drain_queue
from nextbest.services.securities import upsert_securities
from nextbest.settings import Settings
from nextbest.sim.demo_book import DemoBook, build_demo_book
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["load_demo", "store_demo_book"]

EVENT_CHUNK = 1_000


def store_demo_book(
    book: DemoBook, *, uow: UnitOfWork, now: datetime, decay: Decay = DEFAULT_DECAY
) -> dict[str, int]:
    """Store the book; running it twice replaces clients and stores no event twice."""
    upsert_securities(book.securities, uow=uow, now=now)
    for client in book.clients:
        put_client(client, uow=uow, now=now)
    for portfolio in book.portfolios:
        put_portfolio(portfolio, uow=uow, now=now)
    stored = 0
    for start in range(0, len(book.events), EVENT_CHUNK):
        chunk = list(enumerate(book.events[start : start + EVENT_CHUNK]))
        report = ingest_events(
            chunk, received=len(chunk), uow=uow, now=now, max_clock_skew=timedelta(0), decay=decay
        )
        stored += len(report.stored)
    drain_queue(uow, decay=decay, now=lambda: now)
    return {
        "securities": len(book.securities),
        "clients": len(book.clients),
        "portfolios": len(book.portfolios),
        "events": len(book.events),
        "events_new": stored,
    }


def load_demo(*, settings: Settings, clients: int, seed: int, days: int, console: Console) -> None:
    now = datetime.now(UTC)
    started = time.perf_counter()
    with console.status(f"building a demo book of {clients:,} clients (seed {seed})"):
        book = build_demo_book(clients=clients, seed=seed, days=days, as_of=now)
    engine = make_engine(settings.database_url)
    try:
        with console.status("storing it"):
            counts = store_demo_book(
                book,
                uow=UnitOfWork(make_session_factory(engine)),
                now=now,
                decay=ProfileConfig.from_settings(settings.behaviour).decay,
            )
    finally:
        engine.dispose()
    console.print(
        f"demo book stored in {time.perf_counter() - started:.1f} s: "
        f"{counts['clients']:,} clients, {counts['portfolios']:,} portfolios, "
        f"{counts['securities']:,} securities, {counts['events']:,} events "
        f"({counts['events_new']:,} new) in {settings.database_url}"
    )
