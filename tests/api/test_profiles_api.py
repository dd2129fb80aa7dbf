"""GET /v1/clients/{id}/profile and PUT/GET /v1/clients/{id}/preferences."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nextbest.behavior.profile import BUILDING_MESSAGE
from nextbest.behavior.state import DEFAULT_DECAY
from nextbest.services.profiles import ProfileFolder
from nextbest.storage.tables import EventRow
from nextbest.storage.unit_of_work import UnitOfWork
from tests import factories as f
from tests.conftest import FIXED_NOW, make_test_client


def _client(api: TestClient, client_id: str = "c-1", **body: Any) -> None:
    assert api.put(f"/v1/clients/{client_id}", json=f.client_body(**body)).status_code == 201


def _events(api: TestClient, days: int, *, prefix: str = "e", expanded: bool = True) -> None:
    batch = []
    for day in range(1, days + 1):
        at = (FIXED_NOW - timedelta(days=day)).isoformat()
        batch += [
            f.event(f"{prefix}-{day}-login", occurred_at=at),
            f.event(
                f"{prefix}-{day}-feature",
                type="FEATURE_USED",
                occurred_at=at,
                context={"feature": "trade"},
            ),
            f.event(
                f"{prefix}-{day}-view",
                type="RECOMMENDATION_VIEWED",
                occurred_at=at,
                target_id=f"rec-{day}",
                context={
                    "category": "TAX",
                    "expanded": expanded,
                    "dwell_seconds": 90 if expanded else 4,
                },
            ),
        ]
    response = api.post("/v1/events", json={"events": batch})
    assert response.json()["stored"] == len(batch), response.json()


def test_an_unknown_client_has_no_profile(api: TestClient) -> None:
    response = api.get("/v1/clients/nobody/profile")
    assert response.status_code == 404
    assert api.put("/v1/clients/nobody/preferences", json={}).status_code == 404
    assert api.get("/v1/clients/nobody/preferences").status_code == 404


def test_a_new_client_is_told_the_profile_is_being_built(api_on_each_database: TestClient) -> None:
    api = api_on_each_database
    _client(api)
    body = api.get("/v1/clients/c-1/profile").json()
    assert body["status"] == "BUILDING"
    assert body["message"] == BUILDING_MESSAGE
    assert body["interactions"] == 0
    assert body["values"]["detail_level"]["source"] == "SEGMENT"
    assert body["values"]["life_stage"]["value"] == "MID_CAREER"


def test_events_teach_the_profile_and_each_value_shows_its_source(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    _client(api)
    _events(api, 40)
    body = api.get("/v1/clients/c-1/profile").json()
    assert body["status"] == "PERSONALIZED"
    assert body["interactions"] == 120
    assert body["behaviour"]["recommendations"]["viewed"] == 40
    assert body["behaviour"]["feature_usage"]["trade"] > 0
    detail = body["values"]["detail_level"]
    assert (detail["value"], detail["source"], detail["learned"]) == (
        "DETAILED",
        "LEARNED",
        "DETAILED",
    )
    assert body["values"]["investment_style"]["value"] == "SELF_DIRECTED"


def test_preferences_override_what_was_learned_and_persist(sqlite_url: str) -> None:
    with make_test_client(sqlite_url) as api:
        _client(api)
        _events(api, 40)
        chosen = {
            "detail_level": "CONCISE",
            "channels": ["EMAIL", "IN_APP"],
            "notification_frequency": "MONTHLY",
            "hidden_categories": ["TAX"],
            "literacy_self_report": 3,
        }
        put = api.put("/v1/clients/c-1/preferences", json=chosen)
        assert put.status_code == 200, put.json()
        assert put.json()["updated_at"] is not None
    with make_test_client(sqlite_url) as again:  # another process, another device: same answer
        assert (
            again.get("/v1/clients/c-1/preferences").json() | chosen
            == again.get("/v1/clients/c-1/preferences").json()
        )
        values = again.get("/v1/clients/c-1/profile").json()["values"]
        assert values["detail_level"] | {} == values["detail_level"] | {
            "value": "CONCISE",
            "source": "CLIENT",
            "override": "CONCISE",
            "learned": "DETAILED",
        }
        assert values["channels"]["value"] == ["EMAIL", "IN_APP"]
        assert values["notification_frequency"]["source"] == "CLIENT"
        assert values["financial_literacy"]["override"] == 3
        body = again.get("/v1/clients/c-1/profile").json()
        assert body["hidden_categories"] == ["TAX"]


def test_turning_personalization_off_gives_the_standard_profile(api: TestClient) -> None:
    _client(api)
    _events(api, 40)
    api.put("/v1/clients/c-1/preferences", json={"personalization": False})
    body = api.get("/v1/clients/c-1/profile").json()
    assert (body["status"], body["personal_weight"], body["personalization"]) == ("OFF", 0, False)


def test_bad_preferences_are_refused_with_the_reason(api: TestClient) -> None:
    _client(api)
    cases = [
        ({"literacy_self_report": 11}, "literacy_self_report"),
        ({"channels": ["EMAIL", "EMAIL"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"notification_frequency": "HOURLY"}, "notification_frequency"),
        ({"hidden_categories": ["has space"]}, "hidden_categories"),
        ({"detail": "CONCISE"}, "detail"),
    ]
    for body, field in cases:
        response = api.put("/v1/clients/c-1/preferences", json=body)
        assert response.status_code == 422, body
        assert field in str(response.json()), response.json()
    assert api.get("/v1/clients/c-1/preferences").json()["updated_at"] is None  # nothing half-set


def test_privacy_mode_deletes_raw_events_and_keeps_counting(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    _client(api)
    _events(api, 5)
    response = api.put("/v1/clients/c-1/preferences", json={"privacy_mode": True})
    assert response.json()["raw_events_deleted"] == 15
    again = api.post("/v1/events", json=f.event("after-1", occurred_at=FIXED_NOW.isoformat()))
    assert again.status_code == 201
    assert (
        api.post("/v1/events", json=f.event("after-1", occurred_at=FIXED_NOW.isoformat())).json()[
            "status"
        ]
        == "duplicate"
    )
    uow = UnitOfWork(api.app.state.session_factory)  # type: ignore[attr-defined]
    with uow:
        raw = uow.session.scalar(select(func.count()).select_from(EventRow))
    assert raw == 0
    body = api.get("/v1/clients/c-1/profile").json()
    assert body["interactions"] == 16
    assert body["privacy_mode"] is True
    assert any("privacy mode" in note for note in body["notes"])


def test_the_background_folder_empties_the_queue(api: TestClient) -> None:
    _client(api)
    _events(api, 10)
    before = api.get("/v1/clients/c-1/profile").json()
    factory = api.app.state.session_factory  # type: ignore[attr-defined]
    uow = UnitOfWork(factory)
    folder = ProfileFolder(
        lambda: UnitOfWork(factory), decay=DEFAULT_DECAY, interval=0.05, clock=lambda: FIXED_NOW
    )
    folder.start()
    try:
        for _ in range(200):  # bounded: at most ~10 s
            with uow:
                if uow.profiles.queue_length() == 0:
                    break
            time.sleep(0.05)
    finally:
        folder.stop()
    with uow:
        assert uow.profiles.queue_length() == 0
    after = api.get("/v1/clients/c-1/profile").json()
    assert after["interactions"] == before["interactions"] == 30
    assert after["behaviour"] == before["behaviour"]
