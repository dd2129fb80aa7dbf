"""Authentication, roles, rate limits and the audit of every access, at the API's edge.

Every route declares the roles it admits with ``Depends(requires(Role.APP, ...))`` (or is one of
the few public ones: health and metrics). The guard:

1. reads ``Authorization: Bearer nbk_...``: none, a malformed, unknown, expired or revoked key
   is 401;
2. checks the key's roles against the route's: none in common is 403;
3. spends a token of the key's bucket: empty is 429 with ``Retry-After``;
4. notes the principal for the audit middleware, which writes one audit entry per guarded
   request (who, which route, which client, the status) before the response leaves.

Keys are read from the database once per ``security.key_cache_seconds`` per process, so a
revoked key stops working within that time; unknown ids are remembered for the same time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import Counter
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nextbest.errors import Forbidden, RateLimited, Unauthorized
from nextbest.security.audit import AuditEntry
from nextbest.security.keys import ApiKeyRecord, parse_key, secret_matches
from nextbest.security.roles import Role
from nextbest.services.audit import AuditTrail, AuditWriter, Write
from nextbest.storage.repositories.security import Lease
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "AuditMiddleware",
    "Authenticator",
    "Principal",
    "RoleGuard",
    "deferred_writes",
    "note_client",
    "requires",
]

log = structlog.get_logger("nextbest.security")

DENIED = Counter("nextbest_auth_denied_total", "Requests refused by the API guard", ["reason"])
AUDIT_FAILURES = Counter(
    "nextbest_audit_failures_total", "Guarded requests refused because the audit write failed"
)

_DEFERRED = "deferred_writes"
"""The request state's list of writes the ``AuditMiddleware`` commits with the audit entry."""

_bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer nbk_...`")
_CACHE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    roles: frozenset[Role]

    @property
    def label(self) -> str:
        """How the audit log names the caller (the key's public id, never its name)."""
        return f"key:{self.key_id}"


class Authenticator:
    """Finds and checks keys (with a short cache) and spends each key's rate allowance.

    A key's allowance is one token bucket in the database, shared by every API process (with N
    processes a key still gets its limit, not N times it). So that a request need not write to
    the database, a process takes a small lease of tokens at a time (a twentieth of a second's
    worth, at most a sixteenth of the burst) and spends it locally: the processes together can
    exceed the bucket by at most the leases they hold, once, never its rate.

    Its methods run on the event loop; only a cache miss or a new lease goes to the database
    (in a thread).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        cache_seconds: float,
        rate_per_second: float,
        burst: int,
    ) -> None:
        self._session_factory = session_factory
        self._cache_seconds = cache_seconds
        self._rate = rate_per_second
        self._burst = float(burst)
        self._lease_size = max(1, min(burst // 16, int(rate_per_second / 20)))
        self._keys: dict[str, tuple[ApiKeyRecord | None, float]] = {}
        self._leased: dict[str, int] = {}
        """Requests this process may still serve per key, taken from the key's bucket."""

    def _load(self, key_id: str) -> ApiKeyRecord | None:
        with UnitOfWork(self._session_factory) as uow:
            return uow.keys.get(key_id)

    async def record(self, key_id: str) -> ApiKeyRecord | None:
        clock = time.monotonic()
        cached = self._keys.get(key_id)
        if cached is not None and clock - cached[1] < self._cache_seconds:
            return cached[0]
        found = await run_in_threadpool(self._load, key_id)
        if len(self._keys) >= _CACHE_LIMIT:
            self._keys.clear()
        self._keys[key_id] = (found, clock)
        return found

    def forget(self) -> None:
        """Drop the cache (tests, and a process told that keys changed)."""
        self._keys.clear()

    async def authenticate(self, presented: str | None, *, now: datetime) -> Principal:
        if not presented:
            raise Unauthorized("this route needs an API key: send `Authorization: Bearer nbk_...`")
        parts = parse_key(presented)
        if parts is None:
            raise Unauthorized("the API key is malformed: it should look like nbk_<id>_<secret>")
        record = await self.record(parts.key_id)
        if record is None or not secret_matches(record, parts.secret):
            raise Unauthorized("the API key is not valid")
        reason = record.why_unusable(now)
        if reason is not None:
            raise Unauthorized(reason)
        return Principal(record.key_id, record.roles)

    async def spend(self, key_id: str) -> None:
        """Take one request from the key's allowance, or refuse with the wait."""
        left = self._leased.get(key_id, 0)
        if left < 1:
            taken = await run_in_threadpool(self._take, key_id)
            if not taken.granted:
                raise RateLimited(max(1, math.ceil(taken.wait)))
            if len(self._leased) >= _CACHE_LIMIT:
                self._leased.clear()  # what the other keys held is given up, never overspent
            # another request of the key may have leased meanwhile: keep both
            left = self._leased.get(key_id, 0) + taken.granted
        self._leased[key_id] = left - 1

    def give_back(self) -> int:
        """Return every token this process leased and has not spent to its key's bucket (the
        API calls it when the process stops, so a restart or a scale-down costs no key any of
        its allowance); returns how many. A process that merely goes idle keeps what it holds,
        at most one lease per key."""
        held = {key_id: left for key_id, left in self._leased.items() if left > 0}
        self._leased = {}
        if not held:
            return 0
        with UnitOfWork(self._session_factory) as uow:
            for key_id, left in held.items():
                uow.rate_buckets.give_back(key_id, left, burst=self._burst)
            uow.commit()
        return sum(held.values())

    def _take(self, key_id: str) -> Lease:
        with UnitOfWork(self._session_factory) as uow:
            taken = uow.rate_buckets.take(
                key_id,
                want=self._lease_size,
                rate=self._rate,
                burst=self._burst,
                now=datetime.now(UTC),
            )
            uow.commit()
        return taken


class RoleGuard:
    """The dependency a route declares: which roles may call it."""

    def __init__(self, roles: Iterable[Role]) -> None:
        self.roles = frozenset(roles)
        if not self.roles:
            raise ValueError("a guarded route admits at least one role")

    def __repr__(self) -> str:
        return f"RoleGuard({sorted(r.value for r in self.roles)})"

    async def __call__(
        self,
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> Principal:
        authenticator: Authenticator = request.app.state.authenticator
        state = request.state
        try:
            principal = await authenticator.authenticate(
                None if credentials is None else credentials.credentials,
                now=datetime.now(UTC),
            )
        except Unauthorized as error:
            DENIED.labels("unauthenticated").inc()
            log.info("auth_refused", reason=str(error))
            raise
        state.principal = principal
        if not principal.roles & self.roles:
            DENIED.labels("forbidden").inc()
            needed = " or ".join(sorted(r.value for r in self.roles))
            raise Forbidden(
                f"this route needs the {needed} role; the key has "
                + ", ".join(sorted(r.value for r in principal.roles))
            )
        state.role = next(r for r in Role if r in principal.roles & self.roles).value
        try:
            await authenticator.spend(principal.key_id)
        except RateLimited:
            DENIED.labels("rate_limited").inc()
            raise
        return principal


def requires(*roles: Role) -> Any:
    """``Depends(...)`` for a route admitting ``roles``."""
    return Depends(RoleGuard(roles))


def note_client(request: Request, client_id: str) -> None:
    """Tell the audit entry which client a request concerned when the path does not say
    (a recommendation id, a body)."""
    request.state.audit_client = client_id


def deferred_writes(request: Request) -> list[Write] | None:
    """Where a route may put its writes to be committed with its audit entry, before its answer
    leaves (and only if the answer is a success); None when no ``AuditMiddleware`` is there to
    write them, and the route must write them itself."""
    writes: list[Write] | None = request.scope.get("state", {}).get(_DEFERRED)
    return writes


class AuditMiddleware:
    """Writes the audit entry of every guarded request before its response starts (through
    the process's group-committing ``AuditWriter``).

    A request the guard let through (or refused with 403/429: the caller was known) is
    recorded with its principal, role, route template, method, status and the client it
    concerned (as a pseudonym). If the entry cannot be written the response is replaced by a
    503: no client data leaves without its audit entry.

    A route may defer its own writes to the same transaction (``deferred_writes``): they are
    committed with the entry when the answer is a success (2xx) and dropped otherwise, and if
    they fail the answer is withheld the same way.
    """

    def __init__(self, app: ASGIApp, *, trail: AuditTrail, writer: AuditWriter) -> None:
        self.app = app
        self.trail = trail
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        writes: list[Write] = []
        state[_DEFERRED] = writes

        async def audited_send(message: Message) -> None:
            if message["type"] == "http.response.start" and ("principal" in state or writes):
                status = message["status"]
                kept = writes if 200 <= status < 300 else ()
                entry = self._entry(scope, state, status) if "principal" in state else None
                try:
                    if entry is not None or kept:
                        await asyncio.wrap_future(self.writer.submit(entry, kept))
                except Exception as error:  # the database is down or refused the write
                    AUDIT_FAILURES.inc()
                    log.error("audit_write_failed", error_type=type(error).__name__)
                    await _unavailable(send)
                    state["audit_failed"] = True
                    return
            if state.get("audit_failed"):
                return  # the original body is dropped with its start
            await send(message)

        await self.app(scope, receive, audited_send)

    def _entry(self, scope: Scope, state: dict[str, Any], status: int) -> AuditEntry:
        principal: Principal = state["principal"]
        route: Any = scope.get("route")
        template = getattr(route, "path", None)
        params = scope.get("path_params") or {}
        client_id = state.get("audit_client") or params.get("client_id")
        method = scope["method"]
        return self.trail.entry(
            at=datetime.now(UTC),
            principal=principal.label,
            role=state.get("role"),
            action="read" if method in ("GET", "HEAD") else "write",
            route=f"{method} {template}",
            status=status,
            client_id=client_id if isinstance(client_id, str) else None,
            detail={
                key: value
                for key, value in params.items()
                if key != "client_id" and isinstance(value, str)
            },
        )


async def _unavailable(send: Send) -> None:
    body = (
        b'{"error":"AUDIT_UNAVAILABLE","detail":"the audit log could not be written, so the '
        b'answer is withheld; try again","request_id":"-","problems":[]}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
