from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories as f


def _client_holding_tobacco(api: TestClient) -> None:
    tobacco = f.security(
        "EQ-TOB", name="Puff plc", sector="CONSUMER_STAPLES", controversies=["TOBACCO"]
    )
    assert (
        api.put("/v1/securities", json={"securities": [f.security(), tobacco]}).status_code == 200
    )
    assert api.put("/v1/clients/c-1", json=f.client_body()).status_code == 201
    body = f.portfolio_body()
    body["accounts"][0]["holdings"].append(
        {"security_id": "EQ-TOB", "quantity": "100", "market_value": "900.00"}
    )
    assert api.put("/v1/clients/c-1/portfolio", json=body).status_code == 201


def test_a_restricted_holding_is_a_mandatory_signal_with_evidence(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    _client_holding_tobacco(api)
    response = api.get("/v1/clients/c-1/signals")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["from_cache"] is False
    violation = next(c for c in body["candidates"] if c["signal"] == "CONSTRAINT_VIOLATION")
    assert violation["key"] == "CONSTRAINT_VIOLATION:EQ-TOB"
    assert violation["mandatory"] is True
    assert violation["trades"][0]["side"] == "SELL"
    assert violation["trades"][0]["amount"] == "900.00"
    assert body["candidates"][0]["mandatory"] is True  # mandatory ones come first


def test_signals_are_cached_until_the_portfolio_changes(api: TestClient) -> None:
    _client_holding_tobacco(api)
    first = api.get("/v1/clients/c-1/signals").json()
    second = api.get("/v1/clients/c-1/signals").json()
    assert second["from_cache"] is True
    assert second["candidates"] == first["candidates"]

    assert api.put("/v1/clients/c-1/portfolio", json=f.portfolio_body()).status_code == 200
    third = api.get("/v1/clients/c-1/signals").json()
    assert third["from_cache"] is False
    assert all(c["signal"] != "CONSTRAINT_VIOLATION" for c in third["candidates"])


def test_refresh_recomputes(api: TestClient) -> None:
    _client_holding_tobacco(api)
    api.get("/v1/clients/c-1/signals")
    assert (
        api.get("/v1/clients/c-1/signals", params={"refresh": True}).json()["from_cache"] is False
    )


def test_signals_of_an_unknown_client_are_404(api: TestClient) -> None:
    assert api.get("/v1/clients/ghost/signals").status_code == 404


def test_a_client_without_a_portfolio_gets_an_answer(api: TestClient) -> None:
    api.put("/v1/clients/c-1", json=f.client_body())
    response = api.get("/v1/clients/c-1/signals")
    assert response.status_code == 200
    assert isinstance(response.json()["candidates"], list)


def test_the_app_starts_with_the_warm_up_on(sqlite_url: str) -> None:
    from tests.conftest import make_test_client

    with make_test_client(sqlite_url, signals={"warm_up": True, "paths": 1_000}) as api:
        assert api.get("/healthz").status_code == 200
