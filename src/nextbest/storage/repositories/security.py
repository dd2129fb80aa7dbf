"""API keys and the audit chain."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, case, insert, select, text, update
from sqlalchemy.orm import Session

from nextbest.security.audit import GENESIS, AuditEntry, StoredEntry, entry_hash
from nextbest.security.keys import ApiKeyRecord
from nextbest.security.roles import Role
from nextbest.storage.tables import ApiKeyRow, AuditLogRow, RateBucketRow, table_of
from nextbest.storage.upsert import dialect_insert

__all__ = ["ApiKeyRepository", "AuditFilter", "AuditRepository", "Lease", "RateBucketRepository"]

# Any constant works; it only has to differ from the other advisory locks nextbest takes.
_AUDIT_LOCK = 0x6E62_6175_6469_74  # "nbaudit"
_AUDIT = table_of(AuditLogRow)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_LAST_HASH = select(_AUDIT.c.entry_hash).order_by(_AUDIT.c.id.desc()).limit(1)
"""Built once, on the table: every guarded request's entry goes through here."""


def _key(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=row.key_id,
        name=row.name,
        roles=frozenset(Role(name) for name in row.roles.split(",")),
        salt=bytes(row.salt),
        secret_hash=bytes(row.secret_hash),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, record: ApiKeyRecord) -> None:
        self._session.execute(
            insert(ApiKeyRow).values(
                key_id=record.key_id,
                name=record.name,
                roles=",".join(sorted(role.value for role in record.roles)),
                salt=record.salt,
                secret_hash=record.secret_hash,
                created_at=record.created_at,
                expires_at=record.expires_at,
                revoked_at=record.revoked_at,
            )
        )

    def get(self, key_id: str) -> ApiKeyRecord | None:
        row = self._session.execute(
            select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)
        ).scalar_one_or_none()
        return None if row is None else _key(row)

    def all(self) -> list[ApiKeyRecord]:
        rows = self._session.execute(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).scalars()
        return [_key(row) for row in rows]

    def revoke(self, key_id: str, *, now: datetime) -> bool:
        """Revoke a key; False when there is no such key or it was revoked already."""
        result = self._session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Lease:
    granted: int
    """Requests the caller may serve (0: none left)."""
    wait: float
    """When none were granted: seconds until the next request is allowed."""


_BUCKETS = table_of(RateBucketRow)
_LOCK_BUCKET = (
    select(_BUCKETS.c.tokens, _BUCKETS.c.refilled_at)
    .where(_BUCKETS.c.key_id == bindparam("key_id"))
    .with_for_update()
)


class RateBucketRepository:
    """Each key's token bucket, in the database so that every API process spends the same
    allowance."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def take(self, key_id: str, *, want: int, rate: float, burst: float, now: datetime) -> Lease:
        """Refill ``key_id``'s bucket at ``rate`` a second up to ``burst`` and take up to
        ``want`` whole tokens from it, inside the caller's transaction (which holds the bucket's
        row until it ends)."""
        # First a write (a new key's full bucket, or nothing): on SQLite it takes the database's
        # write lock before the read, on PostgreSQL it makes the row the read then locks.
        self._session.execute(
            dialect_insert(self._session, _BUCKETS)
            .values(key_id=key_id, tokens=burst, refilled_at=now)
            .on_conflict_do_nothing(index_elements=["key_id"])
        )
        tokens, refilled_at = self._session.execute(_LOCK_BUCKET, {"key_id": key_id}).one()
        elapsed = max(0.0, (now - refilled_at).total_seconds())
        tokens = min(burst, tokens + elapsed * rate)
        granted = min(want, int(tokens))
        tokens -= granted
        self._session.execute(
            update(_BUCKETS)
            .where(_BUCKETS.c.key_id == key_id)
            .values(tokens=tokens, refilled_at=now)
        )
        return Lease(granted, 0.0 if granted else (1.0 - tokens) / rate)

    def give_back(self, key_id: str, tokens: int, *, burst: float) -> None:
        """Return ``tokens`` a process leased and did not spend, never filling the bucket past
        ``burst`` (the refill since the last lease is added at the next ``take``, as ever)."""
        held = _BUCKETS.c.tokens + tokens
        self._session.execute(
            update(_BUCKETS)
            .where(_BUCKETS.c.key_id == key_id)
            .values(tokens=case((held > burst, burst), else_=held))
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    """What a compliance reader asks of the log; every field optional."""

    client_ref: str | None = None
    principal: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_id: int = 0
    limit: int = 100


def _stored(row: Any) -> StoredEntry:
    entry = AuditEntry(
        at=row.at,
        principal=row.principal,
        action=row.action,
        role=row.role,
        route=row.route,
        status=row.status,
        client_ref=row.client_ref,
        detail=orjson.loads(row.detail),
    )
    return StoredEntry(row.id, entry, row.previous_hash, row.entry_hash)


class AuditRepository:
    """Appends under a lock so the chain never forks; reads in id order."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, entries: Sequence[AuditEntry]) -> None:
        """Chain ``entries`` after the newest stored entry, inside the caller's transaction.

        The lock is held until that transaction ends, so appends from any number of processes
        are serialised. PostgreSQL: a transaction-scoped advisory lock. SQLite: a write before
        the read takes the database's single write lock first (a read first could go stale).
        """
        if not entries:
            return
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(_LOCK, {"key": _AUDIT_LOCK})
        else:
            self._session.execute(update(AuditLogRow).where(AuditLogRow.id < 0).values(id=-1))
        previous = self._session.execute(_LAST_HASH).scalar_one_or_none()
        previous = previous or GENESIS
        rows = []
        for entry in entries:
            digest = entry_hash(previous, entry)
            rows.append(
                {
                    "at": entry.at,
                    "principal": entry.principal,
                    "role": entry.role,
                    "action": entry.action,
                    "route": entry.route,
                    "status": entry.status,
                    "client_ref": entry.client_ref,
                    "detail": orjson.dumps(
                        dict(entry.detail), option=orjson.OPT_SORT_KEYS
                    ).decode(),
                    "previous_hash": previous,
                    "entry_hash": digest,
                }
            )
            previous = digest
        self._session.execute(insert(_AUDIT), rows)

    def walk(self, *, batch: int = 5_000) -> Iterator[StoredEntry]:
        """Every entry in id order, read in batches."""
        after = 0
        while True:
            rows = (
                self._session.execute(
                    select(AuditLogRow)
                    .where(AuditLogRow.id > after)
                    .order_by(AuditLogRow.id)
                    .limit(batch)
                )
                .scalars()
                .all()
            )
            for row in rows:
                yield _stored(row)
            if len(rows) < batch:
                return
            after = rows[-1].id

    def find(self, query: AuditFilter) -> list[StoredEntry]:
        statement = select(AuditLogRow).where(AuditLogRow.id > query.after_id)
        if query.client_ref is not None:
            statement = statement.where(AuditLogRow.client_ref == query.client_ref)
        if query.principal is not None:
            statement = statement.where(AuditLogRow.principal == query.principal)
        if query.action is not None:
            statement = statement.where(AuditLogRow.action == query.action)
        if query.since is not None:
            statement = statement.where(AuditLogRow.at >= query.since)
        if query.until is not None:
            statement = statement.where(AuditLogRow.at < query.until)
        rows = self._session.execute(
            statement.order_by(AuditLogRow.id).limit(query.limit)
        ).scalars()
        return [_stored(row) for row in rows]
