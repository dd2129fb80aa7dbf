"""The inferences behind a profile: each a small pure function of the decayed aggregates.

``behavior.profile`` calls them and resolves their answers against overrides and priors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from nextbest.behavior.state import ProfileState, device_keys
from nextbest.behavior.vocabulary import ADVANCED, PLANNING, SELF_DIRECTED
from nextbest.domain.client import Client
from nextbest.domain.enums import (
    DetailLevel,
    EngagementLevel,
    GoalType,
    InvestmentStyle,
    LifeStage,
    NotificationFrequency,
)
from nextbest.domain.preferences import ExplicitPreferences

__all__ = [
    "Flag",
    "behaviour_mix",
    "completeness",
    "engagement_level",
    "js_divergence",
    "learned_detail",
    "learned_frequency",
    "learned_literacy",
    "learned_style",
    "life_stage",
    "rate_per_week",
    "shared_account",
    "surprising",
    "top_values",
]

_DAY = 86_400.0
_WEEK = 7 * _DAY


@dataclass(frozen=True, slots=True)
class Flag:
    detected: bool
    reason: str | None = None
    score: float | None = None


# -- helpers -----------------------------------------------------------------------------------


def js_divergence(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen-Shannon divergence in bits (0 = same, 1 = disjoint) of two unnormalised mixes."""
    total_p, total_q = sum(p.values()), sum(q.values())
    if total_p <= 0 or total_q <= 0:
        return 0.0
    divergence = 0.0
    for key in p.keys() | q.keys():
        a, b = p.get(key, 0.0) / total_p, q.get(key, 0.0) / total_q
        m = (a + b) / 2
        if a > 0:
            divergence += 0.5 * a * math.log2(a / m)
        if b > 0:
            divergence += 0.5 * b * math.log2(b / m)
    return max(0.0, min(1.0, divergence))


def surprising(recent: Mapping[str, float], long_run: Mapping[str, float]) -> bool:
    """A G-test: is the recent mix unlikely (p < 0.001) to be drawn from the long-run one?

    The effect size (Jensen-Shannon) says the change is large; this says it is not the noise of
    a handful of recent events, which on its own often looks large.
    """
    from scipy.stats import chi2  # lazily: scipy.stats is slow to import

    keys = recent.keys() | long_run.keys()
    total_recent, total_long = sum(recent.values()), sum(long_run.values())
    smoothing = 0.5
    statistic = 0.0
    for key in keys:
        observed = recent.get(key, 0.0)
        if observed <= 0:
            continue
        share = (long_run.get(key, 0.0) + smoothing) / (total_long + smoothing * len(keys))
        statistic += 2 * observed * math.log(observed / (total_recent * share))
    return bool(statistic > chi2.ppf(0.999, max(1, len(keys) - 1)))


def rate_per_week(value: float, rate: float, age_seconds: float) -> float:
    """Events per week from a decayed count: steady state is ``rate_of_events / decay_rate``.

    With less history than the decay's memory the count has not reached steady state yet, so it
    is divided by the share of the memory that has filled.
    """
    filled = 1.0 - math.exp(-rate * max(age_seconds, _DAY))
    return value * rate * _WEEK / filled


def behaviour_mix(state: ProfileState, now: float, *, fast: bool) -> dict[str, float]:
    """What a client does, as one distribution: features, topics and recommendation outcomes.

    Devices and hours are left out: they change with a new phone or job, not with interests.
    """
    mix: dict[str, float] = {}
    for kind in ("feat", "topic", "view", "acc", "dis"):
        for name, value in state.values(kind, now, fast=fast).items():
            mix[f"{kind}:{name}"] = value
    return mix


def top_values(values: Mapping[str, float], limit: int = 10) -> dict[str, float]:
    ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    return {name: round(value, 3) for name, value in ranked[:limit] if value >= 0.005}


# -- the inferences ----------------------------------------------------------------------------


def engagement_level(sessions_per_week: float, recency_days: float | None) -> EngagementLevel:
    if recency_days is None:
        return EngagementLevel.LOW
    if sessions_per_week >= 2 and recency_days <= 7:
        return EngagementLevel.HIGH
    if sessions_per_week >= 0.5 and recency_days <= 30:
        return EngagementLevel.MEDIUM
    return EngagementLevel.LOW


def learned_detail(state: ProfileState, now: float, fast: bool) -> tuple[DetailLevel, float]:
    seen = state.value("detail_n", now, fast=fast)
    if seen <= 0:
        return DetailLevel.MODERATE, 0.0
    expansion = state.value("expanded", now, fast=fast) / seen
    dwell_n = state.value("dwell_n", now, fast=fast)
    dwell = state.value("dwell", now, fast=fast) / dwell_n if dwell_n > 0 else None
    if expansion >= 0.5 or (dwell is not None and dwell >= 45):
        level = DetailLevel.DETAILED
    elif expansion < 0.15 and (dwell is None or dwell < 15):
        level = DetailLevel.CONCISE
    else:
        level = DetailLevel.MODERATE
    return level, seen / (seen + 10)


def learned_literacy(state: ProfileState, now: float, fast: bool) -> tuple[float, float]:
    """1-10 from how hard the content read is (1-5) and the share of advanced tools used."""
    read = state.value("diff_n", now, fast=fast)
    used = state.values("feat", now, fast=fast)
    evidence: list[tuple[float, float]] = []
    if read > 0:
        difficulty = state.value("diff", now, fast=fast) / read
        evidence.append((1 + (difficulty - 1) * 9 / 4, read))
    total_used = sum(used.values())
    if total_used > 0:
        advanced = sum(value for name, value in used.items() if name in ADVANCED)
        evidence.append((2 + 7 * advanced / total_used, min(total_used, 10.0) / 2))
    weight = sum(w for _, w in evidence)
    if weight <= 0:
        return 5.0, 0.0
    score = sum(value * w for value, w in evidence) / weight
    return score, weight / (weight + 10)


def learned_frequency(
    sessions_per_week: float, dismissal_rate: float | None, viewed: int
) -> NotificationFrequency:
    order = [
        NotificationFrequency.MONTHLY,
        NotificationFrequency.WEEKLY,
        NotificationFrequency.DAILY,
    ]
    level = 2 if sessions_per_week >= 5 else 1 if sessions_per_week >= 1 else 0
    if dismissal_rate is not None and viewed >= 10 and dismissal_rate > 0.5:
        level = max(0, level - 1)  # most suggestions are pushed away: ask less often
    return order[level]


def learned_style(
    state: ProfileState, now: float, fast: bool, sessions_per_week: float
) -> tuple[InvestmentStyle, float]:
    used = {**state.values("feat", now, fast=fast), **state.values("topic", now, fast=fast)}
    planning = sum(value for name, value in used.items() if name in PLANNING)
    directed = sum(value for name, value in used.items() if name in SELF_DIRECTED)
    evidence = planning + directed
    if sessions_per_week < 0.25 or evidence < 1:
        return InvestmentStyle.HANDS_OFF, min(1.0, 0.5 + state.events / 40)
    style = (
        InvestmentStyle.SELF_DIRECTED if directed / evidence >= 0.55 else InvestmentStyle.GOAL_BASED
    )
    return style, evidence / (evidence + 5)


def life_stage(client: Client, year: int, created: Mapping[str, int]) -> LifeStage:
    """Seed 002's life stage, from age and the goals held or created."""
    age = client.age_in(year)
    goals = client.profile.goals
    types = {goal.goal_type for goal in goals} | {
        GoalType(name) for name in created if name in GoalType.__members__
    }
    retirement_years = [g.target_year - year for g in goals if g.goal_type is GoalType.RETIREMENT]
    if age >= 67 or any(years <= 0 for years in retirement_years):
        return LifeStage.RETIRED
    if age >= 50 or any(years <= 10 for years in retirement_years):
        return LifeStage.PRE_RETIREMENT
    if GoalType.EDUCATION in types or (age >= 28 and GoalType.HOME_PURCHASE in types):
        return LifeStage.FAMILY_BUILDING
    if age < 30:
        return LifeStage.EARLY_CAREER
    return LifeStage.MID_CAREER


def completeness(
    client: Client,
    prefs: ExplicitPreferences,
    history_days: float,
    cold_start_days: int,
    outcomes: int,
) -> tuple[float, tuple[str, ...]]:
    checks = [
        (client.income_band is not None, "add your household income band"),
        (client.net_worth_band is not None, "add your net-worth band"),
        (bool(client.profile.goals), "complete your financial goals"),
        (client.profile.preferences.esg_focus is not None, "say how much ESG matters to you"),
        (
            client.profile.preferences.commentary_tone is not None,
            "choose the tone you like to be written to in",
        ),
        (not prefs.is_default(), "set your communication preferences"),
        (prefs.literacy_self_report is not None, "tell us how familiar you are with investing"),
        (history_days >= cold_start_days, "keep using the app: we learn over a month"),
        (outcomes > 0, "rate or act on a few suggestions"),
    ]
    done = sum(1 for ok, _ in checks if ok)
    return done / len(checks), tuple(hint for ok, hint in checks if not ok)


def shared_account(state: ProfileState, now: float) -> Flag:
    """Two devices used at different hours for different things: likely two people."""
    devices = {name: state.value(f"dev:{name}", now) for name in device_keys(state)}
    total = sum(devices.values())
    busy = [name for name, value in devices.items() if value >= 15 and value / total >= 0.2]
    best: tuple[float, str, str] | None = None
    for index, first in enumerate(busy):
        for second in busy[index + 1 :]:
            hours_a = {h: state.value(f"dh:{first}:{h:02d}", now) for h in range(24)}
            hours_b = {h: state.value(f"dh:{second}:{h:02d}", now) for h in range(24)}
            sum_a, sum_b = sum(hours_a.values()), sum(hours_b.values())
            overlap = sum(min(hours_a[h] / sum_a, hours_b[h] / sum_b) for h in range(24))
            uses_a = state.values(f"df:{first}", now)
            uses_b = state.values(f"df:{second}", now)
            apart = js_divergence(uses_a, uses_b) if uses_a and uses_b else 0.0
            if overlap < 0.2 and apart >= 0.5 and (best is None or apart > best[0]):
                best = (apart, first, second)
    if best is None:
        return Flag(False)
    apart, first, second = best
    return Flag(
        True,
        f"two distinct usage patterns on {first} and {second}: different hours and different "
        "features; suggest separate profiles",
        round(apart, 3),
    )
