from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.conftest import make_test_client


def test_healthz_checks_the_database(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: object) -> None:
    with make_test_client("sqlite:////nonexistent-dir/x.db", roles=None) as api:
        response = api.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_metrics_count_requests_by_route_template(api: TestClient) -> None:
    api.get("/v1/clients/c-123")
    text = api.get("/metrics").text
    assert 'route="/v1/clients/{client_id}"' in text
    assert "c-123" not in text


def test_openapi_is_published_with_the_event_shapes(api: TestClient) -> None:
    schema = api.get("/openapi.json").json()
    assert {"EventIn", "EventBatchIn", "ErrorOut"} <= set(schema["components"]["schemas"])
    assert "/v1/events" in schema["paths"]


def test_unknown_endpoint_is_a_json_404(api: TestClient) -> None:
    response = api.get("/v2/nothing")
    assert response.status_code == 404
    assert response.json()["error"] == "NOT_FOUND"


def test_wrong_method_is_a_json_405(api: TestClient) -> None:
    response = api.delete("/v1/securities")
    assert response.status_code == 405
    assert response.json()["error"] == "METHOD_NOT_ALLOWED"


def test_a_given_request_id_is_echoed_and_a_bad_one_replaced(api: TestClient) -> None:
    assert (
        api.get("/healthz", headers={"x-request-id": "abc-12345"}).headers["x-request-id"]
        == "abc-12345"
    )
    assert (
        api.get("/healthz", headers={"x-request-id": "<script>"}).headers["x-request-id"]
        != "<script>"
    )


def test_logs_are_json_and_carry_no_personal_data(
    api: TestClient, capfd: pytest.CaptureFixture[str]
) -> None:
    body = f.client_body()
    body["client_profile"]["goals"][0]["name"] = "Villa for Jane Doe"
    api.put("/v1/clients/c-77", json=body)
    api.put("/v1/clients/c-77", json=f.client_body(birth_year=1800))
    captured = capfd.readouterr().err
    records = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    assert records, "expected JSON log lines"
    assert all("request_id" in record for record in records if record["event"] == "request")
    assert "Jane" not in captured
    assert "c-77" not in captured
    assert "500000" not in captured
