"""Candidates as stored JSON and back (the signal cache and, later, the decision log)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from nextbest.domain.candidate import (
    ActionType,
    Benefit,
    Candidate,
    Category,
    SignalType,
    Trade,
    TradeSide,
)
from nextbest.domain.enums import AssetClass
from nextbest.domain.ids import AccountId, GoalId, SecurityId

__all__ = ["candidate_from_json", "candidate_to_json"]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def candidate_to_json(candidate: Candidate) -> dict[str, Any]:
    return {
        "key": candidate.key,
        "signal": candidate.signal.value,
        "action_type": candidate.action_type.value,
        "category": candidate.category.value,
        "urgency": candidate.urgency,
        "regulated": candidate.regulated,
        "mandatory": candidate.mandatory,
        "deadline": None if candidate.deadline is None else candidate.deadline.isoformat(),
        "goal_id": candidate.goal_id,
        "security_ids": list(candidate.security_ids),
        "benefit": {
            "description": candidate.benefit.description,
            "amount": _text(candidate.benefit.amount),
            "percentage": _text(candidate.benefit.percentage),
        },
        "trades": [
            {
                "side": trade.side.value,
                "amount": str(trade.amount),
                "security_id": trade.security_id,
                "asset_class": None if trade.asset_class is None else trade.asset_class.value,
                "account_id": trade.account_id,
            }
            for trade in candidate.trades
        ],
        "evidence": dict(candidate.evidence),
        "detail": dict(candidate.detail),
    }


def candidate_from_json(data: dict[str, Any]) -> Candidate:
    benefit = data["benefit"]
    return Candidate(
        key=data["key"],
        signal=SignalType(data["signal"]),
        action_type=ActionType(data["action_type"]),
        category=Category(data["category"]),
        urgency=int(data["urgency"]),
        regulated=bool(data["regulated"]),
        mandatory=bool(data["mandatory"]),
        deadline=None if data["deadline"] is None else date.fromisoformat(data["deadline"]),
        goal_id=None if data["goal_id"] is None else GoalId(data["goal_id"]),
        security_ids=tuple(SecurityId(s) for s in data["security_ids"]),
        benefit=Benefit(
            description=benefit["description"],
            amount=_decimal(benefit["amount"]),
            percentage=_decimal(benefit["percentage"]),
        ),
        trades=tuple(
            Trade(
                side=TradeSide(trade["side"]),
                amount=Decimal(trade["amount"]),
                security_id=None
                if trade["security_id"] is None
                else SecurityId(trade["security_id"]),
                asset_class=None
                if trade["asset_class"] is None
                else AssetClass(trade["asset_class"]),
                account_id=None if trade["account_id"] is None else AccountId(trade["account_id"]),
            )
            for trade in data["trades"]
        ),
        evidence=data["evidence"],
        detail=data["detail"],
    )
