"""The API refuses to start on a database older than its code, and says what to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

from nextbest.api.app import create_app
from nextbest.storage.database import make_engine
from nextbest.storage.migrate import (
    SchemaBehind,
    alembic_config,
    head_revision,
    require_current_schema,
    upgrade,
)
from tests.conftest import make_settings


def _start(url: str) -> None:
    with TestClient(create_app(make_settings(url))) as client:
        assert client.get("/healthz").status_code == 200


def test_an_empty_database_stops_start_up_with_the_command_to_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(SchemaBehind, match=r"no schema.*run `nextbest migrate`"):
        _start(url)


def test_a_database_one_migration_behind_stops_start_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0007")
    with pytest.raises(SchemaBehind) as raised:
        _start(url)
    assert raised.value.current == "0007"
    assert raised.value.head == head_revision()
    assert f"needs revision {head_revision()}" in str(raised.value)
    upgrade(engine)  # once migrated, the same database serves
    engine.dispose()
    _start(url)


def test_a_revision_from_a_newer_version_is_left_to_the_deployer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dface'"))
    require_current_schema(engine)  # no error
    engine.dispose()


def test_a_migrated_database_passes(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        require_current_schema(engine)
    finally:
        engine.dispose()


def test_downgrading_makes_the_check_fail(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'down.db'}")
    upgrade(engine)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    with pytest.raises(SchemaBehind):
        require_current_schema(engine)
    engine.dispose()
