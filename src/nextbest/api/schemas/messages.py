"""Wire shapes of client messages and advisor alerts.

Amounts are decimal strings, as everywhere in the API. Nothing here carries the client's raw
text: ``masked_text`` is the message with personal data replaced by ``[CARD]``, ``[IBAN]``,
``[EMAIL]``, ``[PHONE]`` and national-id placeholders.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from nextbest.api.schemas.common import StrictModel
from nextbest.api.schemas.recommendations import RecommendationOut
from nextbest.domain.enums import Channel
from nextbest.nlp.entities import Entities
from nextbest.nlp.goal_update import FlowStep
from nextbest.nlp.intents import IntentPrediction
from nextbest.services.messages import MessageAnswer
from nextbest.storage.repositories.messages import AdvisorAlert

__all__ = [
    "AlertOut",
    "AlertsOut",
    "EntitiesOut",
    "FlowOut",
    "IntentOut",
    "MessageIn",
    "MessageOut",
    "SentimentOut",
]

CONVERSATION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


class MessageIn(StrictModel):
    text: Annotated[str, Field(min_length=1, max_length=20_000)] = Field(
        description="What the client wrote; personal data in it is masked before anything is "
        "stored or logged. Longer than NEXTBEST_NLP__MAX_CHARS (2,000) is refused with 422."
    )
    conversation_id: Annotated[str, Field(pattern=CONVERSATION_PATTERN)] = Field(
        description="The host's id of the conversation; multi-turn state is kept under it"
    )
    channel: Channel = Field(
        default=Channel.IN_APP, description="Where the client wrote; suggestions are for it"
    )


class IntentOut(BaseModel):
    name: str = Field(description="One of 92 intents, or `unknown` below the threshold")
    confidence: float = Field(description="Calibrated probability of the most likely intent")
    family: str = Field(description="What the reply and the suggestions are chosen by")
    unknown: bool
    alternatives: list[tuple[str, float]] = Field(description="Runners-up and probabilities")

    @classmethod
    def from_domain(cls, intent: IntentPrediction) -> IntentOut:
        return cls(
            name=intent.intent,
            confidence=intent.confidence,
            family=intent.family,
            unknown=intent.is_unknown,
            alternatives=[(label, p) for label, p in intent.alternatives],
        )


class SentimentOut(BaseModel):
    label: str = Field(description="negative, neutral or positive")
    confidence: float
    probabilities: dict[str, float]


class TopicOut(BaseModel):
    name: str
    hits: list[str]


class MoneyOut(BaseModel):
    amount: str
    currency: str | None
    per: str | None = Field(description="week, month or year for a recurring amount")
    text: str


class TimeOut(BaseModel):
    kind: str = Field(description="DATE, MONTH, YEAR, HORIZON or AGE")
    on: date | None
    year: int | None
    age: int | None
    text: str


class SecurityOut(BaseModel):
    security_id: str
    text: str
    matched_by: str


class EntitiesOut(BaseModel):
    money: list[MoneyOut]
    times: list[TimeOut]
    securities: list[SecurityOut]
    goal_types: list[str]

    @classmethod
    def from_domain(cls, entities: Entities) -> EntitiesOut:
        return cls(
            money=[
                MoneyOut(amount=str(m.amount), currency=m.currency, per=m.per, text=m.text)
                for m in entities.money
            ],
            times=[
                TimeOut(kind=t.kind.value, on=t.on, year=t.year, age=t.age, text=t.text)
                for t in entities.times
            ],
            securities=[
                SecurityOut(security_id=s.security_id, text=s.text, matched_by=s.matched_by.value)
                for s in entities.securities
            ],
            goal_types=[g.value for g in entities.goal_types],
        )


class ProposalOut(BaseModel):
    goal_id: str | None
    goal_type: str | None
    target_year: int
    target_amount: str
    currency: str | None


class FlowOut(BaseModel):
    status: str = Field(description="ASKING (a question is in the reply), COMPLETED or CANCELLED")
    awaiting: str | None = Field(description="The slot the next message should fill")
    proposal: ProposalOut | None = Field(
        description="The goal change the client agreed to: apply it with PUT /v1/clients/{id} "
        "after the client confirms; nextbest writes nothing itself"
    )

    @classmethod
    def from_domain(cls, step: FlowStep) -> FlowOut:
        p = step.proposal
        awaiting = step.state.get("awaiting")
        return cls(
            status=step.status.value,
            awaiting=None if awaiting is None else str(awaiting),
            proposal=None
            if p is None
            else ProposalOut(
                goal_id=p.goal_id,
                goal_type=None if p.goal_type is None else p.goal_type.value,
                target_year=p.target_year,
                target_amount=str(p.target_amount),
                currency=p.currency,
            ),
        )


class SuggestionsOut(BaseModel):
    decision_id: str = Field(description="The decision-log entry of these suggestions")
    recommendations: list[RecommendationOut]


class PiiOut(BaseModel):
    kind: str
    start: int
    end: int


class MessageOut(BaseModel):
    message_id: str
    client_id: str
    conversation_id: str
    masked_text: str = Field(description="The text with personal data replaced by placeholders")
    pii: list[PiiOut] = Field(description="What was masked, and where in the text sent")
    intent: IntentOut
    sentiment: SentimentOut
    satisfaction: float = Field(description="-1..1, fed into the profile's satisfaction")
    topics: list[TopicOut]
    key_phrases: list[str]
    entities: EntitiesOut
    suggestions: SuggestionsOut | None = Field(
        description="The decision loop's next best actions for this client, narrowed to what "
        "the message is about; none for service questions, complaints and unknown intents"
    )
    reply: str = Field(description="From reviewed templates, in the client's tone")
    tone: str
    flow: FlowOut | None = Field(description="The goal-update conversation, when one runs")
    alert: str | None = Field(description="complaint or strongly_negative: an advisor is told")
    alert_id: str | None
    model_versions: dict[str, str]

    @classmethod
    def from_domain(cls, answer: MessageAnswer) -> MessageOut:
        r = answer.result
        return cls(
            message_id=answer.message_id,
            client_id=answer.client_id,
            conversation_id=r.conversation_id,
            masked_text=r.masked_text,
            pii=[PiiOut(kind=m.kind.value, start=m.start, end=m.end) for m in r.pii],
            intent=IntentOut.from_domain(r.intent),
            sentiment=SentimentOut(
                label=r.sentiment.label,
                confidence=r.sentiment.confidence,
                probabilities=dict(r.sentiment.probabilities),
            ),
            satisfaction=r.satisfaction,
            topics=[TopicOut(name=t.name, hits=list(t.hits)) for t in r.topics],
            key_phrases=list(r.key_phrases),
            entities=EntitiesOut.from_domain(r.entities),
            suggestions=None
            if answer.suggestions is None
            else SuggestionsOut(
                decision_id=answer.suggestions.decision_id,
                recommendations=[
                    RecommendationOut.from_domain(item) for item in answer.suggestions.items
                ],
            ),
            reply=r.reply,
            tone=r.tone.value,
            flow=None if r.flow is None else FlowOut.from_domain(r.flow),
            alert=r.alert_reason,
            alert_id=answer.alert_id,
            model_versions=dict(r.model_versions),
        )


class AlertOut(BaseModel):
    alert_id: str
    client_id: str
    message_id: str
    conversation_id: str
    reason: str = Field(description="complaint or strongly_negative")
    intent: str
    negative: float = Field(description="The probability the message is negative")
    masked_text: str | None = Field(
        description="The message with personal data masked; null when NEXTBEST_NLP__ALERT_TEXT "
        "is off. The raw text is never stored"
    )
    created_at: datetime

    @classmethod
    def from_domain(cls, alert: AdvisorAlert) -> AlertOut:
        return cls(
            alert_id=alert.alert_id,
            client_id=alert.client_id,
            message_id=alert.message_id,
            conversation_id=alert.conversation_id,
            reason=alert.reason,
            intent=alert.intent,
            negative=alert.negative,
            masked_text=alert.masked_text,
            created_at=alert.created_at,
        )


class AlertsOut(BaseModel):
    alerts: list[AlertOut]
