"""The behaviour aggregates of one client, updated one event at a time, never by rescanning.

Every quantity that should fade is kept as a *decayed sum* at two half-lives (the main one and a
fast one used when behaviour changes). An entry is ``[slow, fast, t]``: the sums as of time ``t``,
the latest event time that touched it. Adding an event at time ``e`` is

- ``e >= t``: decay both sums from ``t`` to ``e``, add the weight, move ``t`` to ``e``;
- ``e < t`` (an event that arrived late): add the weight already decayed from ``e`` to ``t``.

Both branches give ``sum(w * 2 ** -((t - e_i) / h))`` whatever the order of arrival, so late and
out-of-order events leave the aggregates as if each had arrived in time (up to float rounding).
Lifetime counters, first and last event times are plain sums, minima and maxima: order-free too.
Duplicates never reach this module; ingestion stores each ``event_id`` once.

Keys are namespaced strings (``feat:goal_planner``, ``acc:TAX``, ``hr:07``, ``dh:mobile:07`` …).
A client may bring at most :data:`MAX_KEYS_PER_KIND` distinct keys of one kind; later new keys of
that kind are pooled under ``<kind>:_other`` so a misbehaving host cannot grow a profile without
bound (the one place where arrival order can matter, and only past that many distinct keys).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from nextbest.domain.enums import EventType
from nextbest.domain.event import Event

__all__ = [
    "DEFAULT_DECAY",
    "MAX_KEYS_PER_KIND",
    "STATE_VERSION",
    "Decay",
    "ProfileState",
    "apply_event",
    "device_keys",
    "fold",
]

STATE_VERSION = 1
MAX_KEYS_PER_KIND = 64
MAX_DEVICES = 4
_CAPS = {
    **{kind: MAX_KEYS_PER_KIND for kind in ("view", "acc", "dis", "feat", "topic")},
    "dev": MAX_DEVICES,
}
"""The kinds :meth:`ProfileState.keyed` caps, and their caps."""
_DAY = 86_400.0
_MAX_KEY_LENGTH = 64

Entry = list[float]
"""``[slow_sum, fast_sum, t]`` with ``t`` in epoch seconds."""


@dataclass(frozen=True, slots=True)
class Decay:
    """The two half-lives, in days."""

    half_life_days: float = 30.0
    fast_half_life_days: float = 7.0

    @property
    def slow_rate(self) -> float:
        """Exponent per second: ``2 ** -(dt / h) == exp(-rate * dt)``."""
        return math.log(2) / (self.half_life_days * _DAY)

    @property
    def fast_rate(self) -> float:
        return math.log(2) / (self.fast_half_life_days * _DAY)


DEFAULT_DECAY = Decay()


@dataclass(slots=True)
class ProfileState:
    """Everything learned from a client's events; JSON-serialisable, mergeable by replay."""

    half_life_days: float = 30.0
    fast_half_life_days: float = 7.0
    events: int = 0
    first_at: float | None = None
    last_at: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    decayed: dict[str, Entry] = field(default_factory=dict)
    _slow_rate: float = field(init=False, repr=False, compare=False)
    _fast_rate: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._slow_rate = self.decay.slow_rate
        self._fast_rate = self.decay.fast_rate

    @property
    def decay(self) -> Decay:
        return Decay(self.half_life_days, self.fast_half_life_days)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "v": STATE_VERSION,
                "h": [self.half_life_days, self.fast_half_life_days],
                "n": self.events,
                "first": self.first_at,
                "last": self.last_at,
                "c": self.counts,
                "d": self.decayed,
            }
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> ProfileState:
        data = orjson.loads(raw)
        if data.get("v") != STATE_VERSION:
            raise ValueError(f"profile state version {data.get('v')!r} is not {STATE_VERSION}")
        slow, fast = data["h"]
        return cls(
            half_life_days=slow,
            fast_half_life_days=fast,
            events=data["n"],
            first_at=data["first"],
            last_at=data["last"],
            counts=data["c"],
            decayed=data["d"],
        )

    @classmethod
    def empty(cls, decay: Decay) -> ProfileState:
        return cls(
            half_life_days=decay.half_life_days, fast_half_life_days=decay.fast_half_life_days
        )

    # -- reading ------------------------------------------------------------------------------

    def value(self, key: str, now: float, *, fast: bool = False) -> float:
        """The decayed sum of ``key`` as of ``now`` (0 when never seen)."""
        entry = self.decayed.get(key)
        if entry is None:
            return 0.0
        rate = self._fast_rate if fast else self._slow_rate
        return entry[1 if fast else 0] * math.exp(-rate * max(0.0, now - entry[2]))

    def values(self, kind: str, now: float, *, fast: bool = False) -> dict[str, float]:
        """Every key of one kind (``"feat"`` → ``{"goal_planner": 3.2, ...}``) as of ``now``."""
        prefix = kind + ":"
        return {
            key[len(prefix) :]: self.value(key, now, fast=fast)
            for key in self.decayed
            if key.startswith(prefix)
        }

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)

    # -- writing ------------------------------------------------------------------------------

    def add(self, key: str, at: float, weight: float = 1.0) -> None:
        self._add_entry(key, weight, weight, at)

    def merge(self, other: ProfileState) -> None:
        """Add ``other``'s evidence to this state (mutates it), as if its events were applied.

        Merging lets aggregates built apart be added up in any order (privacy-mode events are
        queued as aggregates, not raw events). Keys past a cap are pooled exactly as
        :meth:`keyed` pools them when events are applied.
        """
        if (other.half_life_days, other.fast_half_life_days) != (
            self.half_life_days,
            self.fast_half_life_days,
        ):
            raise ValueError("cannot merge aggregates built with different half-lives")
        self.events += other.events
        if other.first_at is not None:
            self.first_at = (
                other.first_at if self.first_at is None else min(self.first_at, other.first_at)
            )
        if other.last_at is not None:
            self.last_at = (
                other.last_at if self.last_at is None else max(self.last_at, other.last_at)
            )
        decayed = self.decayed
        new = [key for key in other.decayed if key not in decayed]
        if not new:  # the usual case: nothing to pool, add entry by entry
            for key, (slow, fast, t) in other.decayed.items():
                self._add_entry(key, slow, fast, t)
            for key, count in other.counts.items():
                self.counts[key] = self.counts.get(key, 0) + count
            return
        sizes: dict[str, int] = {}
        for key in decayed:
            kind = key.split(":", 1)[0]
            sizes[kind] = sizes.get(kind, 0) + 1
        renamed: dict[str, str] = {}
        for key in sorted(other.decayed, key=lambda k: not k.startswith("dev:")):
            kind, _, rest = key.partition(":")
            if kind in ("dh", "df"):
                device, _, tail = rest.partition(":")
                target = f"{kind}:{renamed.get(f'dev:{device}', f'dev:{device}')[4:]}:{tail}"
            else:
                target = key
                cap = _CAPS.get(kind)
                if cap is not None and key not in self.decayed:
                    if sizes.get(kind, 0) >= cap:
                        target = f"{kind}:_other"
                    if target not in self.decayed:
                        sizes[kind] = sizes.get(kind, 0) + 1
            renamed[key] = target
            self._add_entry(target, *other.decayed[key])
        for key, count in other.counts.items():
            target = renamed.get(key, key)
            self.counts[target] = self.counts.get(target, 0) + count

    def _add_entry(self, key: str, slow: float, fast: float, t: float) -> None:
        entry = self.decayed.get(key)
        if entry is None:
            self.decayed[key] = [slow, fast, t]
            return
        if t >= entry[2]:
            gap = t - entry[2]
            entry[0] = entry[0] * math.exp(-self._slow_rate * gap) + slow
            entry[1] = entry[1] * math.exp(-self._fast_rate * gap) + fast
            entry[2] = t
        else:
            gap = entry[2] - t
            entry[0] += slow * math.exp(-self._slow_rate * gap)
            entry[1] += fast * math.exp(-self._fast_rate * gap)

    def bump(self, key: str, by: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + by

    def keyed(self, kind: str, name: object, cap: int = MAX_KEYS_PER_KIND) -> str | None:
        """The state key for ``name`` of ``kind``, pooling new names past the per-kind cap."""
        if not isinstance(name, str | int) or isinstance(name, bool):
            return None
        text = str(name).strip()[:_MAX_KEY_LENGTH]
        if not text:
            return None
        key = f"{kind}:{text}"
        if key in self.decayed:
            return key
        prefix = kind + ":"
        if sum(1 for existing in self.decayed if existing.startswith(prefix)) >= cap:
            return f"{kind}:_other"
        return key


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    return min(high, max(low, number))


def _hour(at: datetime) -> str:
    return f"{at.astimezone(UTC).hour:02d}"


def apply_event(state: ProfileState, event: Event) -> None:
    """Fold one stored event into ``state`` (mutates it)."""
    at = event.occurred_at.timestamp()
    kind = event.event_type
    context = event.context
    state.events += 1
    state.first_at = at if state.first_at is None else min(state.first_at, at)
    state.last_at = at if state.last_at is None else max(state.last_at, at)
    state.bump(f"type:{kind.value}")
    state.add("act", at)
    hour = _hour(event.occurred_at)
    state.add(f"hr:{hour}", at)
    if event.channel is not None:
        state.add(f"ch:{event.channel.value}", at)
    device = state.keyed("dev", event.device_type, MAX_DEVICES) if event.device_type else None
    if device is not None:
        state.add(device, at)
        state.add(f"dh:{device[4:]}:{hour}", at)
    if kind in (EventType.LOGIN, EventType.TIME_SPENT):
        # A host may send logins, session summaries or both; each marks a session.
        state.add(f"sess:{kind.value}", at)
    _apply_specific(state, event, at, context, device)


def _apply_specific(
    state: ProfileState,
    event: Event,
    at: float,
    context: Mapping[str, Any],
    device: str | None,
) -> None:
    kind = event.event_type
    category = context.get("category")
    if kind is EventType.RECOMMENDATION_VIEWED:
        state.bump("rec:viewed")
        if (key := state.keyed("view", category)) is not None:
            state.add(key, at)
        expanded = context.get("expanded")
        dwell = _number(context.get("dwell_seconds"), 0, 3_600)
        if isinstance(expanded, bool) or dwell is not None:
            state.add("detail_n", at)
            if expanded is True:
                state.add("expanded", at)
            if dwell is not None:
                state.add("dwell_n", at)
                state.add("dwell", at, dwell)
    elif kind is EventType.RECOMMENDATION_ACCEPTED:
        state.bump("rec:accepted")
        if (key := state.keyed("acc", category)) is not None:
            state.add(key, at)
            state.bump(key)
    elif kind is EventType.RECOMMENDATION_DISMISSED:
        state.bump("rec:dismissed")
        if (key := state.keyed("dis", category)) is not None:
            state.add(key, at)
            state.bump(key)
    elif kind is EventType.FEATURE_USED:
        if (key := state.keyed("feat", context.get("feature"))) is not None:
            state.add(key, at)
            if device is not None:
                state.add(f"df:{device[4:]}:{key[5:]}", at)
    elif kind is EventType.GOAL_CREATED:
        if (key := state.keyed("goal", context.get("goal_type"))) is not None:
            state.bump(key)
    elif kind is EventType.CONTENT_READ:
        if (key := state.keyed("topic", context.get("topic"))) is not None:
            state.add(key, at)
            if device is not None:
                state.add(f"df:{device[4:]}:{key}", at)
        difficulty = _number(context.get("difficulty"), 1, 5)
        if difficulty is not None:
            state.add("diff_n", at)
            state.add("diff", at, difficulty)
    elif kind is EventType.TIME_SPENT:
        duration = _number(context.get("duration_seconds"), 0, 86_400)
        if duration is not None:
            state.add("dur_n", at)
            state.add("dur", at, duration)
    elif kind is EventType.FEEDBACK:
        score = _number(context.get("sentiment"), -1, 1)
        if score is not None:
            state.add("sat_n", at)
            state.add("sat", at, score)


def fold(events: Iterable[Event], state: ProfileState) -> ProfileState:
    for event in events:
        apply_event(state, event)
    return state


def device_keys(state: ProfileState) -> Iterator[str]:
    """The device types seen (without the ``dev:`` prefix)."""
    for key in state.decayed:
        if key.startswith("dev:"):
            yield key[4:]
