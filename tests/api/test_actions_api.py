"""GET /v1/actions, and a catalog file that is wrong stopping start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nextbest.decision.catalog import CatalogError
from tests.conftest import make_test_client


def test_the_catalog_is_listed(api: TestClient) -> None:
    body = api.get("/v1/actions").json()
    assert body["version"] == 1
    by_id = {action["action_id"]: action for action in body["actions"]}
    assert by_id["sell-restricted-holding"]["mandatory"] is True
    assert by_id["rebalance"]["rules"] == {"eligibility": 0, "applicability": 0, "suitability": 1}
    assert by_id["increase-contribution"]["value"] is None  # the signal's benefit
    assert by_id["book-advisor-review"]["value"] == "40"


def test_a_wrong_catalog_file_stops_start_up(sqlite_url: str, tmp_path: Path) -> None:
    wrong = tmp_path / "actions.yaml"
    wrong.write_text(
        "version: 1\nactions:\n  - {id: x, name: X, category: NOPE, channels: [IN_APP], value: 1}\n"
    )
    with pytest.raises(CatalogError, match="NOPE"):
        make_test_client(sqlite_url, catalog_file=str(wrong))
