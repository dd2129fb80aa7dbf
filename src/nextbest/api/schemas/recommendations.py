"""Wire shapes of recommendations, outcomes and feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nextbest.domain.candidate import Category
from nextbest.domain.enums import Channel
from nextbest.domain.recommendation import FeedbackKind, Status
from nextbest.services.learning import OutcomeResult
from nextbest.services.recommendations import Answer, AnswerItem

__all__ = [
    "FeedbackIn",
    "FeedbackOut",
    "OutcomeIn",
    "OutcomeOut",
    "RecommendationOut",
    "RecommendationsOut",
]


class RecommendationOut(BaseModel):
    recommendation_id: str = Field(description="Report outcomes and feedback under this id")
    action_id: str
    finding: str | None = Field(description="The signal finding behind it (stable across days)")
    name: str
    category: Category
    rank: int
    score: float = Field(description="Priority: propensity x context weight x value x lever")
    regulated: bool = Field(description="Regulated advice: a person decides, nextbest suggests")
    mandatory: bool
    title: str = Field(description="Written for the client's literacy, tone and detail level")
    text: str
    reasons: list[str]
    glossary: dict[str, str] = Field(description="Plain meanings of the terms the text uses")
    disclosure: str | None = Field(description="Shown under a regulated suggestion")
    status: Status
    deliver_at: datetime = Field(description="When to deliver (the client's preferred hour)")
    expires_at: datetime
    evidence: dict[str, object] = Field(description="The numbers behind the finding, if any")

    @classmethod
    def from_domain(cls, item: AnswerItem) -> RecommendationOut:
        r = item.recommendation
        return cls(
            recommendation_id=r.recommendation_id,
            action_id=item.action.action_id,
            finding=None if item.candidate is None else item.candidate.key,
            name=item.action.name,
            category=item.action.category,
            rank=r.rank,
            score=item.score.priority,
            regulated=item.action.regulated,
            mandatory=item.action.mandatory,
            title=item.presented.title,
            text=item.presented.text,
            reasons=list(item.reasons),
            glossary=dict(item.presented.glossary),
            disclosure=item.presented.disclosure,
            status=r.status,
            deliver_at=r.deliver_at,
            expires_at=r.expires_at,
            evidence={} if item.candidate is None else dict(item.candidate.evidence),
        )


class RecommendationsOut(BaseModel):
    decision_id: str
    client_id: str
    channel: Channel
    policy: str = Field(description="engine (personalised) or standard (personalisation off)")
    profile_status: str
    message: str | None = Field(description="Why the suggestions are general, when they are")
    recommendations: list[RecommendationOut]

    @classmethod
    def from_domain(cls, answer: Answer) -> RecommendationsOut:
        return cls(
            decision_id=answer.decision_id,
            client_id=answer.client_id,
            channel=answer.channel,
            policy=answer.policy.value,
            profile_status=answer.profile_status.value,
            message=answer.message,
            recommendations=[RecommendationOut.from_domain(item) for item in answer.items],
        )


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["VIEWED", "ACCEPTED", "PARTIALLY_ACCEPTED", "DISMISSED"]
    occurred_at: datetime | None = Field(
        default=None, description="When the client acted; now when left out"
    )

    @model_validator(mode="after")
    def _aware(self) -> OutcomeIn:
        if self.occurred_at is not None and self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at needs a time zone, e.g. 2026-11-21T10:00:00Z")
        return self


class OutcomeOut(BaseModel):
    recommendation_id: str
    status: Status
    previous: Status
    changed: bool = Field(description="False when the outcome was already recorded")

    @classmethod
    def from_domain(cls, result: OutcomeResult) -> OutcomeOut:
        return cls(
            recommendation_id=result.recommendation.recommendation_id,
            status=result.recommendation.status,
            previous=result.previous,
            changed=result.changed,
        )


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    kind: FeedbackKind | None = None
    text: Annotated[str, Field(max_length=2_000)] | None = None

    @model_validator(mode="after")
    def _something(self) -> FeedbackIn:
        if self.rating is None and self.kind is None and not self.text:
            raise ValueError("feedback needs a rating (1-5), a kind or some text")
        return self


class FeedbackOut(BaseModel):
    feedback_id: int
    recommendation_id: str
