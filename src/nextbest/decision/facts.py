"""The facts engagement rules see: one flat mapping per client, action and moment.

Built from the domain objects and the profile, never from raw rows, so a rule means the same
whichever database the facts came from. Unknown facts are left out (a rule on them fails).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nextbest.behavior.profile import ProfileReport
from nextbest.decision.catalog import Action
from nextbest.domain.candidate import Candidate, TradeSide
from nextbest.domain.client import Client
from nextbest.domain.enums import AssetClass, Channel, ConsentPurpose
from nextbest.domain.portfolio import Portfolio, PortfolioTotals

__all__ = ["client_facts", "facts_for"]


def client_facts(
    client: Client,
    profile: ProfileReport,
    portfolio: Portfolio | PortfolioTotals | None,
    *,
    now: datetime,
) -> dict[str, Any]:
    """The facts about the client alone, shared by every action considered for it."""
    facts: dict[str, Any] = {
        "client.age": client.age_in(now.year),
        "client.country": client.country,
        "client.risk_tolerance": client.risk_tolerance.value,
        "client.goal_count": len(client.profile.goals),
        "client.consent.marketing": client.has_consent(ConsentPurpose.MARKETING),
        "client.consent.personalization": client.has_consent(ConsentPurpose.PERSONALIZATION),
        "profile.engagement_level": profile.engagement_level.value,
        "profile.literacy": profile.financial_literacy.value,
        "profile.life_stage": profile.life_stage.value.value,
        "profile.investment_style": profile.investment_style.value.value,
        "profile.completeness": profile.completeness,
        "profile.sessions_per_week": profile.sessions_per_week,
        "portfolio.exists": portfolio is not None,
    }
    if profile.recency_days is not None:
        facts["profile.days_since_active"] = profile.recency_days
    if portfolio is not None:
        facts["portfolio.market_value"] = float(portfolio.market_value)
        facts["portfolio.monthly_contribution"] = float(portfolio.monthly_contribution)
    return facts


def facts_for(
    base: dict[str, Any],
    action: Action,
    candidate: Candidate | None,
    *,
    client: Client,
    channel: Channel,
    done_recently: bool,
    now: datetime,
) -> dict[str, Any]:
    """The client's facts plus those of one action (and the candidate behind it, if any)."""
    facts = {
        **base,
        "action.category": action.category.value,
        "action.done_recently": done_recently,
        "request.channel": channel.value,
    }
    if candidate is not None:
        facts["signal.type"] = candidate.signal.value
        facts["signal.urgency"] = candidate.urgency
        facts["signal.raises_equity"] = any(
            t.side is TradeSide.BUY and t.asset_class is AssetClass.EQUITY for t in candidate.trades
        )
        goal = None if candidate.goal_id is None else client.profile.goal(candidate.goal_id)
        if goal is not None:
            facts["signal.goal_years_to_target"] = goal.target_year - now.year
    return facts
