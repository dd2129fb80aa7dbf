"""``nextbest load FILE``: the same validation and services as the API, line by line."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nextbest.api.schemas.clients import ClientIn
from nextbest.api.schemas.common import Identifier, describe_problems, validation_problems
from nextbest.api.schemas.events import parse_event
from nextbest.api.schemas.portfolios import PortfolioIn
from nextbest.api.schemas.securities import SecurityModel
from nextbest.cli.records import Record, read_records
from nextbest.errors import NextBestError
from nextbest.services.clients import put_client
from nextbest.services.ingest import ingest_events
from nextbest.services.portfolios import put_portfolio
from nextbest.services.profiles import ProfileConfig, drain_queue
from nextbest.services.securities import upsert_securities
from nextbest.settings import Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["KINDS", "LoadSummary", "guess_kind", "load_file", "load_records"]

KINDS = ("clients", "portfolios", "securities", "events")
_STEMS = {
    "clients": "client",
    "portfolios": "portfolio",
    "securities": "securit",
    "events": "event",
}
CHUNK = 500
MAX_REFUSALS_SHOWN = 50


@dataclass(slots=True)
class LoadSummary:
    lines: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def guess_kind(path: Path) -> str | None:
    name = path.name.lower()
    found = [kind for kind, stem in _STEMS.items() if stem in name]
    return found[0] if len(found) == 1 else None


def _problem_text(error: ValidationError | NextBestError) -> str:
    if isinstance(error, NextBestError):
        return str(error)
    return describe_problems(validation_problems(list(error.errors())))


_CLIENT_ID = TypeAdapter(Identifier)


def _with_id(record: dict[str, Any], model: type[BaseModel]) -> tuple[str, BaseModel]:
    """Split the ``client_id`` (the API's path parameter) from the body and check both."""
    body = dict(record)
    client_id = _CLIENT_ID.validate_python(body.pop("client_id", None))
    return client_id, model.model_validate(body)


def _load_chunk(
    kind: str,
    chunk: Sequence[tuple[int, dict[str, Any]]],
    summary: LoadSummary,
    *,
    uow: UnitOfWork,
    now: datetime,
    settings: Settings,
) -> None:
    if kind in {"clients", "portfolios"}:
        for number, record in chunk:
            try:
                if kind == "clients":
                    client_id, client = _with_id(record, ClientIn)
                    assert isinstance(client, ClientIn)
                    put_client(client.to_domain(client_id), uow=uow, now=now)
                else:
                    client_id, portfolio = _with_id(record, PortfolioIn)
                    assert isinstance(portfolio, PortfolioIn)
                    put_portfolio(portfolio.to_domain(client_id), uow=uow, now=now)
                summary.stored += 1
            except (ValidationError, NextBestError) as error:
                summary.refused.append((number, _problem_text(error)))
        return
    if kind == "securities":
        valid = []
        for number, record in chunk:
            try:
                valid.append(SecurityModel.model_validate(record).to_domain())
            except ValidationError as error:
                summary.refused.append((number, _problem_text(error)))
        upsert_securities(valid, uow=uow, now=now)
        summary.stored += len(valid)
        return
    limit = settings.ingest.max_context_bytes
    events = []
    for position, (number, record) in enumerate(chunk):
        try:
            events.append((position, parse_event(record, max_context_bytes=limit)))
        except ValidationError as error:
            summary.refused.append((number, _problem_text(error)))
    report = ingest_events(
        events,
        received=len(chunk),
        uow=uow,
        now=now,
        max_clock_skew=timedelta(seconds=settings.ingest.max_clock_skew_seconds),
        decay=ProfileConfig.from_settings(settings.behaviour).decay,
    )
    summary.stored += len(report.stored)
    summary.duplicates += len(report.duplicates)
    summary.refused.extend((chunk[r.index][0], r.reason) for r in report.rejected)


def load_records(
    records: Iterator[Record],
    kind: str,
    *,
    uow: UnitOfWork,
    now: Callable[[], datetime],
    settings: Settings,
    on_line: Callable[[int], None] = lambda _: None,
) -> LoadSummary:
    """Validate and store every record; a refused line is reported and stores nothing."""
    summary = LoadSummary()
    while batch := list(islice(records, CHUNK)):
        parsed: list[tuple[int, dict[str, Any]]] = []
        for number, value in batch:
            if isinstance(value, str):
                summary.refused.append((number, value))
            else:
                parsed.append((number, value))
        _load_chunk(kind, parsed, summary, uow=uow, now=now(), settings=settings)
        summary.lines += len(batch)
        on_line(len(batch))
    if kind == "events":  # fold what was loaded now, not on the API's first idle moments
        drain_queue(uow, decay=ProfileConfig.from_settings(settings.behaviour).decay, now=now)
    summary.refused.sort()
    return summary


def load_file(path: Path, *, kind: str | None, settings: Settings, console: Console) -> int:
    """Load ``path`` and print a summary; the exit code is 1 when any line was refused."""
    kind = kind or guess_kind(path)
    if kind not in KINDS:
        console.print(f"[red]say what {path.name} holds with --kind {'|'.join(KINDS)}[/red]")
        return 2
    engine = make_engine(settings.database_url)
    upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    with path.open("rb") as handle:
        total = sum(1 for _ in handle)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task(f"loading {kind}", total=total)
            summary = load_records(
                read_records(path, kind),
                kind,
                uow=uow,
                now=lambda: datetime.now(UTC),
                settings=settings,
                on_line=lambda n: progress.advance(task, n),
            )
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        return 2
    finally:
        engine.dispose()
    _print_summary(console, path, kind, summary)
    return 1 if summary.refused else 0


def _print_summary(console: Console, path: Path, kind: str, summary: LoadSummary) -> None:
    table = Table(title=f"{path.name}: {kind}")
    for column in ("records", "stored", "duplicates", "refused"):
        table.add_column(column, justify="right")
    table.add_row(
        str(summary.lines), str(summary.stored), str(summary.duplicates), str(len(summary.refused))
    )
    console.print(table)
    for number, reason in summary.refused[:MAX_REFUSALS_SHOWN]:
        console.print(f"  line {number}: {reason}", markup=False, highlight=False)
    if len(summary.refused) > MAX_REFUSALS_SHOWN:
        console.print(f"  … and {len(summary.refused) - MAX_REFUSALS_SHOWN} more refused lines")
