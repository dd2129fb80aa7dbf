"""``nextbest profiles rebuild`` and ``nextbest segments`` on a small demo book."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from nextbest.cli.demo import store_demo_book
from nextbest.cli.main import app
from nextbest.services.profiles import DEFAULT_CONFIG, get_profile
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

runner = CliRunner()


@pytest.fixture
def demo_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    monkeypatch.setenv("NEXTBEST_DATABASE_URL", sqlite_url)
    engine = make_engine(sqlite_url)
    uow = UnitOfWork(make_session_factory(engine))
    now = datetime(2026, 2, 1, tzinfo=UTC)
    store_demo_book(build_demo_book(clients=60, seed=3, days=60, as_of=now), uow=uow, now=now)
    yield uow
    engine.dispose()


def test_rebuild_reports_what_it_did(demo_db: UnitOfWork) -> None:
    with demo_db:
        events = demo_db.events.count()
    result = runner.invoke(app, ["profiles", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"rebuilt 60 profiles from {events:,} events" in result.output


def test_segments_are_fitted_and_reported(demo_db: UnitOfWork) -> None:
    result = runner.invoke(app, ["segments"])
    assert result.exit_code == 0, result.output
    assert "segment model v1" in result.output
    with demo_db:
        model = demo_db.profiles.latest_segment_model()
    assert model is not None
    assert sum(model.sizes) == 60
    second = runner.invoke(app, ["segments"])
    assert "segment model v2" in second.output
    with demo_db:
        client_id = demo_db.clients.ids()[0]
    report = get_profile(
        client_id, uow=demo_db, config=DEFAULT_CONFIG, now=datetime(2026, 2, 1, tzinfo=UTC)
    )
    assert report.segment is not None
    assert report.segment_label != "book default"


def test_segments_on_an_empty_book_say_why_they_cannot_run(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXTBEST_DATABASE_URL", sqlite_url)
    result = runner.invoke(app, ["segments"])
    assert result.exit_code == 1
    assert "at least 3" in result.output


def test_segments_are_refitted_if_asked_only_after_an_erasure(demo_db: UnitOfWork) -> None:
    from nextbest.security.pseudonym import Pseudonymiser
    from nextbest.services.audit import AuditTrail
    from nextbest.services.privacy import erase_client

    assert "nothing to refit" in runner.invoke(app, ["segments", "--if-erased"]).output
    with demo_db:
        assert demo_db.profiles.latest_segment_version() is None  # never fitted: nothing held
    assert runner.invoke(app, ["segments"]).exit_code == 0
    with demo_db:
        client_id = demo_db.clients.ids()[0]
    quiet = runner.invoke(app, ["segments", "--if-erased"])
    assert "nothing to refit" in quiet.output
    erase_client(
        client_id,
        uow=demo_db,
        now=datetime.now(UTC),
        audit=AuditTrail(Pseudonymiser("k" * 16)),
        principal="test",
    )
    result = runner.invoke(app, ["segments", "--if-erased"])
    assert result.exit_code == 0, result.output
    assert "refitting" in result.output
    assert "segment model v2" in result.output
    with demo_db:
        model = demo_db.profiles.latest_segment_model()
    assert model is not None
    assert sum(model.sizes) == 59  # the erased client is no longer in the averages
    assert "nothing to refit" in runner.invoke(app, ["segments", "--if-erased"]).output
