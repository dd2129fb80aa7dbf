"""Keys that expire or are revoked, rate limits, security headers, CORS, production secrets,
and the audit entry every guarded request leaves."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from nextbest.security.audit import AuditEntry
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.security.roles import Role
from nextbest.services.audit import AuditTrail
from nextbest.settings import Environment, Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.tables import ApiKeyRow, RateBucketRow
from nextbest.storage.unit_of_work import UnitOfWork
from tests import factories as f
from tests.conftest import issue_test_key, make_test_client


def _key_id(key: str) -> str:
    return key.split("_")[1]


def test_revoked_and_expired_keys_are_refused(sqlite_url: str) -> None:
    key = issue_test_key(sqlite_url, frozenset({Role.APP}))
    with make_test_client(sqlite_url, roles=None, security={"key_cache_seconds": 0}) as api:
        headers = {"Authorization": f"Bearer {key}"}
        assert api.get("/v1/clients/c-1", headers=headers).status_code == 404
        engine = make_engine(sqlite_url)
        with engine.begin() as connection:
            connection.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.key_id == _key_id(key))
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        response = api.get("/v1/clients/c-1", headers=headers)
        assert response.status_code == 401
        assert response.json()["detail"] == "the API key has expired"
        with engine.begin() as connection:
            connection.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.key_id == _key_id(key))
                .values(
                    expires_at=datetime.now(UTC) + timedelta(days=1), revoked_at=datetime.now(UTC)
                )
            )
        engine.dispose()
        assert api.get("/v1/clients/c-1", headers=headers).json()["detail"] == (
            "the API key was revoked"
        )


def test_a_key_past_its_rate_gets_429_with_retry_after(sqlite_url: str) -> None:
    with make_test_client(
        sqlite_url, security={"rate_limit_per_second": 0.5, "rate_limit_burst": 3}
    ) as api:
        statuses = [api.get("/v1/clients/c-1").status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        response = api.get("/v1/clients/c-1")
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["error"] == "RATE_LIMITED"
        other = issue_test_key(sqlite_url, frozenset({Role.APP}))  # another key, its own bucket
        assert (
            api.get("/v1/clients/c-1", headers={"Authorization": f"Bearer {other}"}).status_code
            == 404
        )


def test_answers_carry_security_headers_and_no_cors_by_default(api: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(api, TestClient)
    response = api.get("/v1/clients/c-1", headers={"Origin": "https://evil.example"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "access-control-allow-origin" not in response.headers
    preflight = api.options(
        "/v1/clients/c-1",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert "content-security-policy" not in api.get("/docs").headers  # the docs load scripts


def test_configured_origins_get_cors(sqlite_url: str) -> None:
    with make_test_client(sqlite_url, security={"cors_origins": ["https://app.example"]}) as api:
        response = api.get("/v1/clients/c-1", headers={"Origin": "https://app.example"})
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        other = api.get("/v1/clients/c-1", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_production_refuses_the_development_pseudonym_key() -> None:
    with pytest.raises(ValidationError, match="production refuses the development"):
        Settings(environment=Environment.PRODUCTION)
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(security={"pseudonym_key": "short"})
    settings = Settings(environment=Environment.PRODUCTION, security={"pseudonym_key": "s" * 32})
    assert settings.security.pseudonym_key.get_secret_value() == "s" * 32
    assert "s" * 32 not in repr(settings)


def test_every_guarded_request_leaves_one_audit_entry_without_the_client_id(
    sqlite_url: str,
) -> None:
    advisor = issue_test_key(sqlite_url, frozenset({Role.ADVISOR}))
    with make_test_client(sqlite_url) as api:
        assert api.put("/v1/clients/c-77", json=f.client_body()).status_code == 201
        assert api.get("/v1/clients/c-77").status_code == 200
        as_advisor = {"Authorization": f"Bearer {advisor}"}
        assert (
            api.put("/v1/clients/c-77", json=f.client_body(), headers=as_advisor).status_code == 403
        )
        assert api.get("/healthz").status_code == 200  # public: not audited
        entries = api.get("/v1/audit", params={"client_id": "c-77"}).json()["entries"]
    assert [(e["action"], e["route"], e["status"]) for e in entries] == [
        ("write", "PUT /v1/clients/{client_id}", 201),
        ("read", "GET /v1/clients/{client_id}", 200),
        ("write", "PUT /v1/clients/{client_id}", 403),
    ]
    assert entries[2]["principal"] == f"key:{_key_id(advisor)}"
    assert all("c-77" not in str(entry) for entry in entries)


def test_appends_from_many_threads_keep_one_unbroken_chain(database_url: str) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    trail = AuditTrail(Pseudonymiser("k" * 16))

    def append(worker: int) -> None:
        for n in range(15):
            entry = AuditEntry(
                at=datetime.now(UTC), principal=f"t{worker}", action="write", detail={"n": n}
            )
            trail.record(entry, uow=UnitOfWork(factory))

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = trail.verify(uow=UnitOfWork(factory))
    engine.dispose()
    assert report.broken is None
    assert report.entries == 60


def test_the_writer_commits_many_waiting_entries_together_and_keeps_the_chain(
    database_url: str,
) -> None:
    from nextbest.services.audit import AuditWriter

    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    writer = AuditWriter(factory)
    trail = AuditTrail(Pseudonymiser("k" * 16))
    futures = []

    def submit(worker: int) -> None:
        for n in range(25):
            entry = trail.entry(
                at=datetime.now(UTC), principal=f"w{worker}", action="read", detail={"n": n}
            )
            futures.append(writer.submit(entry))

    threads = [threading.Thread(target=submit, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for future in futures:
        future.result(timeout=60)
    report = trail.verify(uow=UnitOfWork(factory))
    engine.dispose()
    assert report.broken is None
    assert report.entries == 200
    assert 1 <= writer.batches <= 200


def test_no_answer_leaves_when_its_audit_entry_cannot_be_written(sqlite_url: str) -> None:
    with make_test_client(sqlite_url) as api:
        assert api.put("/v1/clients/c-5", json=f.client_body()).status_code == 201
        engine = make_engine(sqlite_url)
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE audit_log RENAME TO audit_log_moved")
        engine.dispose()
        response = api.get("/v1/clients/c-5")
    assert response.status_code == 503
    assert response.json()["error"] == "AUDIT_UNAVAILABLE"
    assert "c-5" not in response.text


def test_every_api_process_spends_the_same_allowance_of_a_key(sqlite_url: str) -> None:
    """Two applications on one database stand for two server processes: together they let a
    key through no more often than its limit, not twice as often."""
    key = issue_test_key(sqlite_url, frozenset({Role.APP}))
    headers = {"Authorization": f"Bearer {key}"}
    limits = {"rate_limit_per_second": 0.01, "rate_limit_burst": 4}
    with (
        make_test_client(sqlite_url, roles=None, security=limits) as one,
        make_test_client(sqlite_url, roles=None, security=limits) as two,
    ):
        statuses = [
            (one if n % 2 else two).get("/v1/clients/c-1", headers=headers).status_code
            for n in range(8)
        ]
    assert statuses == [404, 404, 404, 404, 429, 429, 429, 429]


def test_a_stopping_process_gives_its_unspent_rate_tokens_back(database_url: str) -> None:
    """A process leases several requests' worth of a key's allowance at a time; when it stops,
    what it did not spend goes back to the key's bucket (a restart costs no allowance)."""
    key = issue_test_key(database_url, frozenset({Role.APP}))
    key_id = key.split("_")[1]
    # a lease of min(burst / 16, rate / 20) = 4 requests
    limits = {"rate_limit_per_second": 80.0, "rate_limit_burst": 64}

    def stored_tokens() -> float:
        engine = make_engine(database_url)
        try:
            with engine.connect() as connection:
                row = connection.execute(
                    select(RateBucketRow.tokens).where(RateBucketRow.key_id == key_id)
                ).one()
        finally:
            engine.dispose()
        return float(row.tokens)

    with make_test_client(database_url, roles=None, security=limits) as app:
        answer = app.get("/v1/clients/c-1", headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 404  # no such client: spent all the same
        assert stored_tokens() == 60  # one lease of 4 taken, 1 spent, 3 held by the process
    assert stored_tokens() == 63  # the 3 came back when it stopped
