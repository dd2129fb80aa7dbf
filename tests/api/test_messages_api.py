"""POST /v1/clients/{id}/messages and GET /v1/alerts: client messages over HTTP.

The language models are loaded once per test process (``services.messages.load_models`` is
cached), so these tests add about a second in all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from structlog.testing import capture_logs

from nextbest.api.deps import current_time
from nextbest.nlp.artifacts import ArtifactError
from nextbest.services import messages as message_service
from nextbest.storage.tables import AdvisorAlertRow, ConversationStateRow, EventRow
from tests import factories as f
from tests.conftest import FIXED_NOW, make_test_client

CARD = "4111 1111 1111 1111"
COMPLAINT = f"I want to make a formal complaint, you charged my card {CARD} twice and nobody helps"


def _book(api: TestClient, client_id: str = "c-1", **client: Any) -> None:
    assert api.put("/v1/securities", json={"securities": [f.security()]}).status_code == 200
    assert api.put(f"/v1/clients/{client_id}", json=f.client_body(**client)).status_code == 201
    response = api.put(f"/v1/clients/{client_id}/portfolio", json=f.portfolio_body())
    assert response.status_code == 201


def _say(
    api: TestClient, text: str, *, client_id: str = "c-1", conversation: str = "conv-1"
) -> dict[str, Any]:
    response = api.post(
        f"/v1/clients/{client_id}/messages", json={"text": text, "conversation_id": conversation}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _rows(api: TestClient, table: Any) -> list[Any]:
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(table)))
    finally:
        engine.dispose()


@pytest.fixture
def booked(api_on_each_database: TestClient) -> TestClient:
    _book(api_on_each_database)
    return api_on_each_database


def test_a_market_worry_is_understood_and_answered_through_the_decision_loop(
    booked: TestClient,
) -> None:
    body = _say(booked, "I'm worried about the market crashing, should I move my retirement pot?")
    assert body["intent"]["name"] == "market_worry"
    assert body["intent"]["confidence"] >= 0.5
    assert set(body["sentiment"]["probabilities"]) == {"negative", "neutral", "positive"}
    assert body["reply"]
    assert body["tone"] == "CONCISE"  # the client's commentary tone
    suggestions = body["suggestions"]
    assert suggestions is not None  # the client's concentration findings are about markets
    related = {"GOAL_FUNDING_DERISK", "CONCENTRATION", "REBALANCING_DRIFT"}
    for item in suggestions["recommendations"]:
        finding = item["finding"]
        assert finding is None or finding.split(":")[0] in related or item["mandatory"]
    # The suggestions are a logged decision: outcomes can be reported against them.
    for item in suggestions["recommendations"]:
        response = booked.post(
            f"/v1/recommendations/{item['recommendation_id']}/outcome", json={"status": "VIEWED"}
        )
        assert response.status_code == 200
    assert body["model_versions"]["intents"].startswith("intents-")


def test_a_service_question_gets_a_reply_but_no_product_suggestions(booked: TestClient) -> None:
    body = _say(booked, "how do I activate my new card?")
    assert body["intent"]["family"] == "banking_cards"
    assert body["suggestions"] is None
    assert body["alert"] is None


def test_a_question_with_no_related_finding_gets_no_unrelated_product(booked: TestClient) -> None:
    body = _say(booked, "Do my investments match my values? I care about ESG")
    assert body["intent"]["name"] == "esg_values"
    assert body["suggestions"] is None  # no ESG finding for this client: nothing to push
    assert body["reply"]


def test_the_word_complaint_is_enough_for_an_alert(booked: TestClient) -> None:
    body = _say(booked, "I was charged twice on my card and I want to complain")
    assert body["alert"] == "complaint"
    assert body["satisfaction"] <= -0.5
    assert body["suggestions"] is None
    assert [a["message_id"] for a in booked.get("/v1/alerts").json()["alerts"]] == [
        body["message_id"]
    ]


def test_a_complaint_alerts_an_advisor_with_the_masked_text_only(booked: TestClient) -> None:
    with capture_logs() as logs:
        body = _say(booked, COMPLAINT)
    assert body["intent"]["name"] == "complaint"
    assert body["alert"] == "complaint"
    assert body["suggestions"] is None  # a complaint is for a person, not for a product
    assert body["satisfaction"] <= -0.5
    assert CARD not in body["masked_text"]
    assert "[CARD]" in body["masked_text"]
    assert [p["kind"] for p in body["pii"]] == ["CARD"]

    alerts = booked.get("/v1/alerts").json()["alerts"]
    assert [a["alert_id"] for a in alerts] == [body["alert_id"]]
    assert alerts[0]["reason"] == "complaint"
    assert alerts[0]["client_id"] == "c-1"
    assert alerts[0]["masked_text"] == body["masked_text"]

    # Storage: only the masked text, in the alert; the event carries a score, never text.
    stored = [row.masked_text for row in _rows(booked, AdvisorAlertRow)]
    assert stored == [body["masked_text"]]
    events = [row for row in _rows(booked, EventRow) if row.event_type == "FEEDBACK"]
    assert len(events) == 1
    assert "1111" not in str(events[0].context)
    # Logs: not the raw text, not the card, not even the masked text.
    assert logs, "the message should have been logged"
    for record in logs:
        flat = str(record)
        assert "1111" not in flat
        assert "complaint, you charged" not in flat


def test_the_alert_text_is_not_kept_when_turned_off(sqlite_url: str) -> None:
    with make_test_client(sqlite_url, nlp={"alert_text": False}) as api:
        _book(api)
        body = _say(api, COMPLAINT)
        assert body["alert"] == "complaint"
        assert [a["masked_text"] for a in api.get("/v1/alerts").json()["alerts"]] == [None]
        assert [row.masked_text for row in _rows(api, AdvisorAlertRow)] == [None]


def test_alerts_filter_by_client_and_time(api: TestClient) -> None:
    _book(api, "c-1")
    _book(api, "c-2")
    _say(api, COMPLAINT, client_id="c-1")
    later = FIXED_NOW + timedelta(hours=1)
    api.app.dependency_overrides[current_time] = lambda: later  # type: ignore[attr-defined]
    second = _say(api, COMPLAINT, client_id="c-2", conversation="conv-2")
    every = api.get("/v1/alerts").json()["alerts"]
    assert [a["client_id"] for a in every] == ["c-2", "c-1"]  # newest first
    one = api.get("/v1/alerts", params={"client_id": "c-1"}).json()["alerts"]
    assert [a["client_id"] for a in one] == ["c-1"]
    since = (FIXED_NOW + timedelta(minutes=30)).isoformat()
    recent = api.get("/v1/alerts", params={"since": since}).json()["alerts"]
    assert [a["alert_id"] for a in recent] == [second["alert_id"]]
    naive = api.get("/v1/alerts", params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422
    assert "time zone" in naive.json()["detail"]


def test_a_message_s_sentiment_reaches_the_profile_satisfaction(booked: TestClient) -> None:
    before = booked.get("/v1/clients/c-1/profile").json()["behaviour"]["satisfaction"]
    assert before is None
    body = _say(booked, COMPLAINT)
    after = booked.get("/v1/clients/c-1/profile").json()["behaviour"]["satisfaction"]
    assert after == pytest.approx(body["satisfaction"], abs=1e-3)
    assert after < 0


def test_the_goal_update_conversation_proposes_and_writes_nothing(booked: TestClient) -> None:
    goals_before = booked.get("/v1/clients/c-1").json()["client_profile"]["goals"]
    first = _say(booked, "I want to change my retirement goal")
    assert first["intent"]["name"] == "update_goal"
    assert first["flow"]["status"] == "ASKING"
    assert first["flow"]["awaiting"] == "target_year"
    [state] = _rows(booked, ConversationStateRow)
    assert state.client_id == "c-1"
    assert state.state["awaiting"] == "target_year"
    second = _say(booked, "by 2042 please")
    assert second["flow"]["awaiting"] == "target_amount"
    third = _say(booked, "make it £650k")
    assert third["flow"]["status"] == "COMPLETED"
    assert third["flow"]["proposal"] == {
        "goal_id": "retirement-1",
        "goal_type": "RETIREMENT",
        "target_year": 2042,
        "target_amount": "650000",
        "currency": "GBP",
    }
    assert _rows(booked, ConversationStateRow) == []  # a finished conversation keeps nothing
    assert booked.get("/v1/clients/c-1").json()["client_profile"]["goals"] == goals_before


def test_a_conversation_belongs_to_one_client(api: TestClient) -> None:
    _book(api, "c-1")
    _book(api, "c-2")
    _say(api, "I want to change my retirement goal", client_id="c-1")
    response = api.post(
        "/v1/clients/c-2/messages",
        json={"text": "by 2042 please", "conversation_id": "conv-1"},
    )
    assert response.status_code == 409
    assert "another client" in response.json()["detail"]


def test_unknown_clients_are_404(api: TestClient) -> None:
    response = api.post("/v1/clients/nobody/messages", json={"text": "hi", "conversation_id": "x"})
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"text": "", "conversation_id": "c"}, "text"),
        ({"text": "   \n ", "conversation_id": "c"}, "text"),
        ({"text": "x" * 2_001, "conversation_id": "c"}, "text"),
        ({"conversation_id": "c"}, "text"),
        ({"text": "hello", "conversation_id": "has space"}, "conversation_id"),
        ({"text": "hello", "conversation_id": "c", "channel": "PIGEON"}, "channel"),
    ],
)
def test_bad_messages_are_422_with_a_reason(api: TestClient, body: Any, where: str) -> None:
    _book(api)
    response = api.post("/v1/clients/c-1/messages", json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert any(where in problem["loc"] for problem in error["problems"]), error
    assert error["detail"]


def test_the_length_limit_is_a_setting(sqlite_url: str) -> None:
    with make_test_client(sqlite_url, nlp={"max_chars": 20}) as api:
        _book(api)
        response = api.post(
            "/v1/clients/c-1/messages",
            json={"text": "what is my balance today please", "conversation_id": "c"},
        )
        assert response.status_code == 422
        assert "at most 20" in response.json()["detail"]


def test_models_that_fail_to_load_make_the_route_503_and_nothing_else(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(threads: int) -> Any:
        raise ArtifactError("no model artifact in /somewhere: run `nextbest nlp train`")

    monkeypatch.setattr(message_service, "load_models", broken)
    with make_test_client(sqlite_url) as api:
        _book(api)
        response = api.post("/v1/clients/c-1/messages", json={"text": "hi", "conversation_id": "c"})
        assert response.status_code == 503
        assert "nextbest nlp train" in response.json()["detail"]
        assert api.get("/v1/clients/c-1").status_code == 200
        assert api.get("/v1/alerts").status_code == 200


def test_models_can_be_turned_off(sqlite_url: str) -> None:
    with make_test_client(sqlite_url, nlp={"enabled": False}) as api:
        _book(api)
        response = api.post("/v1/clients/c-1/messages", json={"text": "hi", "conversation_id": "c"})
        assert response.status_code == 503
        assert "turned off" in response.json()["detail"]
