from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories as f


def _client_with_security(api: TestClient) -> None:
    assert api.put("/v1/securities", json={"securities": [f.security()]}).status_code == 200
    assert api.put("/v1/clients/c-1", json=f.client_body()).status_code == 201


def test_portfolio_round_trips_with_exact_amounts(api_on_each_database: TestClient) -> None:
    api = api_on_each_database
    _client_with_security(api)
    body = f.portfolio_body()
    body["accounts"][0]["holdings"][0]["market_value"] = "4210.1234"
    assert api.put("/v1/clients/c-1/portfolio", json=body).status_code == 201

    got = api.get("/v1/clients/c-1/portfolio").json()
    holding = got["accounts"][0]["holdings"][0]
    assert holding["market_value"] == "4210.1234"
    assert holding["goal_id"] == "retirement-1"
    assert got["market_value"] == "4210.1234"
    assert got["monthly_contribution"] == "500"
    assert got["target_allocation"] == {"EQUITY": "0.6", "BOND": "0.3", "CASH": "0.1"}


def test_replacing_a_portfolio_keeps_no_old_accounts(api_on_each_database: TestClient) -> None:
    api = api_on_each_database
    _client_with_security(api)
    api.put("/v1/clients/c-1/portfolio", json=f.portfolio_body())
    second = f.portfolio_body()
    second["accounts"][0]["account_id"] = "gia-1"
    second["accounts"].append({**second["accounts"][0], "account_id": "isa-1", "holdings": []})
    assert api.put("/v1/clients/c-1/portfolio", json=second).status_code == 200
    accounts = api.get("/v1/clients/c-1/portfolio").json()["accounts"]
    assert [a["account_id"] for a in accounts] == ["gia-1", "isa-1"]


def test_unknown_security_and_goal_are_reported_and_nothing_is_stored(api: TestClient) -> None:
    _client_with_security(api)
    body = f.portfolio_body()
    body["accounts"][0]["holdings"].append(
        {"security_id": "NOPE", "quantity": "1", "market_value": "1", "goal_id": "yacht"}
    )
    response = api.put("/v1/clients/c-1/portfolio", json=body)
    assert response.status_code == 422
    locations = {p["loc"] for p in response.json()["problems"]}
    assert locations == {
        "accounts.0.holdings.1.security_id",
        "accounts.0.holdings.1.goal_id",
    }
    assert api.get("/v1/clients/c-1/portfolio").status_code == 404


def test_target_allocation_must_sum_to_one(api: TestClient) -> None:
    _client_with_security(api)
    body = f.portfolio_body(target_allocation={"EQUITY": 60, "BOND": 40})
    response = api.put("/v1/clients/c-1/portfolio", json=body)
    assert response.status_code == 422
    assert "must sum to 1" in response.json()["detail"] or "less than or equal" in response.text


def test_repeated_account_ids_are_refused(api: TestClient) -> None:
    _client_with_security(api)
    body = f.portfolio_body()
    body["accounts"].append(dict(body["accounts"][0]))
    response = api.put("/v1/clients/c-1/portfolio", json=body)
    assert response.status_code == 422
    assert "isa-1" in response.json()["detail"]


def test_portfolio_of_unknown_client_is_404(api: TestClient) -> None:
    assert api.put("/v1/clients/ghost/portfolio", json=f.portfolio_body()).status_code == 404
    assert (
        api.get("/v1/clients/ghost/portfolio").json()["detail"] == "client 'ghost' does not exist"
    )


def test_a_negative_balance_is_refused_with_its_location(api: TestClient) -> None:
    _client_with_security(api)
    body = f.portfolio_body()
    body["accounts"][0]["holdings"][0]["market_value"] = "-10.00"
    body["accounts"][0]["monthly_contribution"] = "-5"
    response = api.put("/v1/clients/c-1/portfolio", json=body)
    assert response.status_code == 422
    locations = {p["loc"] for p in response.json()["problems"]}
    assert locations == {
        "accounts.0.holdings.0.market_value",
        "accounts.0.monthly_contribution",
    }
