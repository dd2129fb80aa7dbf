from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories as f


def test_put_creates_then_replaces_a_client(api_on_each_database: TestClient) -> None:
    api = api_on_each_database
    created = api.put("/v1/clients/c-1", json=f.client_body())
    assert created.status_code == 201, created.text
    assert created.json()["client_profile"]["goals"][0]["id"] == "retirement-1"

    replaced = api.put("/v1/clients/c-1", json=f.client_body(risk_tolerance="HIGH"))
    assert replaced.status_code == 200
    assert replaced.json()["created_at"] == created.json()["created_at"]

    fetched = api.get("/v1/clients/c-1").json()
    assert fetched["risk_tolerance"] == "HIGH"
    assert fetched["consents"] == {"PERSONALIZATION": True, "TRACKING": True, "MARKETING": False}
    assert fetched["client_profile"]["constraints"]["restricted_sectors"] == ["GAMBLING", "TOBACCO"]


def test_unknown_profile_fields_are_kept_at_every_level(api: TestClient) -> None:
    body = f.client_body()
    body["client_profile"]["household"] = {"dependants": 2}
    body["client_profile"]["goals"][0]["funding_account"] = "isa-1"
    body["client_profile"]["preferences"]["language"] = "en-GB"
    body["client_profile"]["constraints"]["max_single_holding_pct"] = 10
    assert api.put("/v1/clients/c-1", json=body).status_code == 201

    profile = api.get("/v1/clients/c-1").json()["client_profile"]
    assert profile["household"] == {"dependants": 2}
    assert profile["goals"][0]["funding_account"] == "isa-1"
    assert profile["preferences"]["language"] == "en-GB"
    assert profile["constraints"]["max_single_holding_pct"] == 10


def test_goals_without_ids_get_stable_ones_by_type(api: TestClient) -> None:
    goals = [
        f.goal(type="EDUCATION", target_year=2035),
        f.goal(type="EDUCATION", target_year=2038),
        f.goal(type="HOME_PURCHASE", target_year=2030, id="house"),
    ]
    body = f.client_body(client_profile={"goals": goals})
    ids = [g["id"] for g in api.put("/v1/clients/c-1", json=body).json()["client_profile"]["goals"]]
    assert ids == ["education-1", "education-2", "house"]


def test_the_seed_profile_is_accepted_as_written(api: TestClient) -> None:
    seed_000 = {
        "goals": [
            {
                "type": "RETIREMENT",
                "target_year": 2045,
                "target_amount": 5000000,
                "priority": "HIGH",
            },
            {
                "type": "EDUCATION",
                "target_year": 2035,
                "target_amount": 250000,
                "priority": "MEDIUM",
            },
        ],
        "preferences": {"esg_focus": "HIGH", "commentary_tone": "CONCISE"},
        "constraints": {"restricted_sectors": ["TOBACCO", "GAMBLING"]},
    }
    response = api.put("/v1/clients/c-1", json=f.client_body(client_profile=seed_000, country="UK"))
    assert response.status_code == 201, response.text
    assert response.json()["country"] == "GB"


def test_a_goal_in_the_past_is_refused_with_its_location(api: TestClient) -> None:
    body = f.client_body(client_profile={"goals": [f.goal(target_year=2020)]})
    response = api.put("/v1/clients/c-1", json=body)
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["loc"] == "client_profile.goals.0.target_year"
    assert "2020 is in the past" in problem["message"]
    assert api.get("/v1/clients/c-1").status_code == 404


def test_known_profile_fields_are_checked(api: TestClient) -> None:
    body = f.client_body(
        client_profile={
            "goals": [f.goal(type="YACHT", target_amount="-5", priority="URGENT")],
            "constraints": {"restricted_sectors": ["CRYPTO"]},
        }
    )
    response = api.put("/v1/clients/c-1", json=body)
    assert response.status_code == 422
    locations = {p["loc"] for p in response.json()["problems"]}
    assert {
        "client_profile.goals.0.type",
        "client_profile.goals.0.target_amount",
        "client_profile.goals.0.priority",
    } <= locations
    assert any(
        loc.startswith("client_profile.constraints.restricted_sectors.0") for loc in locations
    )


def test_duplicate_goal_ids_are_refused(api: TestClient) -> None:
    goals = [f.goal(id="g"), f.goal(id="g", type="EDUCATION")]
    response = api.put("/v1/clients/c-1", json=f.client_body(client_profile={"goals": goals}))
    assert response.status_code == 422
    assert "used more than once: g" in response.json()["detail"]


def test_unknown_top_level_fields_are_refused_so_typos_surface(api: TestClient) -> None:
    response = api.put("/v1/clients/c-1", json=f.client_body(risk_tolerence="LOW"))
    assert response.status_code == 422
    assert response.json()["problems"][0]["loc"] == "risk_tolerence"


def test_an_email_cannot_be_used_as_a_client_id(api: TestClient) -> None:
    response = api.put("/v1/clients/jane@example.com", json=f.client_body())
    assert response.status_code == 422


def test_birth_year_in_the_future_is_refused(api: TestClient) -> None:
    response = api.put("/v1/clients/c-1", json=f.client_body(birth_year=2030))
    assert response.status_code == 422
    assert "in the future" in response.json()["detail"]


def test_unknown_client_is_404_with_the_error_shape(api: TestClient) -> None:
    response = api.get("/v1/clients/nobody")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "NOT_FOUND"
    assert body["detail"] == "client 'nobody' does not exist"
    assert body["request_id"] == response.headers["x-request-id"]


def test_removing_a_goal_that_holdings_still_fund_is_a_conflict(api: TestClient) -> None:
    api.put("/v1/securities", json={"securities": [f.security()]})
    api.put("/v1/clients/c-1", json=f.client_body())
    assert api.put("/v1/clients/c-1/portfolio", json=f.portfolio_body()).status_code == 201

    response = api.put("/v1/clients/c-1", json=f.client_body(client_profile={"goals": []}))
    assert response.status_code == 409
    assert "retirement-1" in response.json()["detail"]
    assert len(api.get("/v1/clients/c-1").json()["client_profile"]["goals"]) == 1
