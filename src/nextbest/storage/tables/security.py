"""Security and privacy: API keys and their rate buckets, the audit chain, erasure tombstones and
learned-state epochs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nextbest.storage.tables.base import Base, BigId
from nextbest.storage.types import UtcDateTime

__all__ = ["ApiKeyRow", "AuditLogRow", "ErasureRow", "LearnedStateRow", "RateBucketRow"]


class ApiKeyRow(Base):
    """An API key: its public id, roles and life; only a salted hash of the secret."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[str] = mapped_column(String(100))
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RateBucketRow(Base):
    """A key's request allowance, shared by every API process: a token bucket the processes
    take small leases from."""

    __tablename__ = "rate_buckets"

    key_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    refilled_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditLogRow(Base):
    """The append-only, hash-chained audit log. The client appears only as a pseudonym."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "client_ref"), Index(None, "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    principal: Mapped[str] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    route: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int | None] = mapped_column(SmallInteger)
    client_ref: Mapped[str | None] = mapped_column(String(64))
    # Compact JSON text, kept as written: the hash is recomputed from it.
    detail: Mapped[str] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class ErasureRow(Base):
    """A tombstone: that a client was erased, when and by whom; no personal data."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_ref: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[str] = mapped_column(String(120))
    # Rows removed per table, as JSON text: what the erasure covered.
    removed: Mapped[str] = mapped_column(Text)
    recreated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LearnedStateRow(Base):
    """A version number per learned model; bumped when the data it learned from is erased, so
    every server process rebuilds that model from what is left."""

    __tablename__ = "learned_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(200))
