"""Wire shapes of a recommendation's explanation, for the client and for staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from nextbest.services.explanations import (
    ClientExplanation,
    Component,
    Control,
    StaffExplanation,
    TraceEntry,
)
from nextbest.storage.repositories.recommendations import StatusChange

__all__ = [
    "ArbitrationOut",
    "ClientExplanationOut",
    "ComponentOut",
    "ControlOut",
    "StaffExplanationOut",
    "StatusChangeOut",
    "VersionsOut",
]


class ControlOut(BaseModel):
    label: str
    method: str
    path: str
    field: str = Field(description="The body field to send")
    value: str | None = Field(description="The value to send, when there is one")

    @classmethod
    def from_domain(cls, control: Control) -> ControlOut:
        return cls(
            label=control.label,
            method=control.method,
            path=control.path,
            field=control.field,
            value=control.value,
        )


class ClientExplanationOut(BaseModel):
    audience: Literal["client"] = "client"
    recommendation_id: str
    title: str | None = Field(description="The title the client was shown")
    decided_at: datetime | None
    main_reasons: list[str] = Field(description="The reasons shown with the suggestion")
    contributing_factors: list[str] = Field(description="What else counted, in plain words")
    what_would_change: list[str]
    how_to_improve: list[str] = Field(description="How to make suggestions more relevant")
    controls: list[ControlOut] = Field(description="Requests a host can offer beside this")

    @classmethod
    def from_domain(cls, explanation: ClientExplanation) -> ClientExplanationOut:
        return cls(
            recommendation_id=explanation.recommendation_id,
            title=explanation.title,
            decided_at=explanation.decided_at,
            main_reasons=list(explanation.main_reasons),
            contributing_factors=list(explanation.contributing_factors),
            what_would_change=list(explanation.what_would_change),
            how_to_improve=list(explanation.how_to_improve),
            controls=[ControlOut.from_domain(c) for c in explanation.controls],
        )


class ComponentOut(BaseModel):
    name: str
    value: float | None = Field(description="Exactly as logged; null when not recorded")
    log_value: float | None = Field(description="ln(value); the four add up to ln(priority)")
    share: float | None = Field(description="|ln(value)| over the sum of the four |ln|")
    meaning: str

    @classmethod
    def from_domain(cls, component: Component) -> ComponentOut:
        return cls(
            name=component.name,
            value=component.value,
            log_value=component.log_value,
            share=component.share,
            meaning=component.meaning,
        )


class ArbitrationOut(BaseModel):
    key: str
    action_id: str
    category: str
    mandatory: bool
    outcome: Literal["SERVED", "NOT_SERVED", "REMOVED"]
    policy: Literal["engagement", "contact"] | None = Field(description="Which removed it")
    removed: str | None = Field(description="The removal: CHANNEL, CONSENT, SUPPRESSED ...")
    reason: str
    priority: float | None
    source: str | None = Field(description="The model that gave the propensity")
    rank: int | None
    recommendation_id: str | None
    explained: bool = Field(description="The recommendation this explanation is about")

    @classmethod
    def from_domain(cls, entry: TraceEntry) -> ArbitrationOut:
        return cls.model_validate(entry, from_attributes=True)


class StatusChangeOut(BaseModel):
    status: str
    occurred_at: datetime
    recorded_at: datetime

    @classmethod
    def from_domain(cls, change: StatusChange) -> StatusChangeOut:
        return cls(
            status=change.status.value,
            occurred_at=change.occurred_at,
            recorded_at=change.recorded_at,
        )


class VersionsOut(BaseModel):
    models: str | None = Field(default=None, description="The learning models' version")
    catalog: int | None = Field(default=None, description="The action catalog's version")
    signals: str | None = Field(default=None, description="The signal engine's fingerprint")
    gate: list[int] | None = Field(default=None, description="The data gate: accepted, other")
    fallback: str | None = Field(default=None, description="Why a model was not used")


class StaffExplanationOut(BaseModel):
    audience: Literal["staff"] = "staff"
    recommendation_id: str
    decision_id: str
    client_id: str
    action_id: str
    finding: str = Field(description="The consideration key: the finding, or the action id")
    category: str
    channel: str
    policy: str | None = Field(description="engine, standard, baseline ...")
    decided_at: datetime | None
    status: str
    history: list[StatusChangeOut]
    mandatory: bool | None
    regulated: bool
    rank: int
    probability: float = Field(description="The policy's probability of serving it")
    source: str | None = Field(description="The model that gave the propensity")
    priority: float
    product: float | None = Field(description="The four components multiplied again")
    value: str | None = Field(description="The amount the value weight was computed from")
    components: list[ComponentOut]
    signal: str | None
    urgency: float | None
    evidence: dict[str, Any]
    numbers: dict[str, dict[str, str]] = Field(description="Each number shown: source, exact")
    title: str | None
    text: str | None
    reasons: list[str]
    client_features: dict[str, float]
    served_features: dict[str, float] = Field(description="The vector the model scored")
    profile_status: str | None
    personal_weight: float | None
    segment: str | None
    versions: VersionsOut
    experiments: list[dict[str, Any]] = Field(description="Experiment variants, when logged")
    arbitration: list[ArbitrationOut]
    not_recorded: list[str] = Field(description="What this (older) log entry lacks")

    @classmethod
    def from_domain(cls, e: StaffExplanation) -> StaffExplanationOut:
        versions = e.versions
        gate = versions.get("gate")
        return cls(
            recommendation_id=e.recommendation_id,
            decision_id=e.decision_id,
            client_id=e.client_id,
            action_id=e.action_id,
            finding=e.key,
            category=e.category,
            channel=e.channel,
            policy=e.policy,
            decided_at=e.decided_at,
            status=e.status,
            history=[StatusChangeOut.from_domain(c) for c in e.history],
            mandatory=e.mandatory,
            regulated=e.regulated,
            rank=e.rank,
            probability=e.probability,
            source=e.source,
            priority=e.priority,
            product=e.product,
            value=e.value,
            components=[ComponentOut.from_domain(c) for c in e.components],
            signal=e.signal,
            urgency=e.urgency,
            evidence=dict(e.evidence),
            numbers={k: dict(v) for k, v in e.numbers.items()},
            title=e.title,
            text=e.text,
            reasons=list(e.reasons),
            client_features=dict(e.client_features),
            served_features=dict(e.served_features),
            profile_status=e.profile_status,
            personal_weight=e.personal_weight,
            segment=e.segment,
            versions=VersionsOut(
                models=_text(versions.get("models")),
                catalog=_integer(versions.get("catalog")),
                signals=_text(versions.get("signals")),
                gate=[g for g in gate if _integer(g) is not None]
                if isinstance(gate, list)
                else None,
                fallback=_text(versions.get("fallback")),
            ),
            experiments=[dict(x) for x in e.experiments],
            arbitration=[ArbitrationOut.from_domain(a) for a in e.arbitration],
            not_recorded=list(e.not_recorded),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
