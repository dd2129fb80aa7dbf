"""GET /v1/clients/{id}/recommendations, outcomes and feedback: the decision loop over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from nextbest.api.deps import current_time
from nextbest.storage.tables import DecisionRow, RecommendationFeedbackRow
from tests import factories as f
from tests.conftest import FIXED_NOW, make_test_client


def _book(api: TestClient, client_id: str = "c-1", **client: Any) -> None:
    assert api.put("/v1/securities", json={"securities": [f.security()]}).status_code == 200
    assert api.put(f"/v1/clients/{client_id}", json=f.client_body(**client)).status_code == 201
    response = api.put(f"/v1/clients/{client_id}/portfolio", json=f.portfolio_body())
    assert response.status_code == 201


def _answer(api: TestClient, client_id: str = "c-1", **query: Any) -> dict[str, Any]:
    response = api.get(f"/v1/clients/{client_id}/recommendations", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _outcome(api: TestClient, recommendation_id: str, status: str) -> Any:
    return api.post(f"/v1/recommendations/{recommendation_id}/outcome", json={"status": status})


def _at(api: TestClient, when: Any) -> None:
    api.app.dependency_overrides[current_time] = lambda: when  # type: ignore[attr-defined]


def test_unknown_clients_and_recommendations_are_404(api: TestClient) -> None:
    assert api.get("/v1/clients/nobody/recommendations").status_code == 404
    assert _outcome(api, "no-such-id", "ACCEPTED").status_code == 404
    response = api.post("/v1/recommendations/no-such-id/feedback", json={"rating": 3})
    assert response.status_code == 404


def test_an_answer_is_ranked_explained_and_logged(api_on_each_database: TestClient) -> None:
    api = api_on_each_database
    _book(api)
    body = _answer(api, limit=3)
    items = body["recommendations"]
    assert 1 <= len(items) <= 3
    ranks = [item["rank"] for item in items]  # the decision's ranks: a held one keeps its own
    assert ranks == sorted(set(ranks))
    assert ranks[0] >= 1
    assert all(item["reasons"] and item["recommendation_id"] for item in items)
    scores = [item["score"] for item in items if not item["mandatory"]]
    assert scores == sorted(scores, reverse=True)
    assert body["profile_status"] == "BUILDING"  # a new client: general suggestions, and why
    assert body["message"]
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    with engine.connect() as connection:
        row = connection.execute(
            select(DecisionRow).where(DecisionRow.decision_id == body["decision_id"])
        ).one()
    engine.dispose()
    considered = orjson.loads(row.considered)
    served = [c for c in considered if "recommendation_id" in c]
    shown = {c["recommendation_id"] for c in served if not c["held_for_review"]}
    assert shown == {i["recommendation_id"] for i in items}
    for entry in served:
        assert 0 < entry["probability"] <= 1
        parts = entry["score"]
        product = (
            parts["propensity"] * parts["context_weight"] * parts["value_weight"] * parts["lever"]
        )
        assert abs(parts["priority"] - product) < 1e-9
    assert any("removed" in c and c["reason"] for c in considered)  # the arbitration trace
    features = orjson.loads(row.features)
    assert features["client"]["bias"] == 1.0
    assert orjson.loads(row.versions)["models"].startswith("outcomes-")


def test_outcomes_are_idempotent_and_follow_the_lifecycle(api_on_each_database: TestClient) -> None:
    api = api_on_each_database
    _book(api)
    first, *_ = _answer(api)["recommendations"]
    rid = first["recommendation_id"]
    viewed = _outcome(api, rid, "VIEWED")
    assert viewed.json() == {
        "recommendation_id": rid,
        "status": "VIEWED",
        "previous": "DELIVERED",
        "changed": True,
    }
    assert _outcome(api, rid, "ACCEPTED").json()["changed"] is True
    again = _outcome(api, rid, "ACCEPTED")
    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert _outcome(api, rid, "VIEWED").json()["changed"] is False  # a late view is implied
    conflict = _outcome(api, rid, "DISMISSED")
    assert conflict.status_code == 409
    assert "ACCEPTED" in conflict.json()["detail"]
    assert _outcome(api, rid, "EXPIRED").status_code == 422  # only nextbest expires


def test_accepting_after_the_expiry_is_a_conflict(api: TestClient) -> None:
    _book(api)
    item = _answer(api)["recommendations"][0]
    _at(api, FIXED_NOW + timedelta(days=400))
    response = _outcome(api, item["recommendation_id"], "ACCEPTED")
    assert response.status_code == 409
    assert "IGNORED" in response.json()["detail"]  # never viewed, so it was ignored


def test_the_next_answer_reflects_an_outcome_at_once(api: TestClient) -> None:
    _book(api)
    items = _answer(api, limit=5)["recommendations"]
    accepted, dismissed = items[0], items[1]
    _outcome(api, accepted["recommendation_id"], "ACCEPTED")
    _outcome(api, dismissed["recommendation_id"], "DISMISSED")
    later = _answer(api, limit=5)["recommendations"]
    shown = {item["action_id"] for item in later}
    assert accepted["action_id"] not in shown  # done: not suggested again within its expiry
    assert dismissed["action_id"] not in shown  # resting after a dismissal
    behaviour = api.get("/v1/clients/c-1/profile").json()["behaviour"]
    assert behaviour["recommendations"]["accepted"] == 1
    assert behaviour["recommendations"]["dismissed"] == 1
    recommender = api.app.state.recommender  # type: ignore[attr-defined]
    assert recommender.engine.models.applied == 2  # the models learned both at once


def test_an_open_suggestion_is_served_again_under_its_own_id(api: TestClient) -> None:
    _book(api)

    def served() -> dict[tuple[str, str | None], str]:
        items = _answer(api, limit=5)["recommendations"]
        return {(i["action_id"], i["finding"]): i["recommendation_id"] for i in items}

    first, second = served(), served()
    assert first.keys() & second.keys()
    for key in first.keys() & second.keys():
        assert first[key] == second[key]


def test_a_push_channel_respects_the_notification_frequency(api: TestClient) -> None:
    _book(api)
    response = api.put("/v1/clients/c-1/preferences", json={"notification_frequency": "WEEKLY"})
    assert response.status_code == 200
    first = _answer(api, channel="EMAIL", limit=5)["recommendations"]
    assert len([i for i in first if not i["mandatory"]]) == 1  # WEEKLY: one new per 7 days
    assert [i for i in _answer(api, channel="EMAIL")["recommendations"] if not i["mandatory"]] == []
    _at(api, FIXED_NOW + timedelta(days=8))
    assert len(_answer(api, channel="EMAIL")["recommendations"]) == 1


def test_a_client_who_turned_personalisation_off_gets_the_standard_ranking(
    api: TestClient,
) -> None:
    _book(api)
    assert api.put("/v1/clients/c-1/preferences", json={"personalization": False}).is_success
    assert _answer(api)["policy"] == "standard"
    _book(api, client_id="c-2", consents={"PERSONALIZATION": False, "TRACKING": True})
    assert _answer(api, client_id="c-2")["policy"] == "standard"
    assert _answer(api, client_id="c-1", channel="WEB")["policy"] == "standard"


def test_feedback_is_validated_stored_and_reaches_the_profile(api: TestClient) -> None:
    _book(api)
    rid = _answer(api)["recommendations"][0]["recommendation_id"]
    assert api.post(f"/v1/recommendations/{rid}/feedback", json={}).status_code == 422
    assert api.post(f"/v1/recommendations/{rid}/feedback", json={"rating": 6}).status_code == 422
    response = api.post(
        f"/v1/recommendations/{rid}/feedback",
        json={"rating": 5, "kind": "HELPFUL", "text": "clear and useful"},
    )
    assert response.status_code == 201
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    with engine.connect() as connection:
        row = connection.execute(select(RecommendationFeedbackRow)).one()
    engine.dispose()
    assert (row.rating, row.kind, row.text) == (5, "HELPFUL", "clear and useful")
    assert api.get("/v1/clients/c-1/profile").json()["behaviour"]["satisfaction"] == 1.0


def test_another_process_learns_the_outcomes_from_the_log(sqlite_url: str) -> None:
    with make_test_client(sqlite_url, decision={"model_sync_seconds": 0}) as one:
        _book(one)
        items = _answer(one, limit=3)["recommendations"]
        for item in items:
            assert _outcome(one, item["recommendation_id"], "DISMISSED").status_code == 200
        with make_test_client(sqlite_url, decision={"model_sync_seconds": 0}) as two:
            assert two.app.state.recommender.engine.models.applied == 0  # type: ignore[attr-defined]
            _answer(two)
            learned = two.app.state.recommender.engine.models.applied  # type: ignore[attr-defined]
            assert learned == len(items) >= 1


def test_a_failing_model_falls_back_to_the_baseline_and_says_so(
    api: TestClient, monkeypatch: Any
) -> None:
    from nextbest.decision.models import DecisionModels
    from nextbest.services import recommendations

    _book(api)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("corrupt model")

    monkeypatch.setattr(DecisionModels, "sampler", broken)
    before = recommendations.FALLBACKS._value.get()
    body = _answer(api)
    assert body["recommendations"]  # still an answer, never a 500
    assert recommendations.FALLBACKS._value.get() == before + 1
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    with engine.connect() as connection:
        row = connection.execute(
            select(DecisionRow).where(DecisionRow.decision_id == body["decision_id"])
        ).one()
    engine.dispose()
    assert "seed 002 baseline" in orjson.loads(row.versions)["fallback"]
    served = [c for c in orjson.loads(row.considered) if "recommendation_id" in c]
    assert {c["source"] for c in served} <= {"baseline", "mandatory"}


def test_a_failing_template_costs_the_wording_not_the_answer(
    api: TestClient, monkeypatch: Any
) -> None:
    _book(api)
    presenter = api.app.state.recommender.presenter  # type: ignore[attr-defined]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("a template bug")

    monkeypatch.setattr(presenter, "render", broken)
    items = _answer(api)["recommendations"]
    assert items
    assert all(item["title"] for item in items)


def test_an_answer_is_withheld_when_its_decision_log_cannot_be_written(
    sqlite_url: str, monkeypatch: Any
) -> None:
    from nextbest.storage.repositories.recommendations import RecommendationRepository
    from nextbest.storage.tables import AuditLogRow

    with make_test_client(sqlite_url) as api:
        _book(api)
        engine = create_engine(sqlite_url)
        with engine.connect() as connection:
            entries = len(connection.execute(select(AuditLogRow.id)).all())

        def broken(*args: Any, **kwargs: Any) -> None:
            raise OSError("the disk is full")

        monkeypatch.setattr(RecommendationRepository, "add_decisions", broken)
        response = api.get("/v1/clients/c-1/recommendations")
        assert response.status_code == 503
        assert "recommendation_id" not in response.text
        monkeypatch.undo()
        with engine.connect() as connection:
            assert connection.execute(select(DecisionRow.decision_id)).all() == []
            # the access's entry shared the failed transaction: it is not half-written either
            assert len(connection.execute(select(AuditLogRow.id)).all()) == entries
        engine.dispose()
        assert _answer(api)["recommendations"]  # written, the next answer leaves as usual
