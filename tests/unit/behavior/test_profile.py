"""The learned profile: inferences, cold start, overrides, and seed 002's edge cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nextbest.behavior.priors import SegmentPriors
from nextbest.behavior.profile import BUILDING_MESSAGE, ProfileRules, ProfileStatus, Source
from nextbest.behavior.serving import serving_profile
from nextbest.domain.client import Preferences
from nextbest.domain.enums import (
    Channel,
    DetailLevel,
    EngagementLevel,
    EventType,
    InvestmentStyle,
    LifeStage,
    NotificationFrequency,
)
from nextbest.domain.preferences import ExplicitPreferences
from tests.behaviour_builders import (
    NOW,
    client,
    daily_sessions,
    event,
    profile,
    retirement_goal,
)


def _views(days: int, *, expanded: bool, dwell: int, category: str = "TAX") -> list:
    return [
        event(
            EventType.RECOMMENDATION_VIEWED,
            NOW - timedelta(days=d, hours=1),
            category=category,
            expanded=expanded,
            dwell_seconds=dwell,
        )
        for d in range(1, days + 1)
    ]


# -- cold start --------------------------------------------------------------------------------


def test_a_new_client_gets_the_building_message_and_segment_values() -> None:
    priors = SegmentPriors(segment=2, label="s", literacy=8.0, detail_level=DetailLevel.DETAILED)
    report = profile(daily_sessions(3, topic="pensions", difficulty=1), priors=priors)
    assert report.status is ProfileStatus.BUILDING
    assert report.message == BUILDING_MESSAGE
    assert 0 < report.personal_weight < 0.2
    assert report.detail_level.source is Source.SEGMENT
    assert report.detail_level.value is DetailLevel.DETAILED
    assert report.financial_literacy.source is Source.SEGMENT


def test_the_blend_moves_from_the_segment_to_the_client_as_data_arrives() -> None:
    priors = SegmentPriors(literacy=9.0)
    weights, literacies = [], []
    for days in (2, 10, 20, 40):
        report = profile(
            daily_sessions(days, topic="pensions", difficulty=1, feature=None), priors=priors
        )
        weights.append(report.personal_weight)
        literacies.append(report.financial_literacy.value)
    assert weights == sorted(weights)
    assert weights[-1] == 1.0
    assert literacies[0] >= 8  # mostly the segment's 9
    assert literacies[-1] <= 3  # mostly the client's own easy reading
    assert literacies == sorted(literacies, reverse=True)


def test_a_full_month_of_activity_is_personalized() -> None:
    report = profile(daily_sessions(40))
    assert report.status is ProfileStatus.PERSONALIZED
    assert report.message is None
    assert report.personal_weight == 1.0


# -- inferences --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_day", "days_ago", "expected"),
    [
        (1, 0, EngagementLevel.HIGH),
        (0, 0, EngagementLevel.MEDIUM),
        (1, 45, EngagementLevel.LOW),
    ],
)
def test_engagement_follows_frequency_and_recency(
    per_day: int, days_ago: int, expected: EngagementLevel
) -> None:
    if per_day:
        events = daily_sessions(40, end=NOW - timedelta(days=days_ago))
    else:  # one session a week
        events = [e for e in daily_sessions(42) if (NOW - e.occurred_at).days % 7 == 0]
    assert profile(events).engagement_level is expected


def test_detail_preference_is_learned_from_expansions_and_reading_time() -> None:
    base = daily_sessions(40)
    assert (
        profile(base + _views(20, expanded=True, dwell=80)).detail_level.learned
        is DetailLevel.DETAILED
    )
    concise = profile(base + _views(20, expanded=False, dwell=5))
    assert concise.detail_level.value is DetailLevel.CONCISE
    assert concise.detail_level.source is Source.LEARNED
    assert concise.detail_level.learned_confidence > 0.6


def test_literacy_rises_with_hard_reading_and_advanced_tools() -> None:
    easy = profile(
        daily_sessions(40, feature="goal_planner", topic="investing_basics", difficulty=1)
    )
    hard = profile(daily_sessions(40, feature="trade", topic="capital_gains_tax", difficulty=5))
    assert easy.financial_literacy.value <= 3
    assert hard.financial_literacy.value >= 8
    assert hard.financial_literacy.source is Source.LEARNED


def test_style_channels_hour_and_session_length() -> None:
    report = profile(daily_sessions(40, feature="trade", hour=19))
    assert report.investment_style.value is InvestmentStyle.SELF_DIRECTED
    assert report.preferred_hour_utc.value == 19
    assert report.channels.value == (Channel.IN_APP,)
    assert report.average_session_seconds == pytest.approx(300)
    assert profile(daily_sessions(40, feature="goal_planner")).investment_style.value is (
        InvestmentStyle.GOAL_BASED
    )
    assert report.notification_frequency.value is NotificationFrequency.DAILY


def test_category_preferences_are_beta_posteriors_and_repeated_dismissals_filter() -> None:
    events = daily_sessions(40)
    for d in range(1, 6):
        at = NOW - timedelta(days=d)
        events.append(event(EventType.RECOMMENDATION_ACCEPTED, at, category="TAX"))
        events.append(event(EventType.RECOMMENDATION_DISMISSED, at, category="CASH"))
    report = profile(events, priors=SegmentPriors(category_means={"TAX": 0.5, "CASH": 0.5}))
    tax, cash = report.category("TAX"), report.category("CASH")
    assert tax is not None
    assert cash is not None
    assert tax.mean > 0.6 > 0.5 > 0.4 > cash.mean
    assert (tax.accepted, cash.dismissed) == (5, 5)
    assert tax.alpha == pytest.approx(2 + sum(2 ** (-d / 30) for d in range(1, 6)), rel=1e-3)
    assert report.dismissed_categories == ("CASH",)


@pytest.mark.parametrize(
    ("birth_year", "goal_year", "created", "expected"),
    [
        (2000, None, None, LifeStage.EARLY_CAREER),
        (1988, None, "EDUCATION", LifeStage.FAMILY_BUILDING),
        (1984, None, None, LifeStage.MID_CAREER),
        (1984, 2030, None, LifeStage.PRE_RETIREMENT),
        (1960, None, None, LifeStage.PRE_RETIREMENT),
        (1955, None, None, LifeStage.RETIRED),
    ],
)
def test_life_stage_from_age_and_goals(
    birth_year: int, goal_year: int | None, created: str | None, expected: LifeStage
) -> None:
    goals = () if goal_year is None else (retirement_goal(goal_year),)
    events = [] if created is None else [event(EventType.GOAL_CREATED, NOW, goal_type=created)]
    report = profile(events, who=client(birth_year=birth_year, goals=goals))
    assert report.life_stage.value is expected
    assert report.life_stage.source is Source.DERIVED


# -- explicit preferences always win -----------------------------------------------------------


def test_every_override_wins_over_what_was_learned() -> None:
    events = daily_sessions(40, feature="trade", topic="capital_gains_tax", difficulty=5)
    events += _views(20, expanded=True, dwell=90)
    learned = profile(events)
    assert learned.detail_level.value is DetailLevel.DETAILED
    assert learned.notification_frequency.value is NotificationFrequency.DAILY
    chosen = ExplicitPreferences(
        detail_level=DetailLevel.CONCISE,
        channels=(Channel.EMAIL,),
        notification_frequency=NotificationFrequency.MONTHLY,
        literacy_self_report=2,
        hidden_categories=frozenset({"TAX"}),
    )
    report = profile(events, preferences=chosen)
    assert (report.detail_level.value, report.detail_level.source) == (
        DetailLevel.CONCISE,
        Source.CLIENT,
    )
    assert report.detail_level.learned is DetailLevel.DETAILED  # still shown beside it
    assert report.channels.value == (Channel.EMAIL,)
    assert report.notification_frequency.value is NotificationFrequency.MONTHLY
    assert report.financial_literacy.source is Source.CLIENT
    assert report.financial_literacy.value <= 5  # 0.7 x 2 + 0.3 x learned 9-10
    assert report.financial_literacy.override == 2
    assert report.hidden_categories == frozenset({"TAX"})


def test_the_client_beats_the_host_profile_which_beats_learning() -> None:
    events = daily_sessions(40) + _views(20, expanded=True, dwell=90)
    host = client(preferences=Preferences(detail_level=DetailLevel.MODERATE))
    assert profile(events, who=host).detail_level.source is Source.HOST_PROFILE
    both = profile(
        events, who=host, preferences=ExplicitPreferences(detail_level=DetailLevel.CONCISE)
    )
    assert (both.detail_level.value, both.detail_level.source) == (
        DetailLevel.CONCISE,
        Source.CLIENT,
    )


def test_personalization_off_uses_no_personal_weight() -> None:
    report = profile(daily_sessions(40), preferences=ExplicitPreferences(personalization=False))
    assert report.status is ProfileStatus.OFF
    assert report.personal_weight == 0
    assert report.detail_level.source is Source.SEGMENT


# -- seed 002's edge cases ---------------------------------------------------------------------


def test_an_inactive_client_returning_is_judged_on_decayed_aggregates() -> None:
    events = daily_sessions(60, end=NOW - timedelta(days=200))
    for d in range(10):
        events.append(
            event(EventType.RECOMMENDATION_ACCEPTED, NOW - timedelta(days=201 + d), category="TAX")
        )
    then = profile(events, now=NOW - timedelta(days=199))
    later = profile(events)
    assert then.engagement_level is EngagementLevel.HIGH
    assert later.engagement_level is EngagementLevel.LOW
    assert later.inactive.detected
    assert not then.inactive.detected
    tax_then, tax_now = then.category("TAX"), later.category("TAX")
    assert tax_then is not None
    assert tax_now is not None
    assert tax_then.mean > 0.8
    assert tax_now.mean < 0.6  # 200 days = 6.7 half-lives: close to the neutral prior again
    assert later.feature_usage["goal_planner"] < then.feature_usage["goal_planner"] / 50


def test_events_from_several_devices_and_sessions_make_one_profile() -> None:
    phone = daily_sessions(40, device="mobile", hour=8)
    laptop = [
        event(
            e.event_type,
            e.occurred_at + timedelta(hours=1),
            device="desktop",
            session="s-2",
            channel=Channel.WEB,
            **e.context,
        )
        for e in daily_sessions(40, device="desktop", hour=8)
    ]
    report = profile(phone + laptop)
    assert set(report.devices) == {"mobile", "desktop"}
    assert report.interactions == len(phone) + len(laptop)
    assert report.sessions_per_week == pytest.approx(2 * profile(phone).sessions_per_week, rel=0.01)
    assert set(report.channels.value) == {Channel.IN_APP, Channel.WEB}
    assert not report.shared_account.detected  # same person: same hours, same things


def test_a_shared_account_shows_two_usage_patterns() -> None:
    morning_trader = daily_sessions(
        40, device="mobile", hour=7, feature="trade", topic="markets_weekly"
    )
    evening_planner = daily_sessions(
        40, device="desktop", hour=21, feature="goal_planner", topic="pensions"
    )
    report = profile(morning_trader + evening_planner)
    assert report.shared_account.detected
    assert "separate profiles" in (report.shared_account.reason or "")


def test_a_sudden_change_is_detected_and_recent_behaviour_takes_over() -> None:
    before = daily_sessions(
        60, end=NOW - timedelta(days=10), feature="goal_planner", topic="pensions"
    )
    after = daily_sessions(10, feature="trade", topic="markets_weekly")
    steady = profile(daily_sessions(70, feature="goal_planner", topic="pensions"))
    changed = profile(before + after)
    assert not steady.drift.detected
    assert changed.drift.detected
    assert changed.drift.score is not None
    assert changed.drift.score >= 0.15
    assert next(iter(changed.feature_usage)) == "trade"
    assert changed.investment_style.value is InvestmentStyle.SELF_DIRECTED
    without_fast_decay = profile(before + after, rules=ProfileRules(drift_threshold=1.0))
    assert next(iter(without_fast_decay.feature_usage)) == "goal_planner"


def test_an_extreme_outlier_is_flagged_and_leans_on_general_values() -> None:
    events = daily_sessions(40, per_day=40)
    report = profile(events, rules=ProfileRules(outlier_events_per_week=100))
    assert report.outlier.detected
    assert report.personal_weight <= 0.5
    assert not profile(events).outlier.detected


def test_changed_decay_settings_ask_for_a_rebuild() -> None:
    report = profile(daily_sessions(5), rules=ProfileRules(half_life_days=60))
    assert report.rebuild_needed
    assert any("rebuild" in note for note in report.notes)


def test_completeness_lists_what_is_missing() -> None:
    report = profile([])
    assert 0 <= report.completeness < 0.5
    assert "complete your financial goals" in report.missing


def test_the_serving_profile_carries_the_resolved_values() -> None:
    events = daily_sessions(40)
    for d in range(1, 6):
        events.append(
            event(EventType.RECOMMENDATION_DISMISSED, NOW - timedelta(days=d), category="CASH")
        )
    report = profile(events, preferences=ExplicitPreferences(hidden_categories=frozenset({"TAX"})))
    served = serving_profile(report)
    cash = report.category("CASH")
    assert cash is not None
    assert served.category_preference("CASH") == pytest.approx(cash.mean, abs=1e-6)
    assert served.category_preference("GOAL") == report.default_category_mean
    assert served.category_preference("UNHEARD_OF") == report.default_category_mean
    assert served.suppressed("CASH")
    assert served.suppressed("TAX")
    assert not served.suppressed("GOAL")
    assert served.detail_level is report.detail_level.value
    assert served.flags == 0
