"""``nextbest message`` and ``nextbest nlp train``'s refusals (training itself is benchmarked)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nextbest.cli.demo import store_demo_book
from nextbest.cli.main import app
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

runner = CliRunner()
THEN = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture
def demo_client(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NEXTBEST_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEXTBEST_SIGNALS__PATHS", "2000")
    engine = make_engine(sqlite_url)
    book = build_demo_book(clients=2, seed=3, days=10, as_of=THEN)
    store_demo_book(book, uow=UnitOfWork(make_session_factory(engine)), now=THEN)
    engine.dispose()
    return str(book.clients[0].client_id)


def test_a_message_is_answered_from_the_command_line(demo_client: str) -> None:
    result = runner.invoke(
        app, ["message", demo_client, "I want to change my retirement goal", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["intent"]["name"] == "update_goal"
    assert body["flow"]["status"] == "ASKING"
    assert body["client_id"] == demo_client


def test_the_summary_masks_personal_data(demo_client: str) -> None:
    result = runner.invoke(
        app, ["message", demo_client, "my card 4111 1111 1111 1111 was charged twice"]
    )
    assert result.exit_code == 0, result.output
    assert "intent" in result.stdout
    assert "[CARD]" in result.stdout
    assert "4111 1111" not in result.stdout


def test_an_unknown_client_is_an_error_not_a_traceback(demo_client: str) -> None:
    result = runner.invoke(app, ["message", "nobody", "hello"])
    assert result.exit_code == 1
    assert "nobody" in result.output


def test_training_without_data_says_where_to_point_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["nlp", "train", "--data-dir", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "--data-dir" in result.output
