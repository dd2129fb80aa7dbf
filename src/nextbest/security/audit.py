"""The audit chain: every entry carries the hash of the one before it.

``entry_hash = SHA-256(previous_hash || canonical JSON of the entry)``, starting from 64 zeros.
Changing, removing or reordering any stored entry changes the hash every later entry should
have, so :func:`verify_chain` finds the first entry that no longer fits. (An attacker who can
rewrite the whole table can also recompute the chain; the newest hash, printed by
``nextbest audit verify``, can be kept elsewhere to catch that.)

Entries hold no personal data: the client appears only as its pseudonym (``client_ref``) and
``detail`` carries ids and counts, never texts or amounts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

__all__ = ["GENESIS", "AuditEntry", "ChainBreak", "StoredEntry", "entry_hash", "verify_chain"]

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One thing that happened: who (``principal``, ``role``), what (``action``, ``route``,
    ``status``), to whom (``client_ref``, a pseudonym) and when."""

    at: datetime
    principal: str
    action: str
    role: str | None = None
    route: str | None = None
    status: int | None = None
    client_ref: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def canonical(self) -> bytes:
        return orjson.dumps(
            {
                "at": self.at.isoformat(),
                "principal": self.principal,
                "role": self.role,
                "action": self.action,
                "route": self.route,
                "status": self.status,
                "client_ref": self.client_ref,
                "detail": dict(self.detail),
            },
            option=orjson.OPT_SORT_KEYS,
        )


@dataclass(frozen=True, slots=True)
class StoredEntry:
    id: int
    entry: AuditEntry
    previous_hash: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the chain stops holding, and why."""

    id: int
    reason: str


def entry_hash(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + entry.canonical()).hexdigest()


def verify_chain(
    entries: Iterable[StoredEntry], *, previous_hash: str = GENESIS
) -> tuple[int, str, ChainBreak | None]:
    """Walk ``entries`` in id order: (entries checked, last good hash, the first break or None)."""
    checked = 0
    for stored in entries:
        if stored.previous_hash != previous_hash:
            return (
                checked,
                previous_hash,
                ChainBreak(stored.id, "its previous hash is not the hash of the entry before it"),
            )
        if entry_hash(previous_hash, stored.entry) != stored.entry_hash:
            return (
                checked,
                previous_hash,
                ChainBreak(
                    stored.id, "its content does not match its hash (the entry was changed)"
                ),
            )
        previous_hash = stored.entry_hash
        checked += 1
    return checked, previous_hash, None
