"""Shared set-up for the signal benchmarks: a database of their own, and a stored demo book.

The machine description, percentiles and the report format come from ``_common.py``; this adds
what the signal benchmarks need on top: a PostgreSQL database created and dropped by the
benchmark itself (``nextbest_bench_signals``, so it never collides with the ingestion
benchmarks' ``nextbest_bench``) and a fast way to store a large demo book (securities, clients
and portfolios only; no events) through the real repositories, in chunks.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from _common import BenchDatabase
from nextbest.services.securities import upsert_securities
from nextbest.sim.demo_book import DemoBook
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "ADMIN_URL",
    "SIGNALS_DATABASE",
    "migrate",
    "signals_database",
    "store_book",
]

ADMIN_URL = os.environ.get(
    "NEXTBEST_BENCH_SIGNALS_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
"""Where to connect while the benchmark database is dropped and created."""
SIGNALS_DATABASE = "nextbest_bench_signals"
"""The signal benchmarks' own PostgreSQL database: created at the start, dropped at the end."""


@contextmanager
def signals_database(kind: str, admin_url: str = ADMIN_URL) -> Iterator[BenchDatabase]:
    """An empty database of ``kind`` (``sqlite`` or ``postgresql``), removed afterwards."""
    if kind == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="nextbest-bench-signals-"))
        path = directory / "bench.db"
        try:
            yield BenchDatabase(
                "sqlite", f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version}", path
            )
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database {kind!r}: postgresql or sqlite")
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SIGNALS_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SIGNALS_DATABASE}")
        version = admin.execute("SHOW server_version").fetchone()
        settings = {
            name: admin.execute(f"SHOW {name}").fetchone()
            for name in ("shared_buffers", "synchronous_commit", "fsync")
        }
    described = ", ".join(f"{name}={value[0]}" for name, value in settings.items() if value)
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield BenchDatabase(
            "postgresql",
            f"{base}/{SIGNALS_DATABASE}",
            f"PostgreSQL {version[0] if version else '?'} ({described})",
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SIGNALS_DATABASE} WITH (FORCE)")


def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def store_book(book: DemoBook, *, url: str, now: datetime, chunk: int = 500) -> float:
    """Store the book's securities, clients and portfolios; returns the seconds it took.

    Securities go through the service; clients and portfolios through the repositories the
    services use, ``chunk`` clients (and then their portfolios) per transaction, since one
    transaction per client (as ``nextbest demo`` does) takes minutes for 10,000 clients. The
    demo book is valid by construction, so the services' validation is not repeated here.
    """
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        uow = UnitOfWork(make_session_factory(engine))
        upsert_securities(book.securities, uow=uow, now=now)
        portfolios = {portfolio.client_id: portfolio for portfolio in book.portfolios}
        for start in range(0, len(book.clients), chunk):
            clients = book.clients[start : start + chunk]
            with uow:
                for client in clients:
                    uow.clients.save(replace(client, created_at=now, updated_at=now))
                uow.session.flush()  # the clients first: portfolios refer to them
                for client in clients:
                    portfolio = portfolios.get(client.client_id)
                    if portfolio is not None:
                        uow.portfolios.replace(portfolio, now=now)
                uow.commit()
    finally:
        engine.dispose()
    return time.perf_counter() - started
