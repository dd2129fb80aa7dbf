"""``nextbest keys``, ``nextbest audit`` and ``nextbest retention``: the operator's side of
security and privacy. Every command that changes something writes an audit entry naming the
operating-system user who ran it."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nextbest.security.keys import issue_key
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.security.roles import parse_roles
from nextbest.services.audit import AuditTrail
from nextbest.settings import Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "audit_app",
    "audit_operator",
    "create_key",
    "decisions_app",
    "keys_app",
    "retention_app",
]

keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
retention_app = typer.Typer(help="Deleting raw events past their retention.", no_args_is_help=True)
decisions_app = typer.Typer(
    help="The decision log, for analysis and training.", no_args_is_help=True
)

out = Console()
err = Console(stderr=True)


def operator() -> str:
    return f"cli:{getpass.getuser()}"


def trail_for(settings: Settings) -> AuditTrail:
    return AuditTrail(Pseudonymiser(settings.security.pseudonym_key.get_secret_value()))


@contextmanager
def _database(settings: Settings) -> Iterator[UnitOfWork]:
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        yield UnitOfWork(make_session_factory(engine))
    finally:
        engine.dispose()


def audit_operator(
    settings: Settings,
    *,
    action: str,
    client_id: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Record that an operator ran a command touching clients' data."""
    trail = trail_for(settings)
    with _database(settings) as uow, uow:
        uow.audit.append(
            [
                trail.entry(
                    at=datetime.now(UTC),
                    principal=operator(),
                    action=action,
                    client_id=client_id,
                    detail=detail,
                )
            ]
        )
        uow.commit()


def create_key(
    settings: Settings, *, name: str, roles: str, days: int | None, uow: UnitOfWork
) -> tuple[str, datetime]:
    """Issue and store a key (and its audit entry); returns the key and its expiry."""
    now = datetime.now(UTC)
    expires = now + timedelta(days=days or settings.security.default_key_days)
    issued = issue_key(name, parse_roles(roles), now=now, expires_at=expires)
    trail = trail_for(settings)
    with uow:
        uow.keys.add(issued.record)
        uow.audit.append(
            [
                trail.entry(
                    at=now,
                    principal=operator(),
                    action="key.create",
                    detail={
                        "key_id": issued.record.key_id,
                        "roles": sorted(r.value for r in issued.record.roles),
                    },
                )
            ]
        )
        uow.commit()
    return issued.key, expires


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for (no personal data)")],
    roles: Annotated[str, typer.Option(help="Comma-separated: app, advisor, admin, compliance")],
    days: Annotated[
        int | None, typer.Option(min=1, max=3_650, help="Days until it expires")
    ] = None,
) -> None:
    """Create a key and print it once: only a salted hash of it is stored."""
    settings = Settings()
    if not 1 <= len(name.strip()) <= 100:
        err.print("give the key a name of 1 to 100 characters")
        raise typer.Exit(2)
    with _database(settings) as uow:
        try:
            key, expires = create_key(settings, name=name.strip(), roles=roles, days=days, uow=uow)
        except ValueError as error:
            err.print(str(error))
            raise typer.Exit(2) from error
    err.print(f"key created for {name!r}, roles {roles}, expires {expires:%Y-%m-%d}.")
    err.print("It is shown this once; send it as `Authorization: Bearer <key>`:")
    out.print(key, soft_wrap=True, highlight=False)


@keys_app.command("list")
def keys_list() -> None:
    """Every key: id, name, roles, dates, state (never the key itself)."""
    settings = Settings()
    now = datetime.now(UTC)
    with _database(settings) as uow, uow:
        records = uow.keys.all()
    table = Table("key id", "name", "roles", "created", "expires", "state")
    for record in records:
        state = record.why_unusable(now) or "active"
        table.add_row(
            record.key_id,
            record.name,
            ",".join(sorted(r.value for r in record.roles)),
            f"{record.created_at:%Y-%m-%d}",
            f"{record.expires_at:%Y-%m-%d}",
            state.removeprefix("the API key ").removeprefix("has ").removeprefix("was "),
        )
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (nextbest keys list)")],
) -> None:
    """Revoke a key: servers refuse it within `security.key_cache_seconds`."""
    settings = Settings()
    now = datetime.now(UTC)
    with _database(settings) as uow, uow:
        revoked = uow.keys.revoke(key_id, now=now)
        if revoked:
            uow.audit.append(
                [
                    trail_for(settings).entry(
                        at=now, principal=operator(), action="key.revoke", detail={"key_id": key_id}
                    )
                ]
            )
        uow.commit()
    if not revoked:
        err.print(f"no active key {key_id!r}")
        raise typer.Exit(1)
    err.print(f"key {key_id} revoked")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the whole audit chain and check every entry's hash; exit 1 at the first break."""
    settings = Settings()
    with _database(settings) as uow:
        report = trail_for(settings).verify(uow=uow)
    if report.broken is not None:
        err.print(
            f"audit chain BROKEN at entry {report.broken.id}: {report.broken.reason} "
            f"({report.entries:,} entries before it are intact)"
        )
        raise typer.Exit(1)
    out.print(
        f"audit chain intact: {report.entries:,} entries; newest hash {report.last_hash}\n"
        "(keep the newest hash somewhere else: it also proves nothing was cut off the end)",
        soft_wrap=True,
    )


@retention_app.command("run")
def retention_run(
    days: Annotated[
        int | None, typer.Option(min=1, help="Age limit (default: privacy.event_retention_days)")
    ] = None,
) -> None:
    """Delete raw behaviour events older than the retention age, after folding queued ones
    into their profiles (the aggregates stay), and conversation states idle for a day. Safe to
    schedule daily."""
    from nextbest.services.privacy import run_retention
    from nextbest.services.profiles import ProfileConfig, drain_queue

    settings = Settings()
    with _database(settings) as uow:
        drain_queue(
            uow,
            decay=ProfileConfig.from_settings(settings.behaviour).decay,
            now=lambda: datetime.now(UTC),
        )
        report = run_retention(
            uow=uow,
            now=datetime.now(UTC),
            days=days or settings.privacy.event_retention_days,
            audit=trail_for(settings),
            principal=operator(),
        )
    err.print(
        f"deleted {report.deleted:,} raw events that occurred before {report.cutoff:%Y-%m-%d}"
        + (
            f"; {report.kept_queued:,} still waiting to be folded were kept"
            if report.kept_queued
            else ""
        )
        + f"; dropped {report.conversations:,} idle conversation states"
    )


@decisions_app.command("export")
def decisions_export(
    out: Annotated[Path, typer.Option(help="JSON-lines file to write", dir_okay=False)],
) -> None:
    """Write every served recommendation (features, probability, outcome, reward) as JSON
    lines for training and off-policy evaluation, each client id replaced by its keyed
    pseudonym. The export is audited."""
    from nextbest.services.training_export import training_lines

    settings = Settings()
    trail = trail_for(settings)
    lines = 0
    with _database(settings) as uow:
        with out.open("wb") as handle:
            for line in training_lines(uow=uow, pseudonymise=trail.pseudonymise):
                handle.write(line)
                lines += 1
        with uow:
            uow.audit.append(
                [
                    trail.entry(
                        at=datetime.now(UTC),
                        principal=operator(),
                        action="export.training",
                        detail={"rows": lines},
                    )
                ]
            )
            uow.commit()
    err.print(f"wrote {lines:,} served recommendations to {out} (client ids pseudonymised)")
