from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories as f


def test_upsert_counts_created_and_updated(api_on_each_database: TestClient) -> None:
    api = api_on_each_database
    first = api.put("/v1/securities", json={"securities": [f.security("A-1"), f.security("B-1")]})
    assert first.json() == {"received": 2, "created": 2, "updated": 0}
    changed = f.security("A-1", esg_score="10", controversies=["TOBACCO"])
    second = api.put("/v1/securities", json={"securities": [changed, f.security("C-1")]})
    assert second.json() == {"received": 2, "created": 1, "updated": 1}
    got = api.get("/v1/securities/A-1").json()
    assert (got["esg_score"], got["controversies"]) == ("10", ["TOBACCO"])


def test_securities_page_in_id_order(api: TestClient) -> None:
    ids = [f"S-{i:02d}" for i in range(5)]
    api.put("/v1/securities", json={"securities": [f.security(i) for i in reversed(ids)]})
    first = api.get("/v1/securities", params={"limit": 3}).json()
    assert [s["security_id"] for s in first["securities"]] == ids[:3]
    rest = api.get("/v1/securities", params={"after": first["next_after"], "limit": 3}).json()
    assert [s["security_id"] for s in rest["securities"]] == ids[3:]
    assert rest["next_after"] is None


def test_one_bad_security_refuses_the_whole_request(api: TestClient) -> None:
    bad = f.security("B-1", esg_score="140", asset_class="CRYPTO")
    response = api.put("/v1/securities", json={"securities": [f.security("A-1"), bad]})
    assert response.status_code == 422
    locations = {p["loc"] for p in response.json()["problems"]}
    assert {"securities.1.esg_score", "securities.1.asset_class"} <= locations
    assert api.get("/v1/securities/A-1").status_code == 404


def test_the_same_security_twice_in_one_request_is_refused(api: TestClient) -> None:
    response = api.put("/v1/securities", json={"securities": [f.security(), f.security()]})
    assert response.status_code == 422
    assert "appears twice" in response.json()["detail"]
