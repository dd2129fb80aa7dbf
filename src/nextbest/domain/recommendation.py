"""Recommendations as served, and the life each one leads afterwards.

A recommendation is one action shown to one client on one channel by one decision. Its status
moves forward only: what the client did with it (viewed, accepted, dismissed) or what time did
(ignored, expired). The allowed moves are one table, so the API and the tests agree on them.

>>> can_move(Status.DELIVERED, Status.ACCEPTED), can_move(Status.EXPIRED, Status.ACCEPTED)
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from nextbest.domain.candidate import Category
from nextbest.domain.enums import Channel
from nextbest.domain.ids import ClientId

__all__ = [
    "CLIENT_STATUSES",
    "FeedbackKind",
    "Recommendation",
    "Status",
    "can_move",
    "expired_status",
    "reward",
]


class Status(StrEnum):
    PENDING_REVIEW = "PENDING_REVIEW"
    DELIVERED = "DELIVERED"
    VIEWED = "VIEWED"
    ACCEPTED = "ACCEPTED"
    PARTIALLY_ACCEPTED = "PARTIALLY_ACCEPTED"
    DISMISSED = "DISMISSED"
    IGNORED = "IGNORED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    """An advisor did not approve a regulated suggestion (or it ran out before review): the
    client never saw it, so the models learn nothing from it."""


CLIENT_STATUSES = frozenset(
    {Status.VIEWED, Status.ACCEPTED, Status.PARTIALLY_ACCEPTED, Status.DISMISSED}
)
"""What a host application may report; the others are set by nextbest itself."""

_MOVES: dict[Status, frozenset[Status]] = {
    Status.PENDING_REVIEW: frozenset({Status.DELIVERED, Status.REJECTED}),
    Status.DELIVERED: frozenset(
        {
            Status.VIEWED,
            Status.ACCEPTED,
            Status.PARTIALLY_ACCEPTED,
            Status.DISMISSED,
            Status.IGNORED,
            Status.EXPIRED,
        }
    ),
    Status.VIEWED: frozenset(
        {Status.ACCEPTED, Status.PARTIALLY_ACCEPTED, Status.DISMISSED, Status.EXPIRED}
    ),
    Status.PARTIALLY_ACCEPTED: frozenset({Status.ACCEPTED}),
    Status.ACCEPTED: frozenset(),
    Status.DISMISSED: frozenset(),
    Status.IGNORED: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.REJECTED: frozenset(),
}

OPEN = frozenset({Status.DELIVERED, Status.VIEWED})
"""Statuses in which the client can still act on a recommendation."""


def can_move(current: Status, new: Status) -> bool:
    return new in _MOVES[current]


def expired_status(current: Status) -> Status:
    """What a recommendation becomes when its time runs out: IGNORED if never looked at,
    EXPIRED if viewed but not acted on, REJECTED if it was still waiting for review."""
    if current is Status.PENDING_REVIEW:
        return Status.REJECTED
    return Status.IGNORED if current is Status.DELIVERED else Status.EXPIRED


_REWARDS = {
    Status.ACCEPTED: 1.0,
    Status.PARTIALLY_ACCEPTED: 0.5,
    Status.DISMISSED: 0.0,
    Status.IGNORED: 0.0,
    Status.EXPIRED: 0.0,
}


def reward(status: Status) -> float | None:
    """What the models learn from a status: 1 accepted, 0.5 partly, 0 not; None while open."""
    return _REWARDS.get(status)


class FeedbackKind(StrEnum):
    HELPFUL = "HELPFUL"
    NOT_RELEVANT = "NOT_RELEVANT"
    ALREADY_DONE = "ALREADY_DONE"


@dataclass(frozen=True, slots=True)
class Recommendation:
    recommendation_id: str
    decision_id: str
    client_id: ClientId
    action_id: str
    candidate_key: str
    category: Category
    channel: Channel
    rank: int
    score: float
    probability: float
    regulated: bool
    status: Status
    status_at: datetime
    delivered_at: datetime
    deliver_at: datetime
    expires_at: datetime
    segment: str

    @property
    def open(self) -> bool:
        return self.status in OPEN
