"""Synthetic behaviour: sessions of page views, tools, reading and recommendations, per client.

Each client gets a personal rhythm: how often they come (heavy-tailed, from dormant to daily),
when (a commuter, a lunchtime or an evening user, in their own time zone), on what device, and
what interests them, which follows their profile and portfolio so there is something to learn:
ESG-minded clients read about sustainable investing, those near retirement use the retirement
calculator, and clients sitting on cash look at cash recommendations and accept them more often.

Consent is honoured the way a host application would: a client who refused tracking sends no
events, and one who refused personalization is shown no recommendations. Contexts carry codes
only, never names, e-mail addresses or text a client typed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from nextbest.domain.client import Client
from nextbest.domain.enums import (
    AccountType,
    AssetClass,
    Channel,
    ConsentPurpose,
    EsgFocus,
    EventType,
    GoalType,
    NetWorthBand,
)
from nextbest.domain.event import Event
from nextbest.domain.ids import EventId, SecurityId
from nextbest.domain.portfolio import Portfolio
from nextbest.domain.security import Security
from nextbest.sim.markets import MARKETS

__all__ = ["CATEGORIES", "build_events"]

CATEGORIES = ("GOAL", "RETIREMENT", "TAX", "ESG", "REBALANCING", "CASH", "PROTECTION")
"""Recommendation categories carried in ``context.category``."""

_TOPICS = {
    "GOAL": ("goal_planning", "saving_habits"),
    "RETIREMENT": ("retirement_income", "pensions", "annuities"),
    "TAX": ("tax_wrappers", "capital_gains_tax"),
    "ESG": ("sustainable_investing", "climate_risk"),
    "REBALANCING": ("diversification", "rebalancing"),
    "CASH": ("cash_management", "inflation"),
    "PROTECTION": ("life_insurance", "income_protection"),
}
_FEATURES = {
    "GOAL": "goal_planner",
    "RETIREMENT": "retirement_calculator",
    "TAX": "tax_summary",
    "ESG": "esg_screen",
    "REBALANCING": "rebalance_tool",
    "CASH": "cash_sweep",
    "PROTECTION": "protection_quote",
}
_GENERAL_TOPICS = ("markets_weekly", "investing_basics", "fees_explained")
_GENERAL_FEATURES = ("performance_chart", "statements", "contribution_setup", "transfer_in")
_PAGES = ("home", "portfolio", "holdings", "goals", "insights", "activity", "settings")
_DISMISS_REASONS = ("not_relevant", "not_now", "already_done", "too_risky")
_STEPS = (
    EventType.PAGE_VIEW,
    EventType.FEATURE_USED,
    EventType.CONTENT_READ,
    EventType.RECOMMENDATION_VIEWED,
    EventType.SEARCH_PERFORMED,
    EventType.GOAL_CREATED,
)
_STEP_WEIGHTS = (40, 20, 15, 15, 6, 1)
_WEALTHY = {NetWorthBand.HIGH_NET_WORTH, NetWorthBand.ULTRA_HIGH_NET_WORTH}

_Draft = tuple[datetime, dict[str, Any]]
"""An event before its id: when it happened and the rest of its fields."""


@dataclass(frozen=True, slots=True)
class _Habits:
    """How one client behaves; drawn once, then every session follows it."""

    rate: float
    zone: timezone
    peak_hour: float
    device: str
    interests: Mapping[str, float]
    propensity: float
    literacy: int


def _interests(
    client: Client,
    portfolio: Portfolio | None,
    securities: Mapping[SecurityId, Security],
    year: int,
) -> dict[str, float]:
    age = client.age_in(year)
    profile = client.profile
    goal_types = {goal.goal_type for goal in profile.goals}
    retiring = any(
        g.goal_type is GoalType.RETIREMENT and g.target_year - year <= 10 for g in profile.goals
    )
    taxable = cash_share = 0.0
    if portfolio is not None and portfolio.market_value > 0:
        total = portfolio.market_value
        taxable = sum(
            float(a.market_value / total)
            for a in portfolio.accounts
            if a.account_type is AccountType.TAXABLE
        )
        cash_share = sum(
            float(h.market_value / total)
            for _, h in portfolio.holdings()
            if securities[h.security_id].asset_class is AssetClass.CASH
        )
    esg = {EsgFocus.HIGH: 3.0, EsgFocus.MEDIUM: 1.2, EsgFocus.LOW: 0.5}
    return {
        "GOAL": 1.0 + 0.3 * len(goal_types),
        "RETIREMENT": 0.5 + (2.0 if age >= 50 or retiring else 0.0),
        "TAX": 0.8 + 1.5 * taxable,
        "ESG": esg.get(profile.preferences.esg_focus or EsgFocus.NONE, 0.2),
        "REBALANCING": 1.0,
        "CASH": 0.6 + (2.5 if cash_share > 0.2 else 0.0),
        "PROTECTION": 0.5 + (1.0 if 30 <= age <= 55 and GoalType.EDUCATION in goal_types else 0.0),
    }


def _habits(
    rng: random.Random,
    client: Client,
    portfolio: Portfolio | None,
    securities: Mapping[SecurityId, Security],
    year: int,
) -> _Habits:
    dormant = rng.random() < 0.12
    rate = 0.004 if dormant else min(3.0, 0.16 * rng.lognormvariate(-0.6, 1.1))
    offset = rng.choice(MARKETS[client.country].utc_offsets)
    return _Habits(
        rate=rate,
        zone=timezone(timedelta(hours=offset)),
        peak_hour=rng.choice((7.5, 12.5, 20.5, 21.5)),
        device=rng.choices(("mobile", "desktop", "tablet"), weights=(55, 35, 10))[0],
        interests=_interests(client, portfolio, securities, year),
        propensity=rng.uniform(0.05, 0.4),
        literacy=rng.randint(1, 4),
    )


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class _Client:
    """Writes one client's events: sessions and the odd e-mail, push or adviser contact."""

    def __init__(
        self,
        rng: random.Random,
        client: Client,
        habits: _Habits,
        index: int,
        holdings: Sequence[str],
    ) -> None:
        self.rng = rng
        self.client = client
        self.habits = habits
        self.index = index
        self.holdings = holdings
        self.recommendations = 0
        self.personalized = client.has_consent(ConsentPurpose.PERSONALIZATION)

    def category(self) -> str:
        interests = self.habits.interests
        return self.rng.choices(CATEGORIES, weights=[interests[c] for c in CATEGORIES])[0]

    def affinity(self, category: str) -> float:
        return self.habits.interests[category] / max(self.habits.interests.values())

    def recommendation(
        self, at: datetime, common: dict[str, Any], category: str | None = None
    ) -> Iterator[_Draft]:
        """A recommendation seen, then perhaps accepted or dismissed a little later."""
        rng = self.rng
        category = category or self.category()
        self.recommendations += 1
        target = {
            **common,
            "target_type": "recommendation",
            "target_id": f"rec-demo-{self.index:05d}-{self.recommendations:04d}",
        }
        # How much of the text the client opens and reads: a per-client appetite, drawn from a
        # generator of its own so the rest of the book stays as it was before this was added.
        reading = random.Random(f"reading-{self.index}-{self.recommendations}")
        appetite = random.Random(f"appetite-{self.index}").random()
        yield (
            at,
            {
                **target,
                "event_type": EventType.RECOMMENDATION_VIEWED,
                "context": {
                    "category": category,
                    "position": rng.randint(1, 3),
                    "expanded": reading.random() < appetite,
                    "dwell_seconds": round(reading.uniform(3, 25) + 70 * appetite**2),
                },
            },
        )
        affinity = self.affinity(category)
        later = at + timedelta(seconds=rng.randint(5, 90))
        if rng.random() < self.habits.propensity * (0.3 + 0.7 * affinity) * 1.5:
            yield (
                later,
                {
                    **target,
                    "event_type": EventType.RECOMMENDATION_ACCEPTED,
                    "context": {"category": category},
                },
            )
        elif rng.random() < 0.1 + 0.35 * (1 - affinity):
            yield (
                later,
                {
                    **target,
                    "event_type": EventType.RECOMMENDATION_DISMISSED,
                    "context": {"category": category, "reason": rng.choice(_DISMISS_REASONS)},
                },
            )

    def step(self, at: datetime, common: dict[str, Any]) -> Iterator[_Draft]:
        rng = self.rng
        weights = list(_STEP_WEIGHTS)
        if not self.personalized:
            weights[_STEPS.index(EventType.RECOMMENDATION_VIEWED)] = 0
        kind = rng.choices(_STEPS, weights=weights)[0]
        category = self.category()
        if kind is EventType.RECOMMENDATION_VIEWED:
            yield from self.recommendation(at, common, category)
            return
        fields: dict[str, Any] = {**common, "event_type": kind}
        if kind is EventType.PAGE_VIEW:
            page = rng.choice(_PAGES)
            fields.update(target_type="page", target_id=page, context={"page": page})
            if page == "holdings" and self.holdings and rng.random() < 0.4:
                fields.update(target_type="security", target_id=rng.choice(self.holdings))
        elif kind is EventType.FEATURE_USED:
            feature = _FEATURES[category] if rng.random() < 0.7 else rng.choice(_GENERAL_FEATURES)
            fields["context"] = {"feature": feature}
        elif kind is EventType.CONTENT_READ:
            topic = rng.choice(_TOPICS[category] if rng.random() < 0.75 else _GENERAL_TOPICS)
            difficulty = min(5, max(1, self.habits.literacy + rng.choice((-1, 0, 0, 1))))
            fields.update(
                target_type="article",
                target_id=f"article-{topic.replace('_', '-')}-{rng.randint(1, 12):02d}",
                context={"topic": topic, "difficulty": difficulty},
            )
        elif kind is EventType.SEARCH_PERFORMED:
            fields["context"] = {"category": category, "results": rng.randint(0, 25)}
        else:
            goals = [goal.goal_type for goal in self.client.profile.goals] or list(GoalType)
            fields["context"] = {"goal_type": rng.choice(goals).value}
        yield at, fields

    def session(self, start: datetime, number: int) -> list[_Draft]:
        rng, habits = self.rng, self.habits
        device = habits.device if rng.random() < 0.8 else rng.choice(("mobile", "desktop"))
        common: dict[str, Any] = {
            "session_id": f"demo-s-{self.index:05d}-{number:04d}",
            "device_type": device,
            "channel": Channel.WEB if device == "desktop" else Channel.IN_APP,
        }
        method = "biometric" if device != "desktop" else "password"
        drafts: list[_Draft] = [
            (start, {**common, "event_type": EventType.LOGIN, "context": {"method": method}})
        ]
        at = start
        for _ in range(rng.choices(range(1, 10), weights=(20, 22, 18, 13, 10, 7, 5, 3, 2))[0]):
            at += timedelta(seconds=rng.randint(8, 240))
            drafts.extend(self.step(at, common))
            at = max(at, drafts[-1][0])
        at += timedelta(seconds=rng.randint(5, 120))
        duration = int((at - start).total_seconds())
        drafts.append(
            (
                at,
                {
                    **common,
                    "event_type": EventType.TIME_SPENT,
                    "context": {"duration_seconds": duration},
                },
            )
        )
        feedback = random.Random(f"feedback-{self.index}-{number}")  # own draws: see reading
        if feedback.random() < 0.04:
            at += timedelta(seconds=feedback.randint(2, 30))
            sentiment = round(max(-1.0, min(1.0, feedback.gauss(0.2, 0.5))), 2)
            drafts.append(
                (
                    at,
                    {
                        **common,
                        "event_type": EventType.FEEDBACK,
                        "context": {"sentiment": sentiment},
                    },
                )
            )
        if rng.random() < 0.7:  # the rest simply time out
            logout = at + timedelta(seconds=1)
            drafts.append((logout, {**common, "event_type": EventType.LOGOUT}))
        return drafts

    def starts(self, window_start: datetime, days: int, count: int) -> list[datetime]:
        rng, zone = self.rng, self.habits.zone
        first_day = window_start.astimezone(zone).date()
        starts: list[datetime] = []
        for _ in range(count):
            day = first_day + timedelta(days=rng.randrange(days + 1))
            if rng.random() < 0.1:
                hour = rng.uniform(0, 24)  # the odd night or off-pattern visit
            else:
                hour = min(23.9, max(5.5, rng.gauss(self.habits.peak_hour, 1.5)))
            local = datetime.combine(day, time(), zone) + timedelta(seconds=int(hour * 3600))
            starts.append(local.astimezone(UTC))
        return sorted(starts)

    def drafts(self, window_start: datetime, as_of: datetime, days: int) -> list[_Draft]:
        rng, habits = self.rng, self.habits
        drafts: list[_Draft] = []
        free_from = window_start
        starts = self.starts(window_start, days, _poisson(rng, habits.rate * days))
        for number, start in enumerate(starts, start=1):
            start = max(start, free_from)  # one session at a time
            session = self.session(start, number)
            free_from = session[-1][0] + timedelta(minutes=rng.randint(20, 240))
            drafts.extend(session)
        if self.personalized:
            drafts.extend(self.nudges(window_start, days))
        return [(at, fields) for at, fields in drafts if window_start <= at < as_of]

    def nudges(self, window_start: datetime, days: int) -> Iterator[_Draft]:
        """Recommendations seen outside the app: e-mail, push, or with an adviser."""
        rng, client = self.rng, self.client
        channels: list[tuple[Channel, float, str | None]] = []
        if self.habits.device != "desktop":
            channels.append((Channel.PUSH, 0.5, self.habits.device))
        if client.has_consent(ConsentPurpose.MARKETING):
            channels.append((Channel.EMAIL, 0.8, rng.choice(("mobile", "desktop"))))
        if client.net_worth_band in _WEALTHY:
            channels.append((Channel.ADVISOR, 0.4, None))
        for channel, monthly, device in channels:
            for _ in range(_poisson(rng, monthly * days / 30)):
                at = window_start + timedelta(seconds=rng.randrange(days * 86_400))
                common = {"channel": channel, "device_type": device}
                yield from self.recommendation(at, common)


def build_events(
    client: Client,
    portfolio: Portfolio | None,
    *,
    index: int,
    rng: random.Random,
    as_of: datetime,
    days: int,
    securities: Mapping[SecurityId, Security],
) -> list[Event]:
    """``days`` days of ``client``'s behaviour up to (not including) ``as_of``, oldest first."""
    if not client.has_consent(ConsentPurpose.TRACKING):
        return []
    habits = _habits(rng, client, portfolio, securities, as_of.year)
    held = [] if portfolio is None else [h.security_id for _, h in portfolio.holdings()]
    holdings = [s for s in held if securities[s].asset_class is not AssetClass.CASH]
    writer = _Client(rng, client, habits, index, holdings)
    drafts = writer.drafts(as_of - timedelta(days=days), as_of, days)
    drafts.sort(key=lambda draft: draft[0])
    return [
        Event(
            event_id=EventId(f"demo-evt-{index:05d}-{number:06d}"),
            client_id=client.client_id,
            occurred_at=at,
            **fields,
        )
        for number, (at, fields) in enumerate(drafts, start=1)
    ]
