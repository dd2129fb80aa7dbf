"""What a client told nextbest about how to be advised: these always win over what it learned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nextbest.domain.enums import Channel, DetailLevel, NotificationFrequency

__all__ = ["LITERACY_RANGE", "ExplicitPreferences"]

LITERACY_RANGE = (1, 10)


@dataclass(frozen=True, slots=True)
class ExplicitPreferences:
    """Set with ``PUT /v1/clients/{id}/preferences``; ``None`` means "learn it"."""

    detail_level: DetailLevel | None = None
    channels: tuple[Channel, ...] | None = None
    notification_frequency: NotificationFrequency | None = None
    hidden_categories: frozenset[str] = frozenset()
    literacy_self_report: int | None = None
    personalization: bool = True
    privacy_mode: bool = False
    updated_at: datetime | None = None

    def is_default(self) -> bool:
        return self == ExplicitPreferences(updated_at=self.updated_at)
