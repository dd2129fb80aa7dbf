"""``nextbest experiments`` and ``nextbest simulate --experiment``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nextbest.cli.main import app
from nextbest.cli.main import console as main_console
from nextbest.services.clients import put_client
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork
from tests.integration.test_repositories import NOW, a_client

runner = CliRunner()


def _definition(tmp_path: Path, **overrides: object) -> Path:
    path = tmp_path / "experiment.json"
    body = {
        "name": "URGENCY_FRAMING",
        "hypothesis": "A gentle nudge works better than pressure",
        "treatment": "URGENCY_FRAMING",
        "variants": [
            {"name": "CONTROL", "share": 50},
            {"name": "LOW_PRESSURE", "share": 50},
        ],
        "minimum_sample_size": 400,
        **overrides,
    }
    path.write_text(json.dumps(body))
    return path


def test_an_experiment_is_run_from_the_shell(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXTBEST_DATABASE_URL", sqlite_url)
    engine = make_engine(sqlite_url)
    put_client(a_client("c-1"), uow=UnitOfWork(make_session_factory(engine)), now=NOW)
    engine.dispose()
    created = runner.invoke(app, ["experiments", "create", str(_definition(tmp_path))])
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["status"] == "DRAFT"
    assert runner.invoke(app, ["experiments", "stop", "URGENCY_FRAMING"]).exit_code == 1
    started = runner.invoke(app, ["experiments", "start", "URGENCY_FRAMING"])
    assert json.loads(started.stdout)["status"] == "RUNNING"
    variant = runner.invoke(app, ["experiments", "variant", "URGENCY_FRAMING", "c-1"])
    assert variant.exit_code == 0, variant.output
    answer = json.loads(variant.stdout)
    assert answer["enrolled"] is True
    assert answer["variant"] in ("CONTROL", "LOW_PRESSURE")
    png = tmp_path / "lift.png"
    results = runner.invoke(app, ["experiments", "results", "URGENCY_FRAMING", "--png", str(png)])
    assert results.exit_code == 0, results.output
    assert json.loads(results.stdout)["verdict"]["kind"] == "KEEP_TESTING"
    assert png.read_bytes().startswith(b"\x89PNG")
    listed = runner.invoke(app, ["experiments", "list", "--status", "RUNNING"])
    assert [e["name"] for e in json.loads(listed.stdout)["experiments"]] == ["URGENCY_FRAMING"]
    concluded = runner.invoke(
        app, ["experiments", "conclude", "URGENCY_FRAMING", "--conclusion", "no difference"]
    )
    assert json.loads(concluded.stdout)["conclusion"] == "no difference"
    missing = runner.invoke(app, ["experiments", "show", "NOPE"])
    assert missing.exit_code == 1
    assert "experiment 'NOPE' does not exist" in missing.output


def test_a_bad_definition_file_is_refused_with_its_problems(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXTBEST_DATABASE_URL", sqlite_url)
    result = runner.invoke(
        app, ["experiments", "create", str(_definition(tmp_path, success_metric="revenue"))]
    )
    assert result.exit_code == 2
    assert "success_metric" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = runner.invoke(app, ["experiments", "create", str(broken)])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_simulate_refuses_an_experiment_it_does_not_know() -> None:
    result = runner.invoke(app, ["simulate", "--experiment", "NOPE", "--clients", "10"])
    assert result.exit_code == 2
    assert "the simulator runs BENEFIT_EMPHASIS" in result.output


def test_simulate_runs_benefit_emphasis_on_a_small_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plot = tmp_path / "lift.png"
    small = ["--clients", "40", "--days", "3", "--plot", str(plot)]
    # The console read its width when it was imported (80 without a terminal, as under xdist):
    # wide enough here that the variant names are not cut short.
    monkeypatch.setattr(main_console, "width", 160)
    result = runner.invoke(app, ["simulate", "--experiment", "BENEFIT_EMPHASIS", *small])
    assert result.exit_code == 0, result.output
    assert all(v in result.output for v in ("CONTROL", "MONETARY_FOCUS", "PERCENTAGE_FOCUS"))
    assert "verdict: KEEP_TESTING" in result.output  # 40 clients are far from the horizon
    assert plot.read_bytes().startswith(b"\x89PNG")
