"""``nextbest signals``: one client's candidates, or recomputing the whole book."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nextbest.domain.ids import ClientId
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.signals import SignalEngine, SignalReport, client_signals, recompute_signals
from nextbest.settings import Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["print_client_signals", "recompute_book"]

CHUNK = 50

_worker: tuple[UnitOfWork, SignalEngine] | None = None


def _engine(settings: Settings) -> SignalEngine:
    return build_signal_engine(
        assumptions_file=settings.assumptions_file,
        paths=settings.signals.paths,
        seed=settings.signals.seed,
    )


def print_client_signals(
    client_id: str, *, settings: Settings, console: Console, refresh: bool
) -> SignalReport:
    engine = make_engine(settings.database_url)
    try:
        report = client_signals(
            ClientId(client_id),
            uow=UnitOfWork(make_session_factory(engine)),
            engine=_engine(settings),
            now=datetime.now(UTC),
            refresh=refresh,
        )
    finally:
        engine.dispose()
    table = Table(
        title=f"signals for {client_id} on {report.as_of}"
        f" ({'cached' if report.from_cache else 'computed'} {report.computed_at:%Y-%m-%d %H:%M})"
    )
    for column in ("signal", "action", "urgency", "flags", "benefit"):
        table.add_column(column)
    for candidate in report.candidates:
        flags = " ".join(
            name
            for name, on in (("mandatory", candidate.mandatory), ("regulated", candidate.regulated))
            if on
        )
        table.add_row(
            candidate.signal.value,
            candidate.action_type.value,
            str(candidate.urgency),
            flags,
            candidate.benefit.description,
        )
    console.print(table)
    if not report.candidates:
        console.print("no signals: nothing to suggest for this client today")
    return report


def _start_worker(settings: Settings) -> None:
    global _worker
    engine = make_engine(settings.database_url)
    _worker = (UnitOfWork(make_session_factory(engine)), _engine(settings))


def _recompute_chunk(client_ids: Sequence[ClientId], now: datetime) -> tuple[int, int]:
    assert _worker is not None, "worker not started"
    uow, engine = _worker
    candidates = 0

    def count(report: SignalReport) -> None:
        nonlocal candidates
        candidates += len(report.candidates)

    done = recompute_signals(client_ids, uow=uow, engine=engine, now=now, on_each=count)
    return done, candidates


def recompute_book(*, settings: Settings, console: Console, workers: int | None) -> tuple[int, int]:
    """Recompute every client's signals in ``workers`` processes; returns (clients, candidates)."""
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            client_ids = uow.clients.ids()
    finally:
        engine.dispose()
    now = datetime.now(UTC)
    workers = workers or os.cpu_count() or 1
    chunks = [client_ids[i : i + CHUNK] for i in range(0, len(client_ids), CHUNK)]
    clients = candidates = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        Progress(*columns, TimeElapsedColumn(), console=console) as progress,
        ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(settings,)) as pool,
    ):
        task = progress.add_task("recomputing signals", total=len(client_ids))
        futures = [pool.submit(_recompute_chunk, chunk, now) for chunk in chunks]
        for future in as_completed(futures):
            done, found = future.result()
            clients += done
            candidates += found
            progress.advance(task, done)
    return clients, candidates
