"""GET /v1/recommendations/{id}/explanation and GET /v1/clients/{id}/insights over HTTP."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, update

from nextbest.api.routes import explanations
from nextbest.storage.tables import DecisionRow
from tests import factories as f
from tests.conftest import make_test_client

EXPLANATION = "/v1/recommendations/{recommendation_id}/explanation"
JARGON = ("propensity", "thompson", "priority", "lever", "segment", "contextual", "posterior")


def _with_routes(api: TestClient) -> TestClient:
    """The routes, registered here until ``create_app`` includes them (then this does nothing)."""
    app: Any = api.app
    if not any(getattr(route, "path", None) == EXPLANATION for route in app.routes):
        app.include_router(explanations.router)
    return api


@pytest.fixture
def api(sqlite_url: str) -> Iterator[TestClient]:
    with make_test_client(sqlite_url) as client:
        yield _with_routes(client)


@pytest.fixture
def api_on_each_database(database_url: str) -> Iterator[TestClient]:
    with make_test_client(database_url) as client:
        yield _with_routes(client)


def _book(api: TestClient, client_id: str = "c-1", *, portfolio: bool = True, **body: Any) -> None:
    assert api.put("/v1/securities", json={"securities": [f.security()]}).status_code == 200
    assert api.put(f"/v1/clients/{client_id}", json=f.client_body(**body)).status_code == 201
    if portfolio:
        response = api.put(f"/v1/clients/{client_id}/portfolio", json=f.portfolio_body())
        assert response.status_code == 201


def _answer(api: TestClient, client_id: str = "c-1", **query: Any) -> dict[str, Any]:
    response = api.get(f"/v1/clients/{client_id}/recommendations", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _explain(api: TestClient, recommendation_id: str, audience: str) -> dict[str, Any]:
    response = api.get(
        f"/v1/recommendations/{recommendation_id}/explanation", params={"audience": audience}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _logged(api: TestClient, decision_id: str) -> tuple[list[Any], Any]:
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    with engine.connect() as connection:
        row = connection.execute(
            select(DecisionRow).where(DecisionRow.decision_id == decision_id)
        ).one()
    engine.dispose()
    return orjson.loads(row.considered), orjson.loads(row.versions)


def test_staff_and_client_explanations_agree_with_the_decision_log(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    _book(api)
    answer = _answer(api, limit=3)
    considered, versions = _logged(api, answer["decision_id"])
    for item in answer["recommendations"]:
        rid = item["recommendation_id"]
        entry = next(c for c in considered if c.get("recommendation_id") == rid)
        staff = _explain(api, rid, "staff")
        assert staff["decision_id"] == answer["decision_id"]
        assert staff["rank"] == item["rank"] == entry["rank"]
        assert staff["priority"] == entry["score"]["priority"] == item["score"]
        assert {c["name"]: c["value"] for c in staff["components"]} == {
            k: entry["score"][k] for k in ("propensity", "context_weight", "value_weight", "lever")
        }
        assert math.isclose(staff["product"], staff["priority"], rel_tol=1e-9)
        assert math.isclose(sum(c["share"] for c in staff["components"]), 1.0)
        assert staff["probability"] == entry["probability"]
        assert staff["source"] == entry["source"]
        assert staff["evidence"] == item["evidence"]
        assert staff["versions"]["models"] == versions["models"]
        assert staff["versions"]["catalog"] == versions["catalog"]
        assert staff["experiments"] == []
        assert staff["not_recorded"] == []
        trace = staff["arbitration"]
        assert {t["key"] for t in trace} == {c["key"] for c in considered}
        served = [t for t in trace if t["outcome"] == "SERVED"]
        held = {c["recommendation_id"] for c in considered if c.get("held_for_review")}
        assert [t["recommendation_id"] for t in served if t["recommendation_id"] not in held] == [
            i["recommendation_id"] for i in answer["recommendations"]
        ]
        assert [t["key"] for t in trace if t["explained"]] == [entry["key"]]
        removed = [t for t in trace if t["outcome"] == "REMOVED"]
        assert removed
        assert all(t["policy"] in ("engagement", "contact") and t["reason"] for t in removed)

        client = _explain(api, rid, "client")
        assert client["main_reasons"] == item["reasons"]
        assert client["title"] == item["title"]
        words = " ".join(
            client["main_reasons"]
            + client["contributing_factors"]
            + client["what_would_change"]
            + client["how_to_improve"]
        ).lower()
        assert not any(word in words for word in JARGON)
        assert any("preferences" in line for line in client["what_would_change"])
        assert client["how_to_improve"]


def test_the_client_explanation_is_the_default_audience(api: TestClient) -> None:
    _book(api)
    rid = _answer(api)["recommendations"][0]["recommendation_id"]
    response = api.get(f"/v1/recommendations/{rid}/explanation")
    assert response.status_code == 200
    assert response.json()["audience"] == "client"


def test_a_suggestion_served_again_is_explained_by_its_first_decision(api: TestClient) -> None:
    _book(api)
    # a long answer, so what the first one showed is (re-)decided in the second whatever the
    # exploration draws (regulated suggestions wait for review and are in neither)
    first = _answer(api, limit=10)
    second = _answer(api, limit=10)
    again = {i["recommendation_id"] for i in first["recommendations"]} & {
        i["recommendation_id"] for i in second["recommendations"]
    }
    assert again
    for rid in again:
        assert _explain(api, rid, "staff")["decision_id"] == first["decision_id"]


def test_an_outcome_shows_in_the_history_and_in_what_would_change(api: TestClient) -> None:
    _book(api)
    rid = _answer(api)["recommendations"][0]["recommendation_id"]
    response = api.post(f"/v1/recommendations/{rid}/outcome", json={"status": "DISMISSED"})
    assert response.status_code == 200
    staff = _explain(api, rid, "staff")
    assert staff["status"] == "DISMISSED"
    assert [h["status"] for h in staff["history"]] == ["DISMISSED"]
    client = _explain(api, rid, "client")
    assert client["what_would_change"][0].startswith("You dismissed it")


def test_an_old_log_entry_is_explained_with_what_it_has(api: TestClient) -> None:
    _book(api)
    answer = _answer(api, limit=3)
    rid = answer["recommendations"][0]["recommendation_id"]
    considered, _ = _logged(api, answer["decision_id"])
    stripped = [
        {k: v for k, v in c.items() if k in ("key", "recommendation_id")} for c in considered
    ]
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            update(DecisionRow)
            .where(DecisionRow.decision_id == answer["decision_id"])
            .values(considered=orjson.dumps(stripped).decode(), features="{}", versions="[]")
        )
    engine.dispose()
    staff = _explain(api, rid, "staff")
    assert "score.propensity" in staff["not_recorded"]
    assert "versions.models" in staff["not_recorded"]
    assert staff["priority"] == answer["recommendations"][0]["score"]  # the row's copy
    assert all(t["action_id"] == "not recorded" for t in staff["arbitration"])
    client = _explain(api, rid, "client")
    assert "not recorded" in client["main_reasons"][0]


def test_unknown_recommendations_are_404_and_a_bad_audience_is_422(api: TestClient) -> None:
    assert api.get("/v1/recommendations/nobody/explanation").status_code == 404
    _book(api)
    rid = _answer(api)["recommendations"][0]["recommendation_id"]
    response = api.get(f"/v1/recommendations/{rid}/explanation", params={"audience": "boss"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["loc"] == "audience"


# -- insights ---------------------------------------------------------------------------------


def test_the_insight_report_is_markdown_or_html_with_the_signals_numbers(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    _book(api)
    markdown = api.get("/v1/clients/c-1/insights")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.text.startswith("# ")
    assert "£4,210" in markdown.text  # the portfolio's market value
    signals = api.get("/v1/clients/c-1/signals").json()["candidates"]
    goal = next(c for c in signals if c["signal"] == "GOAL_PROGRESS")
    assert str(goal["evidence"]["target_year"]) in markdown.text
    html = api.get("/v1/clients/c-1/insights", params={"format": "html"})
    assert html.status_code == 200
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>" in html.text
    assert "£4,210" in html.text


def test_the_insight_report_follows_the_clients_detail_level(api: TestClient) -> None:
    _book(api, "brief")
    _book(api, "full")
    for client_id, detail in (("brief", "CONCISE"), ("full", "DETAILED")):
        response = api.put(f"/v1/clients/{client_id}/preferences", json={"detail_level": detail})
        assert response.status_code == 200
    brief = api.get("/v1/clients/brief/insights").text
    full = api.get("/v1/clients/full/insights").text
    assert len(full) > len(brief)


def test_a_client_without_a_portfolio_gets_a_short_report(api: TestClient) -> None:
    _book(api, portfolio=False)
    response = api.get("/v1/clients/c-1/insights")
    assert response.status_code == 200
    assert "no investments with us yet" in response.text


def test_insights_of_an_unknown_client_are_404_and_a_bad_format_is_422(api: TestClient) -> None:
    assert api.get("/v1/clients/nobody/insights").status_code == 404
    _book(api)
    assert api.get("/v1/clients/c-1/insights", params={"format": "pdf"}).status_code == 422
