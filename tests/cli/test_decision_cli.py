"""``nextbest recommendations expire``, ``nextbest simulate`` and ``nextbest render``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nextbest.cli.demo import store_demo_book
from nextbest.cli.main import app
from nextbest.decision.catalog import load_catalog
from nextbest.domain.enums import Channel
from nextbest.domain.recommendation import Status
from nextbest.services.engine_setup import build_signal_engine
from nextbest.services.profiles import DEFAULT_CONFIG
from nextbest.services.recommendations import build_recommender
from nextbest.settings import DecisionSettings
from nextbest.sim.demo_book import build_demo_book
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

runner = CliRunner()
THEN = datetime(2026, 2, 1, tzinfo=UTC)


def test_expire_closes_what_ran_out(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEXTBEST_DATABASE_URL", sqlite_url)
    engine = make_engine(sqlite_url)
    uow = UnitOfWork(make_session_factory(engine))
    book = build_demo_book(clients=5, seed=3, days=10, as_of=THEN)
    store_demo_book(book, uow=uow, now=THEN)
    recommender = build_recommender(
        load_catalog(),
        DecisionSettings(seed=1),
        profiles=DEFAULT_CONFIG,
        signals=build_signal_engine(assumptions_file=None, paths=2_000, seed=7),
    )
    served = []
    for client in book.clients:
        answer = recommender.recommend(
            client.client_id, channel=Channel.IN_APP, limit=2, uow=uow, now=THEN
        )
        served += [item.recommendation.recommendation_id for item in answer.items]
    with uow:  # regulated suggestions wait for an advisor instead
        held = [p.recommendation_id for p in uow.reviews.queue(client_id=None, now=THEN, limit=99)]
    viewed = served[0]
    recommender.learning.record_outcome(viewed, Status.VIEWED, uow=uow, now=THEN)
    result = runner.invoke(app, ["recommendations", "expire"])  # months later: all ran out
    assert result.exit_code == 0, result.output
    assert f"closed {len(served) + len(held):,} expired recommendations" in result.output
    with uow:
        statuses = {rid: uow.recommendations.get(rid).status for rid in served + held}  # type: ignore[union-attr]
        reviews = [r for rid in held for r in uow.reviews.of(rid)]
    engine.dispose()
    assert statuses[viewed] is Status.EXPIRED
    assert {statuses[rid] for rid in served[1:]} == {Status.IGNORED}
    assert {statuses[rid] for rid in held} <= {Status.REJECTED}  # never reviewed: never seen
    assert [r.reason for r in reviews] == ["not reviewed before it expired"] * len(held)


def test_simulate_prints_the_weeks_and_saves_the_curve(tmp_path: Path) -> None:
    curve = tmp_path / "curve.png"
    args = ["simulate", "--clients", "15", "--weeks", "2", "--workers", "1"]
    result = runner.invoke(app, [*args, "--policy", "random", "--plot", str(curve)])
    assert result.exit_code == 0, result.output
    assert "late.random" in result.output
    assert curve.read_bytes().startswith(b"\x89PNG")
    wrong = runner.invoke(app, ["simulate", "--policy", "psychic"])
    assert wrong.exit_code == 2
    assert "choose from" in wrong.output


def test_simulate_runs_the_world_it_is_asked_for() -> None:
    args = ["simulate", "--clients", "15", "--weeks", "1", "--workers", "1", "--policy", "random"]
    result = runner.invoke(app, [*args, "--world", "hand-set"])
    assert result.exit_code == 0, result.output
    assert "hand-set world" in result.output
    wrong = runner.invoke(app, [*args, "--world", "utopia"])
    assert wrong.exit_code == 2
    assert "calibrated" in wrong.output


def test_render_previews_an_action() -> None:
    result = runner.invoke(
        app,
        ["render", "rebalance", "--detail", "CONCISE", "--literacy", "2", "--tone", "EMPATHETIC"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip()
    assert runner.invoke(app, ["render", "no-such-action"]).exit_code == 2
