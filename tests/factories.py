"""Request bodies with sensible defaults; tests override only what they are about."""

from __future__ import annotations

from typing import Any

THIS_YEAR = 2026


def goal(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "RETIREMENT",
        "target_year": 2050,
        "target_amount": "500000",
        "priority": "HIGH",
        **overrides,
    }


def client_body(**overrides: Any) -> dict[str, Any]:
    return {
        "birth_year": 1984,
        "country": "GB",
        "base_currency": "GBP",
        "risk_tolerance": "MEDIUM",
        "income_band": "UPPER_MIDDLE",
        "net_worth_band": "MASS_AFFLUENT",
        "client_profile": {
            "goals": [goal(id="retirement-1")],
            "preferences": {"esg_focus": "HIGH", "commentary_tone": "CONCISE"},
            "constraints": {"restricted_sectors": ["TOBACCO", "GAMBLING"]},
        },
        "consents": {"PERSONALIZATION": True, "TRACKING": True, "MARKETING": False},
        **overrides,
    }


def security(security_id: str = "EQ-GB-0001", **overrides: Any) -> dict[str, Any]:
    return {
        "security_id": security_id,
        "name": "Northwind Utilities plc",
        "asset_class": "EQUITY",
        "sector": "UTILITIES",
        "region": "UK",
        "currency": "GBP",
        "esg_score": "72.5",
        "controversies": [],
        "price": "4.2100",
        **overrides,
    }


def portfolio_body(**overrides: Any) -> dict[str, Any]:
    return {
        "base_currency": "GBP",
        "as_of": "2026-01-31",
        "target_allocation": {"EQUITY": "0.6", "BOND": "0.3", "CASH": "0.1"},
        "accounts": [
            {
                "account_id": "isa-1",
                "type": "TAX_FREE_SAVINGS",
                "tax_wrapper": "ISA",
                "monthly_contribution": "500",
                "holdings": [
                    {
                        "security_id": "EQ-GB-0001",
                        "quantity": "1000",
                        "market_value": "4210.00",
                        "cost_basis": "3900.00",
                        "acquired_on": "2021-03-01",
                        "goal_id": "retirement-1",
                    }
                ],
            }
        ],
        **overrides,
    }


def event(event_id: str = "evt-1", client_id: str = "c-1", **overrides: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "client_id": client_id,
        "type": "LOGIN",
        "occurred_at": "2026-01-05T09:00:00+00:00",
        "session_id": "s-1",
        "device_type": "mobile",
        "channel": "IN_APP",
        **overrides,
    }
