"""The client features the contextual model learns from, at the moment of a decision.

One fixed, named list, so a stored vector always means the same thing and the decision log can
show each value by name. Every feature is scaled to about [0, 1]. The action-specific ones (the
client's own acceptance of the action's category, how much of its reading is about it, the
finding's urgency, the action's kind) are filled per action.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from nextbest.behavior.profile import ProfileReport
from nextbest.behavior.vocabulary import CATEGORY_TOPICS
from nextbest.decision.catalog import Action
from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client
from nextbest.domain.enums import (
    Channel,
    EngagementLevel,
    InvestmentStyle,
    LifeStage,
    RiskTolerance,
)

__all__ = [
    "AGE_BANDS",
    "COUNTRIES",
    "FEATURES",
    "MAX_SEGMENTS",
    "action_vector",
    "age_band",
    "client_features",
    "named",
]

MAX_SEGMENTS = 8
"""Segments with their own indicator; higher segment numbers share the last one."""
COUNTRIES = ("GB", "ZA", "US")
"""The markets nextbest knows (tax wrappers, locales); a client elsewhere has none set."""

AGE_BANDS = ("under-30", "30s", "40s", "50s", "60s", "70-plus")
"""Decade bands of age, each with its own indicator: tastes follow the stage of life, which a
single linear age term cannot bend to (the middle-aged may want what neither the young nor the
old do)."""
READING_EVIDENCE = 2.0
"""Decayed reads at which the share of reading about a category counts half: one article says
little, a habit says a lot."""
HISTORY_SCALE = math.log(21)
"""Accepts or dismissals in a category scaled so that 20 is 1."""

_RISK = {
    RiskTolerance.VERY_LOW: 0.0,
    RiskTolerance.LOW: 0.25,
    RiskTolerance.MEDIUM: 0.5,
    RiskTolerance.HIGH: 0.75,
    RiskTolerance.VERY_HIGH: 1.0,
}

FEATURES: tuple[str, ...] = (
    "bias",
    *(f"engagement.{level.value}" for level in EngagementLevel),
    *(f"life_stage.{stage.value}" for stage in LifeStage),
    *(f"style.{style.value}" for style in InvestmentStyle),
    *(f"channel.{channel.value}" for channel in Channel),
    *(f"segment.{n}" for n in range(MAX_SEGMENTS)),
    *(f"country.{country}" for country in COUNTRIES),
    *(f"age.{band}" for band in AGE_BANDS),
    *(f"risk.{risk.value}" for risk in RiskTolerance),
    "literacy",
    "risk_tolerance",
    "age",
    "personal_weight",
    "sessions_per_week",
    "category.mean",
    "category.accepted",
    "category.dismissed",
    "category.interest",
    "finding",
    "finding.urgency",
    "content",
    "regulated",
)
_INDEX = {name: i for i, name in enumerate(FEATURES)}


def client_features(
    client: Client, profile: ProfileReport, channel: Channel, *, year: int
) -> dict[str, float]:
    """The features shared by every action considered for one request."""
    features = {
        "bias": 1.0,
        f"engagement.{profile.engagement_level.value}": 1.0,
        f"life_stage.{profile.life_stage.value.value}": 1.0,
        f"style.{profile.investment_style.value.value}": 1.0,
        f"channel.{channel.value}": 1.0,
        "literacy": profile.financial_literacy.value / 10,
        "risk_tolerance": _RISK[client.risk_tolerance],
        "age": min(client.age_in(year), 100) / 100,
        "personal_weight": profile.personal_weight,
        "sessions_per_week": min(profile.sessions_per_week, 14.0) / 14,
    }
    features[f"age.{age_band(client.age_in(year))}"] = 1.0
    features[f"risk.{client.risk_tolerance.value}"] = 1.0
    if client.country in COUNTRIES:
        features[f"country.{client.country}"] = 1.0
    if profile.segment is not None:
        features[f"segment.{min(profile.segment, MAX_SEGMENTS - 1)}"] = 1.0
    return features


def action_vector(
    shared: Mapping[str, float],
    action: Action,
    candidate: Candidate | None,
    profile: ProfileReport,
) -> NDArray[np.float64]:
    """The feature vector for one action: the shared features, the action's kind, and the
    client's own history with the action's category.

    The category's learned acceptance is blended with the segment's prior by the personal
    weight (seed 002: full after 30 days). The counts of accepts and dismissals, and the share
    of reading about the category, enter as they are, scaled by how much evidence they hold
    rather than by the client's age in the book: a client who dismissed three tax suggestions
    in its first week has said something, and the model learns how much to trust it."""
    vector = np.zeros(len(FEATURES))
    for name, value in shared.items():
        vector[_INDEX[name]] = value
    prior = profile.default_category_mean
    vector[_INDEX["category.mean"]] = prior
    preference = profile.category(action.category.value)
    if preference is not None:
        weight = profile.personal_weight
        vector[_INDEX["category.mean"]] = weight * preference.mean + (1 - weight) * prior
        vector[_INDEX["category.accepted"]] = math.log1p(preference.accepted) / HISTORY_SCALE
        vector[_INDEX["category.dismissed"]] = math.log1p(preference.dismissed) / HISTORY_SCALE
    vector[_INDEX["category.interest"]] = _interest(profile, action.category.value)
    vector[_INDEX["content"]] = float(action.content)
    vector[_INDEX["regulated"]] = float(action.regulated)
    if candidate is not None:
        vector[_INDEX["finding"]] = 1.0
        vector[_INDEX["finding.urgency"]] = candidate.urgency / 100
    return vector


def age_band(age: int) -> str:
    """The client's decade band (``AGE_BANDS``)."""
    if age < 30:
        return AGE_BANDS[0]
    if age >= 70:
        return AGE_BANDS[-1]
    return AGE_BANDS[age // 10 - 2]


def _interest(profile: ProfileReport, category: str) -> float:
    """The share of the client's recent reading that is about ``category``, shrunk towards 0
    while the client has read little (``READING_EVIDENCE``)."""
    topics = CATEGORY_TOPICS.get(category)
    total = sum(profile.topics.values())
    if not topics or total <= 0:
        return 0.0
    share = sum(weight for topic, weight in profile.topics.items() if topic in topics) / total
    return share * total / (total + READING_EVIDENCE)


def named(vector: NDArray[np.float64]) -> dict[str, float]:
    """The non-zero features of a vector by name, for the decision log."""
    return {FEATURES[i]: round(float(v), 6) for i, v in enumerate(vector) if v != 0.0}
