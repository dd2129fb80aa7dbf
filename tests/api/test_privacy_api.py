"""Export, erasure, tombstones, consent to tracking and the audit chain, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.exc import DBAPIError

from nextbest.storage.repositories.privacy import NOT_CLIENT_DATA, client_tables
from nextbest.storage.tables import AuditLogRow, Base
from tests import factories as f
from tests.api.test_reviews_api import TOBACCO

CLIENT = "zz-erase-me-7"
"""Distinctive, so a scan of every column of every table cannot find it by accident."""


def _url(api: TestClient) -> str:
    return str(api.app.state.settings.database_url)  # type: ignore[attr-defined]


def _populate(api: TestClient, client_id: str = CLIENT) -> None:
    """Write the client into every table that can hold a client's data."""
    securities = {"securities": [f.security(), TOBACCO]}
    assert api.put("/v1/securities", json=securities).status_code == 200
    assert api.put(f"/v1/clients/{client_id}", json=f.client_body()).status_code == 201
    portfolio = f.portfolio_body()
    portfolio["accounts"][0]["holdings"].append(
        {"security_id": "EQ-GB-0002", "quantity": "100", "market_value": "900.00"}
    )
    assert api.put(f"/v1/clients/{client_id}/portfolio", json=portfolio).status_code == 201
    assert api.get(f"/v1/clients/{client_id}/signals").status_code == 200
    answer = api.get(f"/v1/clients/{client_id}/recommendations", params={"limit": 5}).json()
    rid = answer["recommendations"][0]["recommendation_id"]
    assert (
        api.post(f"/v1/recommendations/{rid}/outcome", json={"status": "VIEWED"}).status_code == 200
    )
    feedback = {"rating": 4, "text": "thanks"}
    assert api.post(f"/v1/recommendations/{rid}/feedback", json=feedback).status_code == 201
    held = api.get("/v1/reviews", params={"client_id": client_id}).json()["reviews"][0]
    approve = api.post(
        f"/v1/recommendations/{held['recommendation_id']}/approve", json={"reason": "fine"}
    )
    assert approve.status_code == 200
    for said, conversation in (  # a conversation under way, and an advisor alert (issue 9)
        ("I want to change my retirement goal", f"{client_id}-goal"),
        ("I want to make a formal complaint", f"{client_id}-complaint"),
    ):
        message = {"text": said, "conversation_id": conversation}
        assert api.post(f"/v1/clients/{client_id}/messages", json=message).status_code == 200
    # privacy mode: later events are kept only as receipts and aggregates
    prefs = api.put(f"/v1/clients/{client_id}/preferences", json={"privacy_mode": True})
    assert prefs.status_code == 200, prefs.text
    late = f.event(f"{client_id}-late", client_id, type="LOGIN", occurred_at="2026-01-30T09:00:00Z")
    assert api.post("/v1/events", json=late).status_code == 201
    prefs = api.put(f"/v1/clients/{client_id}/preferences", json={"privacy_mode": False})
    assert prefs.status_code == 200, prefs.text
    events = [
        f.event(f"{client_id}-e{i}", client_id, type="LOGIN", occurred_at=f"2026-01-2{i}T09:00:00Z")
        for i in range(3)
    ]
    assert api.post("/v1/events", json={"events": events}).status_code == 200
    for extra in EXTRA_POPULATORS:
        extra(api, client_id)


def _experiment_assignment(api: TestClient, client_id: str) -> None:
    if api.get("/v1/experiments/PRIVACY_TEST").status_code == 404:
        body = {
            "name": "PRIVACY_TEST",
            "hypothesis": "Money framing makes clients act more often",
            "treatment": "BENEFIT_EMPHASIS",
            "variants": [{"name": "CONTROL", "share": 50}, {"name": "MONETARY_FOCUS", "share": 50}],
            "baseline_rate": 0.1,
        }
        assert api.post("/v1/experiments", json=body).status_code == 201
        started = api.patch("/v1/experiments/PRIVACY_TEST", json={"action": "start"})
        assert started.status_code == 200, started.text
    answer = api.get(f"/v1/clients/{client_id}/recommendations")  # served under a variant
    assert answer.status_code == 200


def _messages(api: TestClient, client_id: str) -> None:
    """A goal update left half-way (conversation state) and a complaint (advisor alert)."""
    for said, conversation in (
        ("I want to change my retirement goal", f"{client_id}-goal"),
        ("I was charged twice and I want to complain to the ombudsman", f"{client_id}-angry"),
    ):
        body = {"text": said, "conversation_id": conversation}
        response = api.post(f"/v1/clients/{client_id}/messages", json=body)
        assert response.status_code == 200, response.text


EXTRA_POPULATORS: list[Any] = [_experiment_assignment, _messages]
"""Steps that fill the tables of other features (experiments, messages) for this client."""


def _rows_holding(url: str, needle: str) -> list[tuple[str, str]]:
    """(table, column) of every value anywhere that contains ``needle``."""
    engine = create_engine(url)
    found = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is not None and needle in str(value):
                        found.append((table.name, column))
    engine.dispose()
    return found


def test_every_table_is_either_client_data_or_declared_free_of_it() -> None:
    holding = {t.name for t in client_tables()}
    names = {t.name for t in Base.metadata.sorted_tables}
    assert names == holding | (NOT_CLIENT_DATA & names)
    assert not holding & NOT_CLIENT_DATA


def test_the_export_holds_the_client_in_every_table_and_its_audit_entries(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    _populate(api)
    response = api.get(f"/v1/clients/{CLIENT}/export")
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["client_id"] == CLIENT
    missing = {t.name for t in client_tables()} - set(document["tables"])
    assert missing == set(), f"no rows exported from {sorted(missing)}"
    assert document["tables"]["clients"][0]["client_id"] == CLIENT
    assert len(document["tables"]["holdings"]) == 2
    assert {r["event_id"] for r in document["tables"]["events"]} >= {f"{CLIENT}-e0"}
    assert document["tables"]["recommendation_feedback"][0]["text"] == "thanks"
    routes = {e["route"] for e in document["audit_log"]}
    assert "PUT /v1/clients/{client_id}" in routes
    assert "GET /v1/clients/{client_id}/recommendations" in routes
    other = api.put("/v1/clients/someone-else", json=f.client_body())
    assert other.status_code == 201
    assert "someone-else" not in response.text
    assert api.get("/v1/clients/nobody/export").status_code == 404


def test_erasure_leaves_no_row_anywhere_holding_the_id(api_on_each_database: TestClient) -> None:
    api = api_on_each_database
    _populate(api)
    assert api.put("/v1/clients/keeper", json=f.client_body()).status_code == 201
    url = _url(api)
    assert _rows_holding(url, CLIENT)
    response = api.delete(f"/v1/clients/{CLIENT}")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["removed"]["events"] >= 3  # and the messages' satisfaction events
    assert report["removed"]["clients"] == 1
    assert set(report["relearned"]) == {"decision_models", "segment_models"}
    assert _rows_holding(url, CLIENT) == []
    assert api.get("/v1/clients/keeper").status_code == 200  # nobody else was touched
    assert api.get(f"/v1/clients/{CLIENT}").status_code == 404
    assert api.delete(f"/v1/clients/{CLIENT}").status_code == 404
    # the erasure itself is on record, by pseudonym only
    entries = api.get("/v1/audit", params={"action": "privacy.erase"}).json()["entries"]
    assert entries[0]["client_ref"] == report["client_ref"] != CLIENT


def test_an_erased_id_takes_no_events_and_comes_back_only_with_consent(api: TestClient) -> None:
    _populate(api)
    assert api.delete(f"/v1/clients/{CLIENT}").status_code == 200
    event = f.event("after-erasure", CLIENT, type="LOGIN", occurred_at="2026-01-31T09:00:00Z")
    assert api.post("/v1/events", json=event).status_code == 404
    body = f.client_body(consents={"PERSONALIZATION": False, "TRACKING": False})
    refused = api.put(f"/v1/clients/{CLIENT}", json=body)
    assert refused.status_code == 409
    assert "erased" in refused.json()["detail"]
    assert api.put(f"/v1/clients/{CLIENT}", json=f.client_body()).status_code == 201
    assert api.post("/v1/events", json=event).status_code == 201


def test_the_models_relearn_without_the_erased_clients_outcomes(api: TestClient) -> None:
    _populate(api)
    _populate(api, "keeper")
    models = api.app.state.recommender.engine.models  # type: ignore[attr-defined]
    before = models.applied
    assert before >= 0
    assert api.delete(f"/v1/clients/{CLIENT}").status_code == 200
    api.get("/v1/clients/keeper/recommendations")
    relearned = api.app.state.recommender.engine.models  # type: ignore[attr-defined]
    assert relearned is not models  # rebuilt from the outcome log that remains
    engine = create_engine(_url(api))
    with engine.connect() as connection:
        left = connection.execute(
            text(
                "SELECT count(*) FROM recommendation_outcomes "
                "WHERE status IN ('ACCEPTED','PARTIALLY_ACCEPTED','DISMISSED','IGNORED','EXPIRED')"
            )
        ).scalar_one()
    engine.dispose()
    assert relearned.applied == left


def test_events_without_tracking_consent_are_counted_not_stored(api: TestClient) -> None:
    body = f.client_body(consents={"PERSONALIZATION": True, "TRACKING": False})
    assert api.put("/v1/clients/quiet", json=body).status_code == 201
    events = [f.event(f"q-{i}", "quiet", type="LOGIN") for i in range(3)]
    report = api.post("/v1/events", json={"events": events}).json()
    assert (report["received"], report["stored"], report["untracked"]) == (3, 0, 3)
    one = api.post("/v1/events", json=f.event("q-9", "quiet", type="LOGIN"))
    assert one.status_code == 200
    assert one.json()["status"] == "untracked"
    exported = api.get("/v1/clients/quiet/export").json()["tables"]
    assert "events" not in exported
    assert "profile_queue" not in exported


def test_the_audit_chain_verifies_and_a_changed_entry_is_found(api: TestClient) -> None:
    from typer.testing import CliRunner

    from nextbest.cli.main import app

    _populate(api)
    runner = CliRunner()
    env = {"NEXTBEST_DATABASE_URL": _url(api)}
    result = runner.invoke(app, ["audit", "verify"], env=env)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    engine = create_engine(_url(api))
    with engine.begin() as connection:  # someone with the database's admin rights
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        victim = (
            connection.execute(select(AuditLogRow.id).order_by(AuditLogRow.id)).scalars().all()[3]
        )
        connection.execute(
            update(AuditLogRow).where(AuditLogRow.id == victim).values(status=200 + 1)
        )
    engine.dispose()
    result = runner.invoke(app, ["audit", "verify"], env=env)
    assert result.exit_code == 1
    assert f"BROKEN at entry {victim}" in result.output


def test_the_database_refuses_to_change_or_delete_audit_entries(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    assert api.put("/v1/clients/c-1", json=f.client_body()).status_code == 201
    engine = create_engine(_url(api))
    for statement in (
        update(AuditLogRow).values(status=200),
        AuditLogRow.__table__.delete(),
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(statement)
    with engine.connect() as connection:
        assert connection.execute(select(AuditLogRow.status)).scalars().all() == [201]
    engine.dispose()
