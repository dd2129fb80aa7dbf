"""Domain events and clients for the behaviour tests, with only what a test is about spelled out."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from nextbest.behavior.priors import DEFAULT_PRIORS, SegmentPriors
from nextbest.behavior.profile import ProfileReport, ProfileRules, build_profile
from nextbest.behavior.state import DEFAULT_DECAY, ProfileState, fold
from nextbest.domain.client import Client, ClientProfile, Goal, Preferences
from nextbest.domain.enums import Channel, EventType, GoalType, RiskTolerance
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId, GoalId
from nextbest.domain.preferences import ExplicitPreferences

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def event(
    kind: EventType,
    at: datetime,
    *,
    client_id: str = "c-1",
    device: str | None = "mobile",
    channel: Channel | None = Channel.IN_APP,
    session: str | None = "s-1",
    **context: Any,
) -> Event:
    return Event(
        event_id=EventId(f"e-{next(_ids)}"),
        client_id=ClientId(client_id),
        event_type=kind,
        occurred_at=at,
        session_id=session,
        device_type=device,
        channel=channel,
        target_id="rec-1" if kind.startswith("RECOMMENDATION_") else None,
        context=context,
    )


def client(
    *,
    birth_year: int = 1980,
    goals: tuple[Goal, ...] = (),
    preferences: Preferences | None = None,
    risk: RiskTolerance = RiskTolerance.MEDIUM,
) -> Client:
    return Client(
        client_id=ClientId("c-1"),
        birth_year=birth_year,
        country="GB",
        base_currency="GBP",
        risk_tolerance=risk,
        profile=ClientProfile(goals=goals, preferences=preferences or Preferences()),
    )


def retirement_goal(year: int) -> Goal:
    from decimal import Decimal

    return Goal(GoalId("r-1"), GoalType.RETIREMENT, year, Decimal("400000"))


def daily_sessions(
    days: int,
    *,
    end: datetime = NOW,
    per_day: int = 1,
    hour: int = 8,
    device: str = "mobile",
    feature: str | None = "goal_planner",
    topic: str | None = None,
    difficulty: int | None = None,
) -> list[Event]:
    """``per_day`` sessions on each of the ``days`` days before ``end``, each a login, a feature
    use or a read, and a time-spent summary."""
    out: list[Event] = []
    for day in range(days, 0, -1):
        base = (end - timedelta(days=day)).replace(hour=hour, minute=0, second=0)
        for n in range(per_day):
            at = base + timedelta(minutes=30 * n)
            out.append(event(EventType.LOGIN, at, device=device))
            if feature is not None:
                out.append(
                    event(
                        EventType.FEATURE_USED,
                        at + timedelta(minutes=1),
                        device=device,
                        feature=feature,
                    )
                )
            if topic is not None:
                context: dict[str, Any] = {"topic": topic}
                if difficulty is not None:
                    context["difficulty"] = difficulty
                out.append(
                    event(
                        EventType.CONTENT_READ, at + timedelta(minutes=2), device=device, **context
                    )
                )
            out.append(
                event(
                    EventType.TIME_SPENT,
                    at + timedelta(minutes=5),
                    device=device,
                    duration_seconds=300,
                )
            )
    return out


def profile(
    events: list[Event],
    *,
    now: datetime = NOW,
    who: Client | None = None,
    preferences: ExplicitPreferences | None = None,
    priors: SegmentPriors = DEFAULT_PRIORS,
    rules: ProfileRules | None = None,
) -> ProfileReport:
    state = fold(events, ProfileState.empty(DEFAULT_DECAY))
    return build_profile(
        state,
        client=who or client(),
        preferences=preferences or ExplicitPreferences(),
        priors=priors,
        rules=rules or ProfileRules(),
        now=now,
    )
