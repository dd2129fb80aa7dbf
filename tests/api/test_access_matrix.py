"""Every route, every role (and no key) against the policy the route declares: zero gaps.

The policy is read from the routes themselves (their ``RoleGuard``), so a new route without a
guard fails here unless it is one of the few deliberately public ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nextbest.api.security import RoleGuard
from nextbest.security.roles import Role
from tests.conftest import issue_test_key, make_test_client
from tests.routes import api_routes

PUBLIC = {("GET", "/healthz"), ("GET", "/metrics")}
"""Probes for load balancers and Prometheus: no client data, no key."""


def _guards(dependant: Any) -> Iterator[RoleGuard]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleGuard):
            yield sub.call
        yield from _guards(sub)


def _routes(api: TestClient) -> list[tuple[str, str, frozenset[Role] | None]]:
    found = []
    for path, route in api_routes(api.app.routes):  # type: ignore[attr-defined]
        guards = list(_guards(route.dependant))
        assert len(guards) <= 1, f"{path} declares its roles twice"
        for method in sorted(route.methods):
            roles = guards[0].roles if guards else None
            found.append((method, path, roles))
    return found


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-1", path)


@pytest.fixture
def keys(sqlite_url: str) -> dict[Role, str]:
    return {role: issue_test_key(sqlite_url, frozenset({role}), name=role.value) for role in Role}


def test_every_route_declares_its_roles_or_is_public(api: TestClient) -> None:
    unguarded = [(m, p) for m, p, roles in _routes(api) if roles is None]
    assert sorted(unguarded) == sorted(PUBLIC)


def test_every_route_and_role_matches_the_declared_policy(
    sqlite_url: str, keys: dict[Role, str]
) -> None:
    gaps = []
    with make_test_client(sqlite_url, roles=None) as api:
        routes = _routes(api)
        assert len(routes) >= 25
        for method, path, roles in routes:
            url = _url(path)
            body = {} if method in ("POST", "PUT", "PATCH") else None
            anonymous = api.request(method, url, json=body)
            if roles is None:
                assert anonymous.status_code != 401, (method, path)
                continue
            if anonymous.status_code != 401:
                gaps.append((method, path, "no key", anonymous.status_code))
            elif anonymous.headers.get("www-authenticate") != "Bearer":
                gaps.append((method, path, "no key: no WWW-Authenticate", 401))
            for role, key in keys.items():
                response = api.request(
                    method, url, json=body, headers={"Authorization": f"Bearer {key}"}
                )
                allowed = role in roles
                status = response.status_code
                if (allowed and status in (401, 403)) or (not allowed and status != 403):
                    gaps.append((method, path, role.value, status))
                if status >= 500:
                    gaps.append((method, path, role.value, status))
    assert gaps == []


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nbk_000000000000_" + "a" * 43,  # well-formed, unknown
        "Bearer not-a-key",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_unknown_or_malformed_keys_are_401(sqlite_url: str, header: str) -> None:
    with make_test_client(sqlite_url, roles=None) as api:
        response = api.get("/v1/clients/c-1", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"] == "UNAUTHORIZED"
