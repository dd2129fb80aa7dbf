"""The decision log as a training set, with every client id replaced by its pseudonym.

One JSON line per served recommendation: when and how it was decided (policy, channel), what
was served (action, category, rank, score), the probability the policy gave it (for off-policy
evaluation), the feature vector it was scored with, what became of it and the reward the models
learnt. The client appears only as ``client_ref`` (keyed HMAC), so the file can go to an
analyst or a training job without carrying who the clients are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from nextbest.domain.recommendation import Status, reward
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["training_lines"]

PAGE = 5_000


def training_lines(*, uow: UnitOfWork, pseudonymise: Pseudonymiser) -> Iterator[bytes]:
    """Every served recommendation as one JSON line (bytes, newline included)."""
    after: str | None = None
    while True:
        with uow:
            page = uow.privacy.served(after=after, limit=PAGE)
        for row in page:
            yield orjson.dumps(_line(row, pseudonymise)) + b"\n"
        if len(page) < PAGE:
            return
        after = page[-1]["recommendation_id"]


def _line(row: dict[str, Any], pseudonymise: Pseudonymiser) -> dict[str, Any]:
    status = Status(row["status"])
    return {
        "recommendation_id": row["recommendation_id"],
        "client_ref": pseudonymise(row["client_id"]),
        "decided_at": row["decided_at"].isoformat(),
        "policy": row["policy"],
        "channel": row["channel"],
        "action_id": row["action_id"],
        "category": row["category"],
        "segment": row["segment"],
        "rank": row["rank"],
        "score": row["score"],
        "probability": row["probability"],
        "regulated": row["regulated"],
        "status": status.value,
        "reward": reward(status),
        "context": orjson.loads(row["context"]) if row["context"] else [],
    }
