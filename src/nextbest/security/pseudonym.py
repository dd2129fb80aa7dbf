"""Pseudonyms: a keyed HMAC of a client id, for the audit log, tombstones and training exports.

Without the key a pseudonym cannot be turned back into an id, nor recomputed from a guessed one
(client ids are often guessable: account numbers, sequential ids). With it, the firm can still
find what concerns a client it knows: its audit entries for an export, or whether an id was
erased.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["Pseudonymiser"]


class Pseudonymiser:
    __slots__ = ("_key",)

    def __init__(self, key: str | bytes) -> None:
        raw = key.encode() if isinstance(key, str) else key
        if len(raw) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        self._key = raw

    def __call__(self, client_id: str) -> str:
        """64 hex digits, the same for the same id and key, unrelated across keys."""
        return hmac.new(self._key, client_id.encode(), hashlib.sha256).hexdigest()
