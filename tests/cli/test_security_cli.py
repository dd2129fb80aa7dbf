"""`nextbest keys`, `nextbest retention run` and the demo's development key."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from nextbest.cli.main import app
from nextbest.storage.tables import EventRow
from tests import factories as f
from tests.conftest import make_test_client

runner = CliRunner()


def test_a_created_key_works_until_it_is_revoked(sqlite_url: str) -> None:
    env = {"NEXTBEST_DATABASE_URL": sqlite_url}
    created = runner.invoke(app, ["keys", "create", "--name", "crm", "--roles", "advisor"], env=env)
    assert created.exit_code == 0, created.output
    key = next(line for line in created.stdout.splitlines() if line.startswith("nbk_"))
    key_id = key.split("_")[1]
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert key_id in listed.output
    assert key not in listed.output
    with make_test_client(sqlite_url, roles=None, security={"key_cache_seconds": 0}) as api:
        headers = {"Authorization": f"Bearer {key}"}
        assert api.get("/v1/reviews", headers=headers).status_code == 200
        assert api.get("/v1/audit", headers=headers).status_code == 403
        assert runner.invoke(app, ["keys", "revoke", key_id], env=env).exit_code == 0
        assert api.get("/v1/reviews", headers=headers).status_code == 401
    assert runner.invoke(app, ["keys", "revoke", key_id], env=env).exit_code == 1
    bad = runner.invoke(app, ["keys", "create", "--name", "x", "--roles", "root"], env=env)
    assert bad.exit_code == 2
    assert "unknown role 'root'" in bad.output


def _events(api: TestClient, day: str, count: int, prefix: str) -> None:
    events = [
        f.event(f"{prefix}-{i}", "c-1", type="PAGE_VIEW", occurred_at=f"{day}T09:{i:02d}:00Z")
        for i in range(count)
    ]
    assert api.post("/v1/events", json={"events": events}).json()["stored"] == count


def test_retention_deletes_old_raw_events_and_keeps_the_profile(sqlite_url: str) -> None:
    with make_test_client(sqlite_url) as api:
        assert api.put("/v1/clients/c-1", json=f.client_body()).status_code == 201
        _events(api, "2024-06-01", 5, "old")
        _events(api, "2026-01-20", 3, "new")
        flow = {"text": "I want to change my retirement goal", "conversation_id": "conv-1"}
        assert api.post("/v1/clients/c-1/messages", json=flow).json()["flow"] is not None
        before = api.get("/v1/clients/c-1/profile").json()
        env = {"NEXTBEST_DATABASE_URL": sqlite_url}
        result = runner.invoke(app, ["retention", "run", "--days", "400"], env=env)
        assert result.exit_code == 0, result.output
        assert "deleted 5 raw events" in result.output
        after = api.get("/v1/clients/c-1/profile").json()
        entries = api.get("/v1/audit", params={"action": "privacy.retention"}).json()["entries"]
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        left = connection.execute(select(func.count()).select_from(EventRow)).scalar_one()
    engine.dispose()
    assert left == 4  # the three recent ones and the message's satisfaction event
    assert after["behaviour"] == before["behaviour"]
    assert entries[0]["detail"]["deleted"] == 5
    assert entries[0]["detail"]["conversations"] == 1  # its last message was months ago


def test_the_training_export_names_clients_only_by_pseudonym(
    sqlite_url: str, tmp_path: object
) -> None:
    from pathlib import Path

    import orjson

    assert isinstance(tmp_path, Path)
    with make_test_client(sqlite_url) as api:
        assert api.put("/v1/securities", json={"securities": [f.security()]}).status_code == 200
        assert api.put("/v1/clients/zz-train-1", json=f.client_body()).status_code == 201
        assert (
            api.put("/v1/clients/zz-train-1/portfolio", json=f.portfolio_body()).status_code == 201
        )
        served = api.get("/v1/clients/zz-train-1/recommendations").json()["recommendations"]
        rid = served[0]["recommendation_id"]
        assert (
            api.post(f"/v1/recommendations/{rid}/outcome", json={"status": "ACCEPTED"}).status_code
            == 200
        )
    out = tmp_path / "train.jsonl"
    env = {"NEXTBEST_DATABASE_URL": sqlite_url}
    result = runner.invoke(app, ["decisions", "export", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "zz-train-1" not in text
    lines = [orjson.loads(line) for line in text.splitlines()]
    assert len(lines) >= len(served)
    accepted = next(line for line in lines if line["recommendation_id"] == rid)
    assert accepted["reward"] == 1.0
    assert 0 < accepted["probability"] <= 1
    assert len(accepted["client_ref"]) == 64
    assert accepted["context"]
