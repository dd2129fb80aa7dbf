"""Wire shape of signal candidates, for advisors and the host application."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType, TradeSide
from nextbest.domain.enums import AssetClass
from nextbest.services.signals import SignalReport

__all__ = ["BenefitOut", "CandidateOut", "SignalsOut", "TradeOut"]


class TradeOut(BaseModel):
    side: TradeSide
    amount: Decimal
    security_id: str | None
    asset_class: AssetClass | None
    account_id: str | None


class BenefitOut(BaseModel):
    description: str
    amount: Decimal | None
    percentage: Decimal | None


class CandidateOut(BaseModel):
    key: str = Field(
        description="Stable across recomputations, e.g. CONSTRAINT_VIOLATION:EQ-GB-0001"
    )
    signal: SignalType
    action_type: ActionType
    category: Category
    urgency: int = Field(ge=0, le=100)
    regulated: bool = Field(description="Advice-like: needs a person's approval before the client")
    mandatory: bool = Field(description="Skips arbitration and contact limits (e.g. a breach)")
    deadline: date | None
    goal_id: str | None
    security_ids: list[str]
    benefit: BenefitOut
    trades: list[TradeOut] = Field(description="Suggested, never executed by nextbest")
    evidence: dict[str, Any] = Field(description="The numbers behind the finding")
    detail: dict[str, Any]

    @classmethod
    def from_domain(cls, candidate: Candidate) -> CandidateOut:
        return cls(
            key=candidate.key,
            signal=candidate.signal,
            action_type=candidate.action_type,
            category=candidate.category,
            urgency=candidate.urgency,
            regulated=candidate.regulated,
            mandatory=candidate.mandatory,
            deadline=candidate.deadline,
            goal_id=candidate.goal_id,
            security_ids=list(candidate.security_ids),
            benefit=BenefitOut(
                description=candidate.benefit.description,
                amount=candidate.benefit.amount,
                percentage=candidate.benefit.percentage,
            ),
            trades=[
                TradeOut(
                    side=t.side,
                    amount=t.amount,
                    security_id=t.security_id,
                    asset_class=t.asset_class,
                    account_id=t.account_id,
                )
                for t in candidate.trades
            ],
            evidence=dict(candidate.evidence),
            detail=dict(candidate.detail),
        )


class SignalsOut(BaseModel):
    client_id: str
    as_of: date
    computed_at: datetime
    from_cache: bool
    candidates: list[CandidateOut]

    @classmethod
    def from_domain(cls, report: SignalReport) -> SignalsOut:
        return cls(
            client_id=report.client_id,
            as_of=report.as_of,
            computed_at=report.computed_at,
            from_cache=report.from_cache,
            candidates=[CandidateOut.from_domain(c) for c in report.candidates],
        )
