"""The contact policy: how often, and what again, a client hears from nextbest.

Judged from the client's recent recommendations (the decision log), for one request:

- an action the client accepted within its expiry window is not suggested again;
- an action dismissed N times within D days is suppressed; after any one dismissal it rests a
  few days;
- on a push channel (EMAIL, SMS, PUSH) a client gets at most the number of new suggestions its
  notification frequency allows (REAL_TIME, DAILY, WEEKLY, MONTHLY; one held for an advisor's
  review or rejected was never sent and does not count), and nothing is sent again while the
  client has not answered it; pull channels (IN_APP, WEB, ADVISOR) answer the client's
  own visit, so they are not capped, and a suggestion still open there is served again under its
  own id rather than as a new one;
- a finding whose suggestion waits for an advisor's review is not suggested again meanwhile (it
  would take a place in the answer and never be shown);
- delivery on a push channel waits for the client's preferred hour when one is known.

Mandatory actions ignore all of this. The category limit per answer is applied in arbitration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nextbest.decision.catalog import Action
from nextbest.decision.policy import Removal
from nextbest.domain.enums import Channel, NotificationFrequency
from nextbest.domain.recommendation import Recommendation, Status

__all__ = ["PUSH_CHANNELS", "ContactPolicy", "ContactState", "deliver_at"]

PUSH_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.PUSH})
"""Channels on which nextbest reaches out, rather than answering the client's visit."""

_ACCEPTED = frozenset({Status.ACCEPTED, Status.PARTIALLY_ACCEPTED})
_NEVER_SENT = frozenset({Status.PENDING_REVIEW, Status.REJECTED})
"""Held for an advisor, or refused by one: the client was not contacted, so no cap is used."""


@dataclass(frozen=True, slots=True)
class ContactPolicy:
    suppress_after_dismissals: int = 2
    suppress_days: int = 30
    rest_days_after_dismissal: int = 3
    push_caps: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: {
            "REAL_TIME": (6, 1),
            "DAILY": (1, 1),
            "WEEKLY": (1, 7),
            "MONTHLY": (1, 30),
        }
    )

    def lookback(self, longest_expiry_days: int) -> timedelta:
        """How far back the history must reach for every rule (open recommendations are read
        whatever their age)."""
        longest_cap = max(days for _, days in self.push_caps.values())
        days = max(
            self.suppress_days, self.rest_days_after_dismissal, longest_cap, longest_expiry_days
        )
        return timedelta(days=days)

    def state(
        self,
        history: Iterable[Recommendation],
        *,
        channel: Channel,
        frequency: NotificationFrequency,
        now: datetime,
    ) -> ContactState:
        """What the client's history means for a request on ``channel`` at ``now``."""
        return ContactState(self, list(history), channel, frequency, now)


@dataclass(slots=True)
class ContactState:
    policy: ContactPolicy
    history: list[Recommendation]
    channel: Channel
    frequency: NotificationFrequency
    now: datetime

    @property
    def push(self) -> bool:
        return self.channel in PUSH_CHANNELS

    def remaining(self) -> int | None:
        """New suggestions still allowed on this channel now; None when uncapped."""
        if not self.push:
            return None
        count, days = self.policy.push_caps[self.frequency.value]
        since = self.now - timedelta(days=days)
        sent = sum(
            1
            for r in self.history
            if r.channel is self.channel and r.delivered_at > since and r.status not in _NEVER_SENT
        )
        return max(0, count - sent)

    def cap_text(self) -> str:
        count, days = self.policy.push_caps[self.frequency.value]
        unit = "day" if days == 1 else f"{days} days"
        return f"contact cap reached: {count} per {unit} ({self.frequency.value})"

    def accepted_recently(self, action: Action) -> Recommendation | None:
        window = timedelta(days=action.expiry_days)
        return next(
            (
                r
                for r in self.history
                if r.action_id == action.action_id
                and r.status in _ACCEPTED
                and self.now - r.status_at < window
            ),
            None,
        )

    def blocked(self, action: Action, key: str | None = None) -> tuple[Removal, str] | None:
        """Why the contact rules keep ``action`` (for the finding ``key``, when given) out of
        this answer, or None."""
        if self.accepted_recently(action) is not None:
            return Removal.ACCEPTED, f"accepted within the last {action.expiry_days} days"
        dismissals = [
            r
            for r in self.history
            if r.action_id == action.action_id and r.status is Status.DISMISSED
        ]
        window = timedelta(days=self.policy.suppress_days)
        recent = [r for r in dismissals if self.now - r.status_at < window]
        if len(recent) >= self.policy.suppress_after_dismissals:
            return (
                Removal.SUPPRESSED,
                f"dismissed {len(recent)} times in {self.policy.suppress_days} days",
            )
        rest = timedelta(days=self.policy.rest_days_after_dismissal)
        if any(self.now - r.status_at < rest for r in dismissals):
            return (
                Removal.RESTING,
                f"dismissed within the last {self.policy.rest_days_after_dismissal} days",
            )
        waiting = self.open_on_channel(action.action_id, key)
        if waiting is not None and waiting.status is Status.PENDING_REVIEW:
            return Removal.OPEN, "already suggested, waiting for an advisor's review"
        if self.push and self.open_on_channel(action.action_id, None) is not None:
            return Removal.OPEN, f"already sent on {self.channel.value}, awaiting an answer"
        return None

    def open_on_channel(self, action_id: str, candidate_key: str | None) -> Recommendation | None:
        """The client's still-open recommendation of this action (and finding) on this channel;
        one waiting for an advisor's review counts as open (it is not suggested twice)."""
        return next(
            (
                r
                for r in self.history
                if r.action_id == action_id
                and r.channel is self.channel
                and (r.open or r.status is Status.PENDING_REVIEW)
                and r.expires_at > self.now
                and (candidate_key is None or r.candidate_key == candidate_key)
            ),
            None,
        )


def deliver_at(now: datetime, channel: Channel, preferred_hour: int | None) -> datetime:
    """When to deliver: at once on a pull channel or without a known hour; otherwise the next
    time the clock shows the client's preferred hour (UTC), today if it is still ahead."""
    if channel not in PUSH_CHANNELS or preferred_hour is None:
        return now
    slot = now.replace(hour=preferred_hour, minute=0, second=0, microsecond=0)
    return slot if slot >= now else slot + timedelta(days=1)
