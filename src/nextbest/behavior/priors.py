"""What a client's segment suggests before their own behaviour says enough (cold start)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nextbest.domain.enums import DetailLevel, NotificationFrequency

__all__ = ["DEFAULT_PRIORS", "SegmentPriors"]


@dataclass(frozen=True, slots=True)
class SegmentPriors:
    """Segment-level stand-ins for personal values.

    ``category_means`` are acceptance shares (accepts over accepts plus dismissals) per category;
    ``strength`` is how many outcomes the prior is worth in each category's Beta posterior, so a
    client's own outcomes outweigh it after a handful.
    """

    segment: int | None = None
    label: str = "book default"
    category_means: Mapping[str, float] = field(default_factory=dict)
    default_mean: float = 0.5
    strength: float = 4.0
    literacy: float = 5.0
    detail_level: DetailLevel = DetailLevel.MODERATE
    notification_frequency: NotificationFrequency = NotificationFrequency.WEEKLY
    sessions_per_week: float = 1.0

    def category_mean(self, category: str) -> float:
        return self.category_means.get(category, self.default_mean)


DEFAULT_PRIORS = SegmentPriors()
"""Used before any segment model has been fitted: uninformative, neutral values."""
