"""Synthetic clients: banded demographics, life-stage goals, preferences, screens and consents.

Income and wealth rise with age, risk tolerance falls with it (loosely), and goals follow the
client's stage of life: a 28-year-old saves for a deposit and an emergency fund, a 45-year-old
for school fees and retirement, a 70-year-old for what they will leave behind.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from nextbest.domain.client import Client, ClientProfile, Constraints, Goal, Preferences
from nextbest.domain.enums import (
    CommentaryTone,
    ConsentPurpose,
    Controversy,
    DetailLevel,
    EsgFocus,
    GoalType,
    IncomeBand,
    NetWorthBand,
    Priority,
    RiskTolerance,
    Sector,
)
from nextbest.domain.ids import ClientId, GoalId, SecurityId
from nextbest.domain.security import Security
from nextbest.sim.markets import MARKETS

__all__ = ["MAX_AGE", "MIN_AGE", "SCREENS", "build_client", "client_id"]

MIN_AGE = 22
MAX_AGE = 75

SCREENS = (
    Controversy.TOBACCO,
    Controversy.GAMBLING,
    Controversy.WEAPONS,
    Controversy.FOSSIL_FUELS,
    Controversy.ALCOHOL,
)
"""The negative screens demo clients choose from."""

_RISK = tuple(RiskTolerance)
_INCOME = tuple(IncomeBand)
_NET_WORTH = tuple(NetWorthBand)

_GOAL_WEIGHTS: dict[str, dict[GoalType, float]] = {
    "young": {
        GoalType.HOME_PURCHASE: 5,
        GoalType.EMERGENCY_FUND: 5,
        GoalType.WEALTH_GROWTH: 4,
        GoalType.RETIREMENT: 4,
        GoalType.MAJOR_PURCHASE: 2,
        GoalType.EDUCATION: 0.5,
        GoalType.CUSTOM: 0.6,
    },
    "family": {
        GoalType.RETIREMENT: 6,
        GoalType.EDUCATION: 5,
        GoalType.WEALTH_GROWTH: 3,
        GoalType.EMERGENCY_FUND: 2.5,
        GoalType.HOME_PURCHASE: 1.5,
        GoalType.MAJOR_PURCHASE: 2,
        GoalType.LEGACY: 0.5,
        GoalType.CUSTOM: 0.6,
    },
    "pre-retirement": {
        GoalType.RETIREMENT: 8,
        GoalType.WEALTH_GROWTH: 3,
        GoalType.LEGACY: 2,
        GoalType.EDUCATION: 1.5,
        GoalType.MAJOR_PURCHASE: 1.5,
        GoalType.EMERGENCY_FUND: 1,
        GoalType.CUSTOM: 0.6,
    },
    "retired": {
        GoalType.LEGACY: 5,
        GoalType.RETIREMENT: 3,
        GoalType.WEALTH_GROWTH: 2,
        GoalType.MAJOR_PURCHASE: 1.5,
        GoalType.EMERGENCY_FUND: 1,
        GoalType.CUSTOM: 0.6,
    },
}

# Years until the goal and its size in pounds (scaled by the client's market), low to high.
_GOAL_YEARS: dict[GoalType, tuple[int, int]] = {
    GoalType.EDUCATION: (1, 16),
    GoalType.HOME_PURCHASE: (1, 7),
    GoalType.EMERGENCY_FUND: (0, 2),
    GoalType.WEALTH_GROWTH: (5, 25),
    GoalType.MAJOR_PURCHASE: (1, 5),
    GoalType.LEGACY: (10, 25),
    GoalType.CUSTOM: (1, 10),
}
_GOAL_POUNDS: dict[GoalType, tuple[int, int]] = {
    GoalType.RETIREMENT: (150_000, 900_000),
    GoalType.EDUCATION: (20_000, 90_000),
    GoalType.HOME_PURCHASE: (15_000, 80_000),
    GoalType.EMERGENCY_FUND: (3_000, 25_000),
    GoalType.WEALTH_GROWTH: (50_000, 500_000),
    GoalType.MAJOR_PURCHASE: (8_000, 60_000),
    GoalType.LEGACY: (100_000, 1_000_000),
    GoalType.CUSTOM: (5_000, 100_000),
}
_GOAL_NAMES: dict[GoalType, tuple[str, ...]] = {
    GoalType.MAJOR_PURCHASE: ("New car", "Home renovation", "Wedding", "Boat"),
    GoalType.CUSTOM: ("Sabbatical", "Charity pledge", "Round-the-world trip", "Start a business"),
}
_HIGH_PRIORITY: dict[GoalType, float] = {
    GoalType.RETIREMENT: 0.6,
    GoalType.EMERGENCY_FUND: 0.55,
    GoalType.EDUCATION: 0.5,
    GoalType.HOME_PURCHASE: 0.45,
}


def client_id(index: int) -> ClientId:
    """``demo-00001`` for the first client."""
    return ClientId(f"demo-{index:05d}")


def _band(score: float, size: int) -> int:
    return min(size - 1, max(0, round(score)))


def _stage(age: int) -> str:
    if age < 35:
        return "young"
    if age < 50:
        return "family"
    if age < 65:
        return "pre-retirement"
    return "retired"


def _weighted_sample(rng: random.Random, weights: dict[GoalType, float], k: int) -> list[GoalType]:
    pool = dict(weights)
    chosen: list[GoalType] = []
    while pool and len(chosen) < k:
        pick = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.append(pick)
        del pool[pick]
    return chosen


def _round_amount(amount: float) -> Decimal:
    step = 1_000 if amount >= 10_000 else 100
    return Decimal(max(1, round(amount / step)) * step)


def _goal(
    rng: random.Random, goal_type: GoalType, *, age: int, income: int, country: str, year: int
) -> Goal:
    if goal_type is GoalType.RETIREMENT:
        target_year = year - age + rng.randint(60, 67)
        if target_year <= year:
            target_year = year + rng.randint(1, 3)
    else:
        low, high = _GOAL_YEARS[goal_type]
        target_year = year + rng.randint(low, high)
        if goal_type in {GoalType.EDUCATION, GoalType.WEALTH_GROWTH} and rng.random() < 0.15:
            target_year = year + rng.randint(1, 3)  # a goal falling due soon
    low_pounds, high_pounds = _GOAL_POUNDS[goal_type]
    pounds = rng.uniform(low_pounds, high_pounds) * (0.6 + 0.2 * income)
    if goal_type is GoalType.EDUCATION and country == "US":
        pounds *= 1.8  # college costs more than a UK or South African degree
    amount = _round_amount(pounds * float(MARKETS[country].scale))
    high_share = _HIGH_PRIORITY.get(goal_type, 0.2)
    priority = rng.choices(
        (Priority.HIGH, Priority.MEDIUM, Priority.LOW),
        weights=(high_share, (1 - high_share) * 0.65, (1 - high_share) * 0.35),
    )[0]
    names = _GOAL_NAMES.get(goal_type)
    name = rng.choice(names) if names and rng.random() < 0.7 else None
    return Goal(
        goal_id=GoalId(f"{goal_type.value.lower().replace('_', '-')}-1"),
        goal_type=goal_type,
        target_year=target_year,
        target_amount=amount,
        priority=priority,
        name=name,
    )


def _preferences(rng: random.Random, age: int) -> Preferences:
    esg = rng.choices(
        (EsgFocus.HIGH, EsgFocus.MEDIUM, EsgFocus.LOW, EsgFocus.NONE, None),
        weights=(32 if age < 40 else 21, 30, 22, 18, 4),
    )[0]
    tone = rng.choice(tuple(CommentaryTone)) if rng.random() < 0.9 else None
    detail = rng.choice(tuple(DetailLevel)) if rng.random() < 0.55 else None
    return Preferences(esg_focus=esg, commentary_tone=tone, detail_level=detail)


def _constraints(
    rng: random.Random, esg: EsgFocus | None, home_equities: Sequence[Security]
) -> Constraints:
    restricted: frozenset[Sector | Controversy] = frozenset()
    if rng.random() < (0.6 if esg is EsgFocus.HIGH else 0.2):
        count = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        restricted = frozenset(rng.sample(SCREENS, count))
    securities: frozenset[SecurityId] = frozenset()
    if home_equities and rng.random() < 0.04:
        # e.g. an employer's shares, which the client's employment contract keeps out
        picks = rng.sample(list(home_equities), min(len(home_equities), rng.randint(1, 2)))
        securities = frozenset(s.security_id for s in picks)
    return Constraints(restricted_sectors=restricted, restricted_securities=securities)


def _consents(rng: random.Random) -> dict[ConsentPurpose, bool]:
    consents = {
        ConsentPurpose.PERSONALIZATION: rng.random() >= 0.05,
        ConsentPurpose.TRACKING: rng.random() >= 0.08,
    }
    marketing = rng.random()
    if marketing < 0.30:
        consents[ConsentPurpose.MARKETING] = True
    elif marketing < 0.85:
        consents[ConsentPurpose.MARKETING] = False
    # The rest were never asked about marketing: a purpose never recorded counts as refused.
    return consents


def build_client(
    index: int,
    *,
    rng: random.Random,
    as_of: datetime,
    home_companies: Mapping[str, Sequence[Security]],
) -> Client:
    """One synthetic client, drawn from ``rng`` alone so it does not depend on the others."""
    year = as_of.year
    age = min(MAX_AGE, max(MIN_AGE, round(rng.triangular(MIN_AGE, MAX_AGE, 40))))
    country = rng.choices(("GB", "ZA", "US"), weights=(40, 30, 30))[0]
    market = MARKETS[country]
    income = _band(2.2 - ((age - 50) / 20) ** 2 + rng.gauss(0, 0.9), len(_INCOME))
    wealth = _band(
        0.3 + (age - MIN_AGE) / 53 * 2.2 + 0.35 * (income - 2) + rng.gauss(0, 0.7),
        len(_NET_WORTH),
    )
    risk = _band(3.1 - (age - MIN_AGE) / 53 * 2.4 + rng.gauss(0, 0.8), len(_RISK))
    count = rng.choices((1, 2, 3, 4), weights=(30, 35, 25, 10))[0]
    goal_types = _weighted_sample(rng, _GOAL_WEIGHTS[_stage(age)], count)
    goals = tuple(
        _goal(rng, goal_type, age=age, income=income, country=country, year=year)
        for goal_type in goal_types
    )
    preferences = _preferences(rng, age)
    return Client(
        client_id=client_id(index),
        birth_year=year - age,
        country=country,
        base_currency=market.currency,
        risk_tolerance=_RISK[risk],
        income_band=_INCOME[income],
        net_worth_band=_NET_WORTH[wealth],
        profile=ClientProfile(
            goals=goals,
            preferences=preferences,
            constraints=_constraints(rng, preferences.esg_focus, home_companies[country]),
        ),
        consents=_consents(rng),
    )
