"""The profile as the decision loop reads it: small, flat, and cheap to hold for a whole book.

A :class:`~nextbest.behavior.profile.ProfileReport` explains itself (sources, confidences,
priors); ranking needs only the resolved values. Per-category preferences are one ``array('f')``
over a fixed category order instead of a dict of Python floats, which is most of the saving.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from nextbest.behavior.profile import ProfileReport, ProfileStatus
from nextbest.domain.candidate import Category
from nextbest.domain.enums import (
    Channel,
    DetailLevel,
    EngagementLevel,
    InvestmentStyle,
    LifeStage,
    NotificationFrequency,
)

__all__ = ["CATEGORIES", "ServingProfile", "serving_profile"]

CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
"""The categories a serving profile has a slot for; others fall back to the segment mean."""
_INDEX = {name: index for index, name in enumerate(CATEGORIES)}
_EMPTY: frozenset[str] = frozenset()
_channels: dict[tuple[Channel, ...], tuple[Channel, ...]] = {}
_sets: dict[frozenset[str], frozenset[str]] = {}


@dataclass(frozen=True, slots=True)
class ServingProfile:
    client_id: str
    status: ProfileStatus
    personal_weight: float
    segment: int | None
    engagement: EngagementLevel
    detail_level: DetailLevel
    literacy: int
    notification_frequency: NotificationFrequency
    channels: tuple[Channel, ...]
    preferred_hour_utc: int | None
    style: InvestmentStyle
    life_stage: LifeStage
    category_means: array[float]
    default_mean: float
    dismissed: frozenset[str]
    hidden: frozenset[str]
    personalization: bool
    flags: int
    """Bit set: 1 drift, 2 shared account, 4 outlier, 8 inactive, 16 privacy mode."""

    def category_preference(self, category: str) -> float:
        index = _INDEX.get(category)
        if index is None:
            return self.default_mean
        value = self.category_means[index]
        return self.default_mean if value < 0 else value

    def suppressed(self, category: str) -> bool:
        """Hidden by the client or consistently dismissed: never suggest this category."""
        return category in self.hidden or category in self.dismissed


def _frozen(values: Iterable[str]) -> frozenset[str]:
    """One shared object for every equal set (most clients have the same few)."""
    items = frozenset(values)
    return _EMPTY if not items else _sets.setdefault(items, items)


def serving_profile(report: ProfileReport) -> ServingProfile:
    means = array("f", [-1.0] * len(CATEGORIES))
    for category in report.categories:
        index = _INDEX.get(category.category)
        if index is not None:
            means[index] = category.mean
    flags = (
        (1 if report.drift.detected else 0)
        | (2 if report.shared_account.detected else 0)
        | (4 if report.outlier.detected else 0)
        | (8 if report.inactive.detected else 0)
        | (16 if report.privacy_mode else 0)
    )
    channels = tuple(report.channels.value)
    channels = _channels.setdefault(channels, channels)
    return ServingProfile(
        client_id=report.client_id,
        status=report.status,
        personal_weight=report.personal_weight,
        segment=report.segment,
        engagement=report.engagement_level,
        detail_level=report.detail_level.value,
        literacy=report.financial_literacy.value,
        notification_frequency=report.notification_frequency.value,
        channels=channels,
        preferred_hour_utc=report.preferred_hour_utc.value,
        style=report.investment_style.value,
        life_stage=report.life_stage.value,
        category_means=means,
        default_mean=report.default_category_mean,
        dismissed=_frozen(report.dismissed_categories),
        hidden=_frozen(report.hidden_categories),
        personalization=report.personalization,
        flags=flags,
    )
