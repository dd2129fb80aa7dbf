"""Schema migrations, run from code so the CLI, the demo and the tests share one path."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

__all__ = [
    "SchemaBehind",
    "alembic_config",
    "current_revision",
    "head_revision",
    "require_current_schema",
    "upgrade",
]


class SchemaBehind(RuntimeError):
    """The database has not been migrated to what this version of nextbest needs."""

    def __init__(self, current: str | None, head: str | None) -> None:
        found = "no schema" if current is None else f"revision {current}"
        super().__init__(
            f"the database holds {found}, but this version of nextbest needs revision {head}: "
            "run `nextbest migrate` against it first (`nextbest serve` does)"
        )
        self.current = current
        self.head = head


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "nextbest.storage:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision``."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def require_current_schema(engine: Engine) -> None:
    """Raise ``SchemaBehind`` when the database is empty or at an older revision than this
    code's head, so a process never serves against tables it does not know. A revision this
    code does not know (a newer version migrated the database, and the code was rolled back
    without it) passes: whether that works is the deployer's call, not this check's."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaBehind(current, head)
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        known = scripts.get_revision(current) is not None
    except CommandError:  # a revision from a newer version of nextbest
        known = False
    if known:
        raise SchemaBehind(current, head)
