"""Human review: a regulated suggestion reaches the client only after an advisor approves it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from nextbest.security.roles import Role
from tests import factories as f
from tests.conftest import issue_test_key, make_test_client

TOBACCO = f.security(
    "EQ-GB-0002", name="Smokestack plc", sector="CONSUMER_STAPLES", controversies=["TOBACCO"]
)


def _book(api: TestClient, client_id: str = "c-1") -> None:
    """A client who restricted tobacco and holds some: the mandatory (and regulated) sale is
    decided on every answer, so it is always there to review."""
    securities = {"securities": [f.security(), TOBACCO]}
    assert api.put("/v1/securities", json=securities).status_code == 200
    assert api.put(f"/v1/clients/{client_id}", json=f.client_body()).status_code == 201
    portfolio = f.portfolio_body()
    portfolio["accounts"][0]["holdings"].append(
        {"security_id": "EQ-GB-0002", "quantity": "100", "market_value": "900.00"}
    )
    response = api.put(f"/v1/clients/{client_id}/portfolio", json=portfolio)
    assert response.status_code == 201, response.text


def _shown(api: TestClient, client_id: str = "c-1") -> list[dict[str, Any]]:
    response = api.get(f"/v1/clients/{client_id}/recommendations", params={"limit": 5})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["recommendations"]
    return items


def _queue(api: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/v1/reviews", params=params)
    assert response.status_code == 200, response.text
    reviews: list[dict[str, Any]] = response.json()["reviews"]
    return reviews


def test_regulated_suggestions_wait_for_an_advisor_and_appear_once_approved(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    _book(api)
    shown = _shown(api)
    actions = {item["action_id"]: item for item in api.get("/v1/actions").json()["actions"]}
    assert all(not actions[item["action_id"]]["regulated"] for item in shown)
    queue = _queue(api, client_id="c-1")
    assert queue, "the portfolio breaks the client's restrictions: a sale must wait for review"
    assert all(actions[p["action_id"]]["regulated"] for p in queue)
    # the sale is mandatory, so it is decided on every answer: once approved it must show
    held = next(p for p in queue if p["action_id"] == "sell-restricted-holding")[
        "recommendation_id"
    ]
    assert _shown(api)
    assert held not in {i["recommendation_id"] for i in _shown(api)}
    again = [(p["action_id"], p["finding"]) for p in _queue(api, client_id="c-1")]
    assert len(again) == len(set(again)) >= len(queue)  # asked again: nothing queued twice

    # the client cannot act on what it has not seen
    response = api.post(f"/v1/recommendations/{held}/outcome", json={"status": "ACCEPTED"})
    assert response.status_code == 409

    approved = api.post(f"/v1/recommendations/{held}/approve", json={"reason": "suitable"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "DELIVERED"
    assert held in {i["recommendation_id"] for i in _shown(api)}
    assert held not in {p["recommendation_id"] for p in _queue(api)}
    again = api.post(f"/v1/recommendations/{held}/approve", json={"reason": "twice"})
    assert again.status_code == 409
    accepted = api.post(f"/v1/recommendations/{held}/outcome", json={"status": "ACCEPTED"})
    assert accepted.status_code == 200


def _optional(items: list[dict[str, Any]]) -> list[str]:
    """The answer's suggestions besides the mandatory sale."""
    return [i["recommendation_id"] for i in items if not i["mandatory"]]


def test_an_approved_suggestion_comes_first_until_the_client_has_seen_it(api: TestClient) -> None:
    _book(api)
    # room for every suggestion, so each regulated one is queued whatever the exploration draws
    _shown_with(api, limit=20)
    optional = [
        p for p in _queue(api, client_id="c-1") if p["action_id"] != "sell-restricted-holding"
    ]
    assert optional, "the book holds a regulated suggestion that is not mandatory"
    held = optional[-1]["recommendation_id"]
    # while it (or any new regulated suggestion) waits for review, the client never sees it and
    # it takes no place: every answer still holds the one suggestion asked for
    for _ in range(5):
        answer = _optional(_shown_with(api, limit=1))
        assert len(answer) == 1
        assert held not in answer
    assert api.post(f"/v1/recommendations/{held}/approve", json={"reason": "ok"}).status_code == 200
    # approved, it is in every answer, first, whatever the engine would rank first
    for _ in range(5):
        assert _optional(_shown_with(api, limit=1)) == [held]
    seen = api.post(f"/v1/recommendations/{held}/outcome", json={"status": "VIEWED"})
    assert seen.status_code == 200  # from now on it is ranked like any other open suggestion


def _shown_with(api: TestClient, *, limit: int) -> list[dict[str, Any]]:
    response = api.get("/v1/clients/c-1/recommendations", params={"limit": limit})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["recommendations"]
    return items


def test_a_rejected_suggestion_never_reaches_the_client(api: TestClient) -> None:
    _book(api)
    _shown(api)
    held = _queue(api)[0]["recommendation_id"]
    assert api.post(f"/v1/recommendations/{held}/reject", json={"reason": "  "}).status_code == 422
    assert api.post(f"/v1/recommendations/{held}/reject", json={}).status_code == 422
    rejected = api.post(
        f"/v1/recommendations/{held}/reject", json={"reason": "client is mid-transfer"}
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "REJECTED"
    assert held not in {i["recommendation_id"] for i in _shown(api)}
    assert api.post(f"/v1/recommendations/{held}/approve", json={"reason": "x"}).status_code == 409
    assert api.post("/v1/recommendations/nope/approve", json={"reason": "x"}).status_code == 404


def test_only_advisors_review_and_the_review_is_audited(sqlite_url: str) -> None:
    app_key = issue_test_key(sqlite_url, frozenset({Role.APP}), name="app")
    with make_test_client(sqlite_url) as api:
        _book(api)
        _shown(api)
        held = _queue(api)[0]["recommendation_id"]
        as_app = {"Authorization": f"Bearer {app_key}"}
        refused = api.post(
            f"/v1/recommendations/{held}/approve", json={"reason": "ok"}, headers=as_app
        )
        assert refused.status_code == 403
        assert api.get("/v1/reviews", headers=as_app).status_code == 403
        assert (
            api.post(f"/v1/recommendations/{held}/approve", json={"reason": "ok"}).status_code
            == 200
        )
        entries = api.get("/v1/audit", params={"action": "review.approve"}).json()["entries"]
    assert [e["detail"]["recommendation_id"] for e in entries] == [held]
    assert entries[0]["client_ref"]
    assert entries[0]["client_ref"] != "c-1"


def test_an_approved_suggestion_counts_as_delivered_when_it_was_approved(
    api: TestClient,
) -> None:
    from datetime import timedelta

    from sqlalchemy import create_engine, select

    from nextbest.api.deps import current_time
    from nextbest.storage.tables import RecommendationRow
    from tests.conftest import FIXED_NOW

    _book(api)
    _shown(api)
    held = _queue(api, client_id="c-1")[0]["recommendation_id"]
    later = FIXED_NOW + timedelta(days=2)
    api.app.dependency_overrides[current_time] = lambda: later  # type: ignore[attr-defined]
    assert api.post(f"/v1/recommendations/{held}/approve", json={"reason": "ok"}).status_code == 200
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    with engine.connect() as connection:
        row = connection.execute(
            select(RecommendationRow).where(RecommendationRow.recommendation_id == held)
        ).one()
    engine.dispose()
    # the push caps and its validity count from the approval, not from the decision that held it
    assert row.delivered_at == later
    assert row.status_at == later
