from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories as f


def _with_client(api: TestClient, client_id: str = "c-1") -> TestClient:
    assert api.put(f"/v1/clients/{client_id}", json=f.client_body()).status_code == 201
    return api


def test_one_event_is_stored_once_and_a_repeat_says_duplicate(
    api_on_each_database: TestClient,
) -> None:
    api = _with_client(api_on_each_database)
    first = api.post("/v1/events", json=f.event())
    assert first.status_code == 201
    assert first.json()["status"] == "stored"

    again = api.post("/v1/events", json=f.event())
    assert again.status_code == 200
    assert again.json() | {} == {
        "status": "duplicate",
        "received": 1,
        "stored": 0,
        "duplicates": 1,
        "rejected": 0,
        "untracked": 0,
        "duplicate_event_ids": ["evt-1"],
        "errors": [],
    }


def test_a_batch_stores_valid_items_and_reports_each_invalid_one(
    api_on_each_database: TestClient,
) -> None:
    api = _with_client(api_on_each_database)
    api.post("/v1/events", json=f.event("seen-before"))
    batch = [
        f.event("e-0"),
        f.event("e-1", type="TIME_SPENT"),  # no duration
        f.event("seen-before"),
        f.event("e-3", client_id="stranger"),
        f.event("e-4", occurred_at="2026-01-05T09:00:00"),  # no timezone
        f.event("e-0"),  # repeated inside the batch
        f.event("e-6", type="CONTENT_READ", context={"topic": "pensions"}),
        f.event("e-7", occurred_at="2027-01-01T00:00:00Z"),  # the API clock is 2026-02-01
    ]
    response = api.post("/v1/events", json={"events": batch})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["received"], report["stored"], report["duplicates"], report["rejected"]) == (
        8,
        2,
        2,
        4,
    )
    assert sorted(report["duplicate_event_ids"]) == ["e-0", "seen-before"]
    reasons = {error["index"]: error["reason"] for error in report["errors"]}
    assert set(reasons) == {1, 3, 4, 7}
    assert "duration_seconds" in reasons[1]
    assert "unknown client 'stranger'" in reasons[3]
    assert "timezone" in reasons[4]
    assert "in the future" in reasons[7]


def test_event_for_unknown_client_is_404(api: TestClient) -> None:
    response = api.post("/v1/events", json=f.event(client_id="ghost"))
    assert response.status_code == 404
    assert response.json()["detail"] == "client 'ghost' does not exist"


def test_naive_timestamps_are_refused(api: TestClient) -> None:
    _with_client(api)
    response = api.post("/v1/events", json=f.event(occurred_at="2026-01-05T09:00:00"))
    assert response.status_code == 422
    assert response.json()["problems"][0]["loc"] == "occurred_at"


def test_oversized_context_is_refused(api: TestClient) -> None:
    _with_client(api)
    response = api.post("/v1/events", json=f.event(context={"blob": "x" * 5_000}))
    assert response.status_code == 422
    assert "at most 4,096" in response.json()["detail"]


def test_recommendation_events_need_the_recommendation_id(api: TestClient) -> None:
    _with_client(api)
    response = api.post("/v1/events", json=f.event(type="RECOMMENDATION_ACCEPTED"))
    assert response.status_code == 422
    assert "target_id" in response.json()["detail"]


def test_a_batch_over_the_limit_is_refused_whole(api: TestClient) -> None:
    _with_client(api)
    batch = [f.event(f"e-{i}") for i in range(1_001)]
    response = api.post("/v1/events", json={"events": batch})
    assert response.status_code == 422
    assert "at most 1,000 events" in response.json()["detail"]


def test_malformed_json_is_400(api: TestClient) -> None:
    response = api.post(
        "/v1/events", content=b'{"events": [', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "MALFORMED"


def test_a_body_over_the_size_limit_is_413(sqlite_url: str) -> None:
    from tests.conftest import make_test_client

    with make_test_client(sqlite_url, ingest={"max_body_bytes": 2_048}) as api:
        response = api.post("/v1/events", json={"events": [f.event(f"e-{i}") for i in range(40)]})
    assert response.status_code == 413
    assert response.json()["error"] == "PAYLOAD_TOO_LARGE"


def test_a_streamed_body_over_the_limit_is_413_even_without_content_length(
    sqlite_url: str,
) -> None:
    from tests.conftest import make_test_client

    def chunks() -> object:
        for _ in range(10):
            yield b" " * 1_024

    with make_test_client(sqlite_url, ingest={"max_body_bytes": 2_048}) as api:
        response = api.post("/v1/events", content=chunks())  # type: ignore[arg-type]
    assert response.status_code == 413


def test_unknown_fields_beside_events_are_refused(api: TestClient) -> None:
    response = api.post("/v1/events", json={"events": [f.event()], "evnts": []})
    assert response.status_code == 422
