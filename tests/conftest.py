"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), units of work, the API.

PostgreSQL tests run when ``NEXTBEST_TEST_POSTGRES_URL`` names a server; each test run gets a
schema of its own there, dropped at the end. With ``NEXTBEST_REQUIRE_POSTGRES=1`` (as in CI) a
missing or unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from nextbest.api.app import create_app
from nextbest.api.deps import current_time
from nextbest.security.keys import issue_key
from nextbest.security.roles import ALL_ROLES, Role
from nextbest.settings import Environment, Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.tables import Base
from nextbest.storage.unit_of_work import UnitOfWork

FIXED_NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
"""The API's clock in tests, so dates in the factories never drift into the past."""

POSTGRES_URL = os.environ.get("NEXTBEST_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("NEXTBEST_REQUIRE_POSTGRES", "") == "1"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    if not POSTGRES_URL:
        message = "PostgreSQL tests need NEXTBEST_TEST_POSTGRES_URL (CI sets it)"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    schema = f"nb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # any failure to reach the server
        admin.dispose()
        message = f"PostgreSQL at NEXTBEST_TEST_POSTGRES_URL is unreachable: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite, and PostgreSQL when it is configured."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "nextbest.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_schema_url")
    yield url
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "nextbest.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(make_session_factory(engine))


def make_settings(url: str, **overrides: object) -> Settings:
    # exploration draws from a fixed seed, so an answer is the same on every run (a test
    # passing its own ``decision`` settings keeps the seed unless it sets one)
    decision = {"seed": 7, **cast(dict[str, object], overrides.pop("decision", {}))}
    return Settings.model_validate(
        {
            "environment": Environment.TEST,
            "database_url": url,
            "signals": {"warm_up": False, "paths": 2_000},
            # no background folder: reads add the queue in anyway, and tests stay deterministic
            "behaviour": {"fold_interval_seconds": 0},
            "decision": decision,
            **overrides,
        }
    )


def issue_test_key(url: str, roles: frozenset[Role] = ALL_ROLES, *, name: str = "tests") -> str:
    """A key for ``roles`` stored in the database at ``url``; returns the key itself."""
    now = datetime.now(UTC)
    issued = issue_key(name, roles, now=now, expires_at=now + timedelta(days=1))
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            uow.keys.add(issued.record)
            uow.commit()
    finally:
        engine.dispose()
    return issued.key


def make_test_client(
    url: str, *, roles: frozenset[Role] | None = ALL_ROLES, **overrides: object
) -> TestClient:
    """The API on ``url`` with its clock stopped; it sends a key holding ``roles`` (all four by
    default, so tests of other concerns need not think about roles; None sends no key)."""
    app = create_app(make_settings(url, **overrides))
    app.dependency_overrides[current_time] = lambda: FIXED_NOW
    headers = {} if roles is None else {"Authorization": f"Bearer {issue_test_key(url, roles)}"}
    return TestClient(app, headers=headers)


@pytest.fixture
def api(sqlite_url: str) -> Iterator[TestClient]:
    """The API on a fresh SQLite database, its clock stopped at ``FIXED_NOW``."""
    with make_test_client(sqlite_url) as client:
        yield client


@pytest.fixture
def api_on_each_database(database_url: str) -> Iterator[TestClient]:
    """The API on SQLite and, when configured, on PostgreSQL."""
    with make_test_client(database_url) as client:
        yield client
