"""Wire shapes of the behaviour profile and of a client's explicit preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, Field, field_validator

from nextbest.api.schemas.common import StrictModel
from nextbest.behavior.profile import Flag, Learned, ProfileReport, ProfileStatus, Source
from nextbest.domain.enums import (
    Channel,
    DetailLevel,
    EngagementLevel,
    InvestmentStyle,
    LifeStage,
    NotificationFrequency,
)
from nextbest.domain.preferences import LITERACY_RANGE, ExplicitPreferences

__all__ = ["PreferencesIn", "PreferencesOut", "ProfileOut"]

_T = TypeVar("_T")
CategoryCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class PreferencesIn(StrictModel):
    """What the client chose. Every field left out means "learn it" (or the default)."""

    detail_level: DetailLevel | None = None
    channels: Annotated[list[Channel] | None, Field(min_length=1, max_length=6)] = None
    notification_frequency: NotificationFrequency | None = None
    hidden_categories: Annotated[list[CategoryCode], Field(max_length=50)] = Field(
        default_factory=list, description="Categories never to suggest"
    )
    literacy_self_report: Annotated[
        int | None, Field(ge=LITERACY_RANGE[0], le=LITERACY_RANGE[1])
    ] = Field(default=None, description="How familiar the client says they are with investing")
    personalization: bool = Field(
        default=True, description="False: standard recommendations, nothing personal used"
    )
    privacy_mode: bool = Field(
        default=False,
        description="True: only aggregates are kept; raw events are deleted and not retained",
    )

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[Channel] | None) -> list[Channel] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("each channel may be listed once")
        return value

    def to_domain(self) -> ExplicitPreferences:
        return ExplicitPreferences(
            detail_level=self.detail_level,
            channels=None if self.channels is None else tuple(self.channels),
            notification_frequency=self.notification_frequency,
            hidden_categories=frozenset(self.hidden_categories),
            literacy_self_report=self.literacy_self_report,
            personalization=self.personalization,
            privacy_mode=self.privacy_mode,
        )


class PreferencesOut(BaseModel):
    detail_level: DetailLevel | None
    channels: list[Channel] | None
    notification_frequency: NotificationFrequency | None
    hidden_categories: list[str]
    literacy_self_report: int | None
    personalization: bool
    privacy_mode: bool
    updated_at: datetime | None
    raw_events_deleted: int = Field(
        default=0, description="Raw events deleted because privacy mode was just switched on"
    )

    @classmethod
    def from_domain(cls, preferences: ExplicitPreferences, deleted: int = 0) -> PreferencesOut:
        return cls(
            detail_level=preferences.detail_level,
            channels=None if preferences.channels is None else list(preferences.channels),
            notification_frequency=preferences.notification_frequency,
            hidden_categories=sorted(preferences.hidden_categories),
            literacy_self_report=preferences.literacy_self_report,
            personalization=preferences.personalization,
            privacy_mode=preferences.privacy_mode,
            updated_at=preferences.updated_at,
            raw_events_deleted=deleted,
        )


class LearnedOut(BaseModel, Generic[_T]):
    """The value used, its source, and what was learned and overridden beside it."""

    value: _T
    source: Source
    confidence: float
    learned: _T | None = None
    learned_confidence: float
    override: _T | None = None
    prior: _T | None = None

    @classmethod
    def of(cls, item: Learned[Any]) -> Any:
        return cls(
            value=item.value,
            source=item.source,
            confidence=round(item.confidence, 3),
            learned=item.learned,
            learned_confidence=round(item.learned_confidence, 3),
            override=item.override,
            prior=item.prior,
        )


class FlagOut(BaseModel):
    detected: bool
    reason: str | None = None
    score: float | None = None

    @classmethod
    def of(cls, flag: Flag) -> FlagOut:
        return cls(detected=flag.detected, reason=flag.reason, score=flag.score)


class CategoryOut(BaseModel):
    category: str
    preference: float = Field(description="Posterior mean of accepting, from 0 to 1")
    alpha: float
    beta: float
    accepted: int
    dismissed: int


class RecommendationStats(BaseModel):
    viewed: int
    accepted: int
    dismissed: int
    acceptance_rate: float | None
    dismissal_rate: float | None


class BehaviourOut(BaseModel):
    engagement_level: EngagementLevel
    sessions_per_week: float
    logins_per_week: float
    recency_days: float | None
    average_session_seconds: float | None
    feature_usage: dict[str, float]
    topics: dict[str, float]
    goal_types_created: dict[str, int]
    devices: dict[str, float]
    recommendations: RecommendationStats
    categories: list[CategoryOut]
    dismissed_categories: list[str]
    satisfaction: float | None


class ProfileValuesOut(BaseModel):
    detail_level: LearnedOut[DetailLevel]
    financial_literacy: LearnedOut[int]
    notification_frequency: LearnedOut[NotificationFrequency]
    channels: LearnedOut[list[Channel]]
    preferred_hour_utc: LearnedOut[int | None]
    investment_style: LearnedOut[InvestmentStyle]
    life_stage: LearnedOut[LifeStage]


class FlagsOut(BaseModel):
    drift: FlagOut
    shared_account: FlagOut
    outlier: FlagOut
    inactive: FlagOut


class ProfileOut(BaseModel):
    """Everything nextbest learned about the client, beside what the client set."""

    client_id: str
    as_of: datetime
    status: ProfileStatus
    message: str | None = Field(description="Shown to the client while the profile is built")
    history_days: float
    interactions: int
    personal_weight: float = Field(description="0: segment priors only; 1: fully personal")
    segment: int | None
    segment_label: str
    values: ProfileValuesOut
    behaviour: BehaviourOut
    hidden_categories: list[str]
    personalization: bool
    privacy_mode: bool
    completeness: float
    to_improve: list[str] = Field(description="What would make suggestions more relevant")
    flags: FlagsOut
    rebuild_needed: bool
    notes: list[str]

    @classmethod
    def from_domain(cls, report: ProfileReport) -> ProfileOut:
        channels = report.channels
        return cls(
            client_id=report.client_id,
            as_of=report.as_of,
            status=report.status,
            message=report.message,
            history_days=report.history_days,
            interactions=report.interactions,
            personal_weight=report.personal_weight,
            segment=report.segment,
            segment_label=report.segment_label,
            values=ProfileValuesOut(
                detail_level=LearnedOut[DetailLevel].of(report.detail_level),
                financial_literacy=LearnedOut[int].of(report.financial_literacy),
                notification_frequency=LearnedOut[NotificationFrequency].of(
                    report.notification_frequency
                ),
                channels=LearnedOut[list[Channel]](
                    value=list(channels.value),
                    source=channels.source,
                    confidence=round(channels.confidence, 3),
                    learned=None if channels.learned is None else list(channels.learned),
                    learned_confidence=round(channels.learned_confidence, 3),
                    override=None if channels.override is None else list(channels.override),
                    prior=None if channels.prior is None else list(channels.prior),
                ),
                preferred_hour_utc=LearnedOut[int | None].of(report.preferred_hour_utc),
                investment_style=LearnedOut[InvestmentStyle].of(report.investment_style),
                life_stage=LearnedOut[LifeStage].of(report.life_stage),
            ),
            behaviour=BehaviourOut(
                engagement_level=report.engagement_level,
                sessions_per_week=report.sessions_per_week,
                logins_per_week=report.logins_per_week,
                recency_days=report.recency_days,
                average_session_seconds=report.average_session_seconds,
                feature_usage=dict(report.feature_usage),
                topics=dict(report.topics),
                goal_types_created=dict(report.goal_types_created),
                devices=dict(report.devices),
                recommendations=RecommendationStats(
                    viewed=report.recommendations_viewed,
                    accepted=report.recommendations_accepted,
                    dismissed=report.recommendations_dismissed,
                    acceptance_rate=None
                    if report.acceptance_rate is None
                    else round(report.acceptance_rate, 4),
                    dismissal_rate=None
                    if report.dismissal_rate is None
                    else round(report.dismissal_rate, 4),
                ),
                categories=[
                    CategoryOut(
                        category=c.category,
                        preference=c.mean,
                        alpha=c.alpha,
                        beta=c.beta,
                        accepted=c.accepted,
                        dismissed=c.dismissed,
                    )
                    for c in report.categories
                ],
                dismissed_categories=list(report.dismissed_categories),
                satisfaction=report.satisfaction,
            ),
            hidden_categories=sorted(report.hidden_categories),
            personalization=report.personalization,
            privacy_mode=report.privacy_mode,
            completeness=report.completeness,
            to_improve=list(report.missing),
            flags=FlagsOut(
                drift=FlagOut.of(report.drift),
                shared_account=FlagOut.of(report.shared_account),
                outlier=FlagOut.of(report.outlier),
                inactive=FlagOut.of(report.inactive),
            ),
            rebuild_needed=report.rebuild_needed,
            notes=list(report.notes),
        )
