"""``nextbest profiles rebuild`` and ``nextbest segments``: the batch jobs of the profile."""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import os
import signal
import threading
import time
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nextbest.behavior.segments import SegmentModel
from nextbest.behavior.state import Decay
from nextbest.services.privacy import segments_refit_due
from nextbest.services.profiles import (
    ProfileConfig,
    ProfileFolder,
    RebuildReport,
    drain_queue,
    rebuild_profiles,
    refit_segments,
)
from nextbest.settings import Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["fold", "print_segments", "rebuild", "refit", "run_folder", "start_folder"]


def rebuild(*, settings: Settings, console: Console) -> RebuildReport:
    engine = make_engine(settings.database_url)
    uow = UnitOfWork(make_session_factory(engine))
    config = ProfileConfig.from_settings(settings.behaviour)
    try:
        with uow:
            total = uow.clients.count()
        with Progress(
            TextColumn("rebuilding profiles"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("profiles", total=total)
            report = rebuild_profiles(
                uow,
                decay=config.decay,
                now=datetime.now(UTC),
                progress=lambda done: progress.advance(task, done),
            )
    finally:
        engine.dispose()
    return report


def run_folder(
    database_url: str, half_life_days: float, fast_half_life_days: float, interval: float
) -> None:
    """The folder process ``nextbest serve`` starts beside the API (plain arguments: spawned).

    It runs at a lower CPU priority: requests come first, folding takes what is left (the
    profile is exact meanwhile, since reads add the queue in).
    """
    os.nice(10)
    engine = make_engine(database_url)
    folder = ProfileFolder(
        lambda: UnitOfWork(make_session_factory(engine)),
        decay=Decay(half_life_days, fast_half_life_days),
        interval=interval,
        clock=lambda: datetime.now(UTC),
    )
    signal.signal(signal.SIGTERM, lambda *_: folder.stop())
    parent = os.getppid()

    def watch_parent() -> None:
        # Stop when the server that started us is gone, however it went (SIGKILL included).
        while os.getppid() == parent:
            time.sleep(1)
        folder.stop()

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    try:
        folder.run()
    finally:
        engine.dispose()


def start_folder(settings: Settings) -> multiprocessing.process.BaseProcess | None:
    """Start the folder process unless folding is turned off; the caller terminates it."""
    behaviour = settings.behaviour
    if behaviour.fold_interval_seconds <= 0:
        return None
    process = multiprocessing.get_context("spawn").Process(
        target=run_folder,
        args=(
            settings.database_url,
            behaviour.half_life_days,
            behaviour.fast_half_life_days,
            behaviour.fold_interval_seconds,
        ),
        name="nextbest-profile-folder",
        daemon=True,
    )
    process.start()
    return process


def fold(*, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        return drain_queue(
            UnitOfWork(make_session_factory(engine)),
            decay=ProfileConfig.from_settings(settings.behaviour).decay,
            now=lambda: datetime.now(UTC),
        )
    finally:
        engine.dispose()


def refit(*, settings: Settings, seed: int) -> SegmentModel:
    engine = make_engine(settings.database_url)
    try:
        return refit_segments(
            UnitOfWork(make_session_factory(engine)),
            config=ProfileConfig.from_settings(settings.behaviour),
            now=datetime.now(UTC),
            seed=seed,
        )
    finally:
        engine.dispose()


def refit_due(*, settings: Settings) -> datetime | None:
    """When a client was erased after the newest segment fit (None: the fit is current)."""
    engine = make_engine(settings.database_url)
    try:
        return segments_refit_due(UnitOfWork(make_session_factory(engine)))
    finally:
        engine.dispose()


def print_segments(model: SegmentModel, console: Console) -> None:
    silhouette = "n/a" if model.silhouette is None else f"{model.silhouette:.3f}"
    table = Table(
        title=f"segment model v{model.version}: {len(model.sizes)} segments, "
        f"{sum(model.sizes):,} clients, silhouette {silhouette}"
    )
    for column in ("segment", "clients", "label", "sessions/week", "acceptance", "literacy"):
        table.add_column(column)
    for priors, size, profile in zip(model.priors, model.sizes, model.profiles, strict=True):
        rate = profile.get("acceptance_rate")
        table.add_row(
            str(priors.segment),
            f"{size:,}",
            priors.label,
            f"{priors.sessions_per_week:.2f}",
            "n/a" if rate is None else f"{float(str(rate)):.1%}",
            f"{priors.literacy:.1f}",
        )
    console.print(table)
