"""API keys: shown once, stored only as a salted hash, found by a public id.

A key reads ``nbk_<key_id>_<secret>``: the id (12 hex digits) finds the stored record without a
scan, the secret (32 random bytes, URL-safe base64) is what proves possession. Only
``HMAC-SHA256(salt, secret)`` is stored, with a random salt per key. A slow password hash is not
needed: the secret is 256 random bits, not something a person chose, so there is nothing to
guess, and verifying stays a microsecond on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from nextbest.security.roles import Role

__all__ = ["ApiKeyRecord", "IssuedKey", "KeyParts", "issue_key", "parse_key", "secret_matches"]

PREFIX = "nbk"
_KEY = re.compile(r"^nbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """What is stored of a key: never the secret itself."""

    key_id: str
    name: str
    roles: frozenset[Role]
    salt: bytes
    secret_hash: bytes
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def why_unusable(self, now: datetime) -> str | None:
        if self.revoked_at is not None:
            return "the API key was revoked"
        if now >= self.expires_at:
            return "the API key has expired"
        return None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: ``key`` is shown to its owner once and never stored."""

    key: str
    record: ApiKeyRecord


@dataclass(frozen=True, slots=True)
class KeyParts:
    key_id: str
    secret: str


def _hash(salt: bytes, secret: str) -> bytes:
    return hmac.new(salt, secret.encode("ascii"), hashlib.sha256).digest()


def issue_key(
    name: str, roles: frozenset[Role], *, now: datetime, expires_at: datetime
) -> IssuedKey:
    """A fresh key for ``roles`` valid until ``expires_at``."""
    if not roles:
        raise ValueError("a key needs at least one role")
    if expires_at <= now:
        raise ValueError("a key must expire after it is created")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    record = ApiKeyRecord(key_id, name, roles, salt, _hash(salt, secret), now, expires_at)
    return IssuedKey(f"{PREFIX}_{key_id}_{secret}", record)


def parse_key(presented: str) -> KeyParts | None:
    """The id and secret of a well-formed key; None for anything else."""
    match = _KEY.match(presented)
    return None if match is None else KeyParts(match.group(1), match.group(2))


def secret_matches(record: ApiKeyRecord, secret: str) -> bool:
    """Constant-time comparison of the presented secret with the stored hash."""
    return hmac.compare_digest(_hash(record.salt, secret), record.secret_hash)
