"""``nextbest profiles rebuild`` and ``nextbest segments``: the batch jobs of the profile."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nextbest.behavior.segments import SegmentModel
from nextbest.services.profiles import (
    ProfileConfig,
    RebuildReport,
    rebuild_profiles,
    refit_segments,
)
from nextbest.settings import Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["print_segments", "rebuild", "refit"]


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
