from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nextbest.cli.loading import guess_kind
from nextbest.cli.main import app
from nextbest.domain.ids import ClientId
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork
from tests import factories as f

runner = CliRunner()


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    monkeypatch.setenv("NEXTBEST_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEXTBEST_LOG__JSON_OUTPUT", "false")
    engine = make_engine(sqlite_url)
    yield UnitOfWork(make_session_factory(engine))
    engine.dispose()


def _jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_loads_clients_and_reports_refused_lines_by_number(db: UnitOfWork, tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "clients.jsonl",
        [
            {"client_id": "c-1", **f.client_body()},
            {"client_id": "c-2", **f.client_body(birth_year=1700)},
            "{not json",
            {"client_id": "bad id!", **f.client_body()},
            {"client_id": "c-5", **f.client_body(country="GB")},
        ],
    )
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 1, result.output
    assert "line 2:" in result.output
    assert "line 3: not valid JSON" in result.output
    assert "line 4:" in result.output
    with db:
        assert db.clients.existing(["c-1", "c-2", "c-5"]) == {"c-1", "c-5"}
        loads = [e for e in db.audit.walk() if e.entry.action == "cli.load"]
    assert len(loads) == 1  # an operator wrote clients' data
    assert loads[0].entry.principal.startswith("cli:")


def test_loads_securities_from_csv_with_json_cells(db: UnitOfWork, tmp_path: Path) -> None:
    path = tmp_path / "master.csv"
    rows = [f.security("A-1", controversies=["TOBACCO"]), f.security("B-1", esg_score="")]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "controversies": json.dumps(row["controversies"])})
    result = runner.invoke(app, ["load", str(path), "--kind", "securities"])
    assert result.exit_code == 0, result.output
    with db:
        found = db.securities.get_many(["A-1", "B-1"])
    assert [c.value for c in found["A-1"].controversies] == ["TOBACCO"]  # type: ignore[index]
    assert found["B-1"].esg_score is None  # type: ignore[index]


def test_loads_events_idempotently(db: UnitOfWork, tmp_path: Path) -> None:
    runner.invoke(
        app,
        [
            "load",
            str(_jsonl(tmp_path / "clients.jsonl", [{"client_id": "c-1", **f.client_body()}])),
        ],
    )
    events = _jsonl(
        tmp_path / "events.jsonl",
        [f.event(f"e-{i}") for i in range(3)] + [f.event("e-x", client_id="ghost")],
    )
    first = runner.invoke(app, ["load", str(events)])
    second = runner.invoke(app, ["load", str(events)])
    assert first.exit_code == 1
    assert "unknown client 'ghost'" in first.output
    assert "│       4 │      3 │          0 │       1 │" in first.output
    assert "│       4 │      0 │          3 │       1 │" in second.output
    with db:
        assert db.events.count(ClientId("c-1")) == 3


def test_loads_portfolios_after_their_clients(db: UnitOfWork, tmp_path: Path) -> None:
    runner.invoke(app, ["load", str(_jsonl(tmp_path / "securities.jsonl", [f.security()]))])
    runner.invoke(
        app,
        [
            "load",
            str(_jsonl(tmp_path / "clients.jsonl", [{"client_id": "c-1", **f.client_body()}])),
        ],
    )
    path = _jsonl(tmp_path / "portfolios.jsonl", [{"client_id": "c-1", **f.portfolio_body()}])
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 0, result.output
    with db:
        portfolio = db.portfolios.get(ClientId("c-1"))
    assert portfolio is not None
    assert portfolio.accounts[0].holdings[0].goal_id == "retirement-1"


def test_an_unknown_kind_of_file_asks_for_kind(db: UnitOfWork, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "stuff.jsonl", [{}])
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 2
    assert "--kind" in result.output


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("clients-2026.jsonl", "clients"),
        ("security_master.csv", "securities"),
        ("events.csv", "events"),
        ("book.jsonl", None),
    ],
)
def test_guesses_the_kind_from_the_file_name(name: str, kind: str | None) -> None:
    assert guess_kind(Path(name)) == kind
