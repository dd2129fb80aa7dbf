"""From aggregates to a profile: learned values with their confidence, beside any override.

Everything here is a pure function of (aggregates, client, explicit preferences, segment priors,
now). Aggregates are decayed to ``now`` before use, so a client returning after months is judged
on what is left of their old behaviour, not on how they were then.

Precedence, strongest first: what the client set (``CLIENT``), what the host put on the client
profile (``HOST_PROFILE``), what nextbest learned (``LEARNED``), the segment's prior (``SEGMENT``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from nextbest.behavior.inference import (
    Flag,
    behaviour_mix,
    completeness,
    engagement_level,
    js_divergence,
    learned_detail,
    learned_frequency,
    learned_literacy,
    learned_style,
    life_stage,
    rate_per_week,
    shared_account,
    surprising,
    top_values,
)
from nextbest.behavior.priors import SegmentPriors
from nextbest.behavior.state import ProfileState
from nextbest.domain.client import Client
from nextbest.domain.enums import (
    Channel,
    DetailLevel,
    EngagementLevel,
    InvestmentStyle,
    LifeStage,
    NotificationFrequency,
)
from nextbest.domain.preferences import ExplicitPreferences

__all__ = [
    "BUILDING_MESSAGE",
    "CategoryPreference",
    "Flag",
    "Learned",
    "ProfileReport",
    "ProfileRules",
    "ProfileStatus",
    "Source",
    "build_profile",
]

BUILDING_MESSAGE = "Building your personalized profile. Complete more actions for tailored advice"
"""Seed 002's answer while a profile has too little history."""

_DAY = 86_400.0
_WEEK = 7 * _DAY
_T = TypeVar("_T")


class Source(StrEnum):
    CLIENT = "CLIENT"
    HOST_PROFILE = "HOST_PROFILE"
    LEARNED = "LEARNED"
    SEGMENT = "SEGMENT"
    DERIVED = "DERIVED"


class ProfileStatus(StrEnum):
    BUILDING = "BUILDING"
    PERSONALIZED = "PERSONALIZED"
    OFF = "OFF"


@dataclass(frozen=True, slots=True)
class ProfileRules:
    """The settings that shape a profile (``behaviour`` in the settings)."""

    cold_start_days: int = 30
    min_interactions: int = 20
    drift_threshold: float = 0.15
    half_life_days: float = 30.0
    fast_half_life_days: float = 7.0
    drift_min_recent_events: float = 8.0
    """Recent (fast-decayed) feature, topic and recommendation events needed to judge drift."""
    inactive_days: int = 60
    outlier_events_per_week: float | None = None
    """Activity above which a client is an outlier (from the segment model: 5 x the book p99)."""


@dataclass(frozen=True, slots=True)
class Learned(Generic[_T]):
    """One profile value: what is used, where it came from, and what was learned beside it."""

    value: _T
    source: Source
    confidence: float
    learned: _T | None = None
    learned_confidence: float = 0.0
    override: _T | None = None
    prior: _T | None = None


@dataclass(frozen=True, slots=True)
class CategoryPreference:
    """A time-decayed Beta posterior of a client's accepts and dismissals in one category."""

    category: str
    mean: float
    alpha: float
    beta: float
    accepted: int
    dismissed: int


@dataclass(frozen=True, slots=True)
class ProfileReport:
    client_id: str
    as_of: datetime
    status: ProfileStatus
    message: str | None
    history_days: float
    interactions: int
    personal_weight: float
    segment: int | None
    segment_label: str
    # behaviour aggregates, decayed to as_of
    engagement_level: EngagementLevel
    sessions_per_week: float
    logins_per_week: float
    events_per_week: float
    recency_days: float | None
    average_session_seconds: float | None
    feature_usage: Mapping[str, float]
    topics: Mapping[str, float]
    goal_types_created: Mapping[str, int]
    devices: Mapping[str, float]
    recommendations_viewed: int
    recommendations_accepted: int
    recommendations_dismissed: int
    categories: tuple[CategoryPreference, ...]
    default_category_mean: float
    """The prior acceptance share of a category the client has no outcomes in."""
    dismissed_categories: tuple[str, ...]
    satisfaction: float | None
    # learned and resolved values
    detail_level: Learned[DetailLevel]
    financial_literacy: Learned[int]
    notification_frequency: Learned[NotificationFrequency]
    channels: Learned[tuple[Channel, ...]]
    preferred_hour_utc: Learned[int | None]
    investment_style: Learned[InvestmentStyle]
    life_stage: Learned[LifeStage]
    hidden_categories: frozenset[str]
    personalization: bool
    privacy_mode: bool
    completeness: float
    missing: tuple[str, ...]
    # edge cases
    drift: Flag
    shared_account: Flag
    outlier: Flag
    inactive: Flag
    rebuild_needed: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def acceptance_rate(self) -> float | None:
        viewed = self.recommendations_viewed
        return None if viewed == 0 else self.recommendations_accepted / viewed

    @property
    def dismissal_rate(self) -> float | None:
        viewed = self.recommendations_viewed
        return None if viewed == 0 else self.recommendations_dismissed / viewed

    def category(self, name: str) -> CategoryPreference | None:
        return next((c for c in self.categories if c.category == name), None)


def _resolve(
    override: _T | None,
    host: _T | None,
    learned: _T,
    learned_confidence: float,
    prior: _T,
    weight: float,
) -> Learned[_T]:
    if override is not None:
        return Learned(override, Source.CLIENT, 1.0, learned, learned_confidence, override, prior)
    if host is not None:
        return Learned(host, Source.HOST_PROFILE, 1.0, learned, learned_confidence, None, prior)
    trusted = learned_confidence * weight
    if trusted >= 0.25:
        return Learned(learned, Source.LEARNED, trusted, learned, learned_confidence, None, prior)
    return Learned(prior, Source.SEGMENT, 1.0 - trusted, learned, learned_confidence, None, prior)


# -- the profile -------------------------------------------------------------------------------


def build_profile(
    state: ProfileState,
    *,
    client: Client,
    preferences: ExplicitPreferences,
    priors: SegmentPriors,
    rules: ProfileRules,
    now: datetime,
) -> ProfileReport:
    """The client's profile as of ``now``: aggregates decayed, values learned and resolved."""
    at = now.timestamp()
    notes: list[str] = []
    history_days = 0.0 if state.first_at is None else max(0.0, (at - state.first_at) / _DAY)
    recency = None if state.last_at is None else max(0.0, (at - state.last_at) / _DAY)
    age_seconds = history_days * _DAY

    slow_mix, fast_mix = behaviour_mix(state, at, fast=False), behaviour_mix(state, at, fast=True)
    # The slow sums include the recent events too; taking the fast sums out leaves (roughly)
    # the older behaviour to compare the recent one with.
    older = {key: max(0.0, value - fast_mix.get(key, 0.0)) for key, value in slow_mix.items()}
    recent = sum(fast_mix.values())
    divergence = js_divergence(older, fast_mix)
    drifted = (
        recent >= rules.drift_min_recent_events
        and divergence >= rules.drift_threshold
        and surprising(fast_mix, older)
    )
    drift = Flag(
        drifted,
        "recent behaviour differs from the long-run pattern: the recent half-life is used"
        if drifted
        else None,
        round(divergence, 3),
    )
    fast = drifted
    decay = state.decay
    rate = decay.fast_rate if fast else decay.slow_rate

    sessions = max(
        state.value("sess:LOGIN", at, fast=fast), state.value("sess:TIME_SPENT", at, fast=fast)
    )
    sessions_per_week = rate_per_week(sessions, rate, age_seconds)
    logins_per_week = rate_per_week(state.value("sess:LOGIN", at, fast=fast), rate, age_seconds)
    events_per_week = rate_per_week(state.value("act", at), decay.slow_rate, age_seconds)
    engagement = engagement_level(sessions_per_week, recency)
    inactive = Flag(
        recency is not None and recency > rules.inactive_days,
        None
        if recency is None or recency <= rules.inactive_days
        else f"no activity for {recency:.0f} days: older behaviour has been decayed before use",
        None if recency is None else round(recency, 1),
    )
    outlier_limit = rules.outlier_events_per_week
    is_outlier = outlier_limit is not None and events_per_week > outlier_limit
    outlier = Flag(
        is_outlier,
        f"{events_per_week:.0f} events a week is far beyond the book: robust general "
        "recommendations are weighted more"
        if is_outlier
        else None,
        round(events_per_week, 2),
    )

    # cold start: a personal weight that grows with history and interactions
    weight = min(1.0, history_days / rules.cold_start_days) * min(
        1.0, state.events / rules.min_interactions
    )
    if is_outlier:
        weight = min(weight, 0.5)
    if not preferences.personalization:
        status, message, weight = ProfileStatus.OFF, "Personalization is turned off", 0.0
    elif history_days < rules.cold_start_days or state.events < rules.min_interactions:
        status, message = ProfileStatus.BUILDING, BUILDING_MESSAGE
    else:
        status, message = ProfileStatus.PERSONALIZED, None

    # recommendations and categories
    viewed = state.count("rec:viewed")
    accepted, dismissed = state.count("rec:accepted"), state.count("rec:dismissed")
    accepts = state.values("acc", at, fast=fast)
    dismissals = state.values("dis", at, fast=fast)
    names = sorted(accepts.keys() | dismissals.keys() | state.values("view", at).keys())
    categories = []
    for name in names:
        mean = priors.category_mean(name)
        alpha = priors.strength * mean + accepts.get(name, 0.0)
        beta = priors.strength * (1 - mean) + dismissals.get(name, 0.0)
        categories.append(
            CategoryPreference(
                name,
                round(alpha / (alpha + beta), 4),
                round(alpha, 4),
                round(beta, 4),
                state.count(f"acc:{name}"),
                state.count(f"dis:{name}"),
            )
        )
    rejected = tuple(
        c.category
        for c in categories
        if c.dismissed >= 3
        and dismissals.get(c.category, 0.0) >= 2
        and dismissals.get(c.category, 0.0)
        / (dismissals.get(c.category, 0.0) + accepts.get(c.category, 0.0))
        >= 0.8
    )

    # learned preferences
    detail, detail_confidence = learned_detail(state, at, fast)
    detail_level = _resolve(
        preferences.detail_level,
        client.profile.preferences.detail_level,
        detail,
        detail_confidence,
        priors.detail_level,
        weight,
    )

    literacy_raw, literacy_confidence = learned_literacy(state, at, fast)
    trusted = literacy_confidence * weight
    blended = trusted * literacy_raw + (1 - trusted) * priors.literacy
    self_report = preferences.literacy_self_report
    if self_report is not None:
        value = 0.7 * self_report + 0.3 * blended if trusted >= 0.25 else float(self_report)
        literacy_source = Source.CLIENT
        literacy_conf = 1.0
    else:
        value = blended
        literacy_source = Source.LEARNED if trusted >= 0.5 else Source.SEGMENT
        literacy_conf = trusted if trusted >= 0.5 else 1 - trusted
    literacy = Learned(
        min(10, max(1, round(value))),
        literacy_source,
        round(literacy_conf, 3),
        min(10, max(1, round(literacy_raw))) if literacy_confidence > 0 else None,
        round(literacy_confidence, 3),
        self_report,
        min(10, max(1, round(priors.literacy))),
    )

    dismissal_rate = None if viewed == 0 else dismissed / viewed
    frequency_learned = learned_frequency(sessions_per_week, dismissal_rate, viewed)
    sessions_seen = state.count("type:LOGIN") + state.count("type:TIME_SPENT")
    frequency = _resolve(
        preferences.notification_frequency,
        None,
        frequency_learned,
        min(1.0, sessions_seen / 20),
        priors.notification_frequency,
        weight,
    )

    channel_use = state.values("ch", at, fast=fast)
    channel_total = sum(channel_use.values())
    ranked = tuple(
        Channel(name)
        for name, value in sorted(channel_use.items(), key=lambda item: (-item[1], item[0]))
        if name in Channel.__members__ and channel_total > 0 and value / channel_total >= 0.1
    )
    channel_confidence = (
        0.0 if not ranked else channel_use[ranked[0].value] / channel_total
    ) * min(1.0, channel_total / 10)
    channels = _resolve(
        preferences.channels, None, ranked, channel_confidence, (Channel.IN_APP,), weight
    )

    hours = [state.value(f"hr:{h:02d}", at, fast=fast) for h in range(24)]
    smoothed = [hours[h - 1] + hours[h] + hours[(h + 1) % 24] for h in range(24)]
    hour_total = sum(hours)
    peak = max(range(24), key=lambda h: (smoothed[h], hours[h], -h))
    hour_confidence = 0.0 if hour_total <= 0 else min(1.0, smoothed[peak] / hour_total)
    hour_confidence *= min(1.0, hour_total / 10)
    preferred_hour = _resolve(
        None, None, peak if hour_total > 0 else None, hour_confidence, None, weight
    )

    style, style_confidence = learned_style(state, at, fast, sessions_per_week)
    investment_style = _resolve(
        None, None, style, style_confidence, InvestmentStyle.HANDS_OFF, weight
    )
    created = {name[5:]: count for name, count in state.counts.items() if name.startswith("goal:")}
    stage = life_stage(client, now.year, created)
    outcomes = accepted + dismissed
    complete, missing = completeness(
        client, preferences, history_days, rules.cold_start_days, outcomes
    )

    satisfaction_n = state.value("sat_n", at)
    satisfaction = (
        None if satisfaction_n <= 0 else round(state.value("sat", at) / satisfaction_n, 3)
    )
    duration_n = state.value("dur_n", at, fast=fast)
    rebuild = (
        state.half_life_days != rules.half_life_days
        or state.fast_half_life_days != rules.fast_half_life_days
    ) and state.events > 0
    if rebuild:
        notes.append(
            "the decay settings changed since these aggregates were built: run "
            "`nextbest profiles rebuild`"
        )
    if preferences.privacy_mode:
        notes.append("privacy mode: only aggregates are kept, raw events are not retained")

    return ProfileReport(
        client_id=client.client_id,
        as_of=now,
        status=status,
        message=message,
        history_days=round(history_days, 2),
        interactions=state.events,
        personal_weight=round(weight, 3),
        segment=priors.segment,
        segment_label=priors.label,
        engagement_level=engagement,
        sessions_per_week=round(sessions_per_week, 3),
        logins_per_week=round(logins_per_week, 3),
        events_per_week=round(events_per_week, 3),
        recency_days=None if recency is None else round(recency, 2),
        average_session_seconds=None
        if duration_n <= 0
        else round(state.value("dur", at, fast=fast) / duration_n, 1),
        feature_usage=top_values(state.values("feat", at, fast=fast)),
        topics=top_values(state.values("topic", at, fast=fast)),
        goal_types_created=created,
        devices=top_values(state.values("dev", at, fast=fast)),
        recommendations_viewed=viewed,
        recommendations_accepted=accepted,
        recommendations_dismissed=dismissed,
        categories=tuple(categories),
        default_category_mean=priors.default_mean,
        dismissed_categories=rejected,
        satisfaction=satisfaction,
        detail_level=detail_level,
        financial_literacy=literacy,
        notification_frequency=frequency,
        channels=channels,
        preferred_hour_utc=preferred_hour,
        investment_style=investment_style,
        life_stage=Learned(stage, Source.DERIVED, 1.0, stage, 1.0),
        hidden_categories=preferences.hidden_categories,
        personalization=preferences.personalization,
        privacy_mode=preferences.privacy_mode,
        completeness=round(complete, 3),
        missing=missing,
        drift=drift,
        shared_account=shared_account(state, at),
        outlier=outlier,
        inactive=inactive,
        rebuild_needed=rebuild,
        notes=tuple(notes),
    )
