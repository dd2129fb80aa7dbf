"""What the codes a host sends mean to the profile: which features are advanced, which plan."""

from __future__ import annotations

__all__ = ["ADVANCED", "CATEGORY_TOPICS", "PLANNING", "SELF_DIRECTED"]

ADVANCED = frozenset(
    {
        "rebalance_tool",
        "tax_summary",
        "tax_loss_harvest",
        "esg_screen",
        "screener",
        "research",
        "trade",
        "options",
        "fund_compare",
        "performance_attribution",
        "capital_gains_tax",
        "annuities",
        "diversification",
        "rebalancing",
        "climate_risk",
    }
)
"""Features and topics that take some financial knowledge to use or read."""

PLANNING = frozenset(
    {
        "goal_planner",
        "retirement_calculator",
        "contribution_setup",
        "cash_sweep",
        "protection_quote",
        "budget",
        "goal_planning",
        "saving_habits",
        "retirement_income",
        "pensions",
        "cash_management",
        "life_insurance",
        "income_protection",
        "investing_basics",
    }
)
"""Features and topics of a client who invests towards goals and lets the plan do the work."""

SELF_DIRECTED = frozenset(
    {
        "rebalance_tool",
        "esg_screen",
        "screener",
        "research",
        "trade",
        "options",
        "fund_compare",
        "performance_chart",
        "performance_attribution",
        "tax_summary",
        "tax_loss_harvest",
        "markets_weekly",
        "diversification",
        "rebalancing",
        "capital_gains_tax",
        "sustainable_investing",
        "climate_risk",
    }
)
"""Features and topics of a client who picks and manages investments themself."""


CATEGORY_TOPICS: dict[str, frozenset[str]] = {
    "GOAL": frozenset({"goal_planning", "saving_habits"}),
    "RETIREMENT": frozenset({"retirement_income", "pensions", "annuities"}),
    "TAX": frozenset({"tax_wrappers", "capital_gains_tax"}),
    "ESG": frozenset({"sustainable_investing", "climate_risk"}),
    "REBALANCING": frozenset({"diversification", "rebalancing"}),
    "RISK": frozenset({"diversification", "market_volatility"}),
    "CASH": frozenset({"cash_management", "inflation"}),
    "SAVINGS": frozenset({"saving_habits", "budgeting"}),
    "PROTECTION": frozenset({"life_insurance", "income_protection"}),
}
"""Content topics by the recommendation category they show an interest in: what a client reads
says what it cares about (a host's own topics count once they are added here)."""
