"""Wire shape of the action catalog."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from nextbest.decision.catalog import RULE_STAGES, Action, Catalog
from nextbest.domain.candidate import ActionType, Category, SignalType
from nextbest.domain.enums import Channel

__all__ = ["ActionOut", "CatalogOut"]


class ActionOut(BaseModel):
    action_id: str
    name: str
    category: Category
    action_type: ActionType | None
    signals: list[SignalType] = Field(description="Signal candidates this action answers")
    regulated: bool = Field(description="Regulated advice: a person must review it")
    mandatory: bool = Field(description="Skips arbitration and contact limits")
    content: bool
    marketing: bool = Field(description="Needs the client's marketing consent")
    channels: list[Channel]
    value: Decimal | None = Field(description="Fixed value, or null: the signal's benefit")
    lever: float
    expiry_days: int
    rules: dict[str, int] = Field(description="How many rules each stage has")

    @classmethod
    def from_domain(cls, action: Action) -> ActionOut:
        return cls(
            action_id=action.action_id,
            name=action.name,
            category=action.category,
            action_type=action.action_type,
            signals=list(action.signals),
            regulated=action.regulated,
            mandatory=action.mandatory,
            content=action.content,
            marketing=action.marketing,
            channels=list(action.channels),
            value=action.value,
            lever=action.lever,
            expiry_days=action.expiry_days,
            rules={stage: len(action.rules.get(stage, ())) for stage in RULE_STAGES},
        )


class CatalogOut(BaseModel):
    version: int
    actions: list[ActionOut]

    @classmethod
    def from_domain(cls, catalog: Catalog) -> CatalogOut:
        return cls(
            version=catalog.version,
            actions=[ActionOut.from_domain(action) for action in catalog.actions],
        )
