"""GOAL_FUNDING_DERISK: a goal close to its date still holds more growth assets than it should.

Inside a goal's derisking window (the glide path's, by risk tolerance) the holdings linked to
the goal may hold at most the glide path's growth share for the years left. When they hold more
than that plus ``tolerance``, the candidate moves the excess from growth assets (equity,
property, alternatives, sold in proportion to their value) into bonds and cash in the glide
path's defensive proportions. Only explicitly linked holdings count: a declared
``funding_share`` names no holdings that could be sold. Urgency grows as the date nears and with
the excess::

    urgency = 40 + 40 * (1 - years_to_target / window) + 20 * min(1, excess_share / 0.20)
"""

from __future__ import annotations

from decimal import Decimal

from nextbest.domain.candidate import ActionType, Benefit, Candidate, SignalType, Trade, TradeSide
from nextbest.domain.enums import AssetClass
from nextbest.finance.glide_path import (
    DEFAULT_GLIDE_PATH,
    DEFENSIVE_ASSETS,
    GROWTH_ASSETS,
    GlidePath,
)
from nextbest.signals.amounts import fraction, money, percent, split, text, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.goal_funding import category_of, goal_funding, goal_label, months_to_target
from nextbest.signals.positions import exposures, sell_trades

__all__ = ["GoalFundingDeriskDetector"]


class GoalFundingDeriskDetector:
    """Suggests moving a near goal's excess growth assets into bonds and cash.

    ``tolerance`` (default 0.05) is how far above the glide path the growth share may be before
    this fires; ``min_amount`` (default 100 in the base currency) the smallest move worth
    suggesting.
    """

    name = "goal_funding_derisk"

    def __init__(
        self,
        *,
        glide_path: GlidePath = DEFAULT_GLIDE_PATH,
        tolerance: Decimal = Decimal("0.05"),
        min_amount: Decimal = Decimal("100"),
    ) -> None:
        self.glide_path = glide_path
        self.tolerance = tolerance
        self.min_amount = min_amount

    def detect(self, context: SignalContext) -> list[Candidate]:
        risk = context.client.risk_tolerance
        window = self.glide_path.derisking_window_years(risk)
        found: list[Candidate] = []
        for goal in context.client.profile.goals:
            months = months_to_target(goal.target_year, context.as_of)
            years = months / 12
            if years > window:
                continue
            funding = goal_funding(goal, context.portfolio, context.master)
            value = sum((p.holding.market_value for p in funding.linked), Decimal(0))
            if value <= 0:
                continue
            growth = [p for p in funding.linked if p.security.asset_class in GROWTH_ASSETS]
            growth_value = sum((p.holding.market_value for p in growth), Decimal(0))
            share = fraction(growth_value, value)
            allowed = Decimal(str(self.glide_path.growth_share(years, risk))).quantize(
                Decimal("0.0001")
            )
            if share <= allowed + self.tolerance:
                continue
            excess = money((share - allowed) * value)
            if excess < self.min_amount:
                continue
            trades: list[Trade] = []
            groups = exposures(growth)
            for group, part in zip(
                groups, split(excess, [g.market_value for g in groups]), strict=True
            ):
                trades.extend(sell_trades(group, part))
            mix = self.glide_path.allocation(years, risk)
            defensive: list[AssetClass] = [a for a in DEFENSIVE_ASSETS if mix.get(a, 0.0) > 0]
            weights = [Decimal(str(mix[a])) for a in defensive]
            for asset_class, part in zip(defensive, split(excess, weights), strict=True):
                if part > 0:
                    trades.append(Trade(TradeSide.BUY, part, asset_class=asset_class))
            score = 40 + 40 * (1 - years / window) + 20 * min(1.0, float(share - allowed) / 0.20)
            found.append(
                Candidate(
                    key=f"{SignalType.GOAL_FUNDING_DERISK}:{goal.goal_id}",
                    signal=SignalType.GOAL_FUNDING_DERISK,
                    action_type=ActionType.DERISK_GOAL_ASSETS,
                    category=category_of(goal),
                    urgency=urgency(score),
                    regulated=True,
                    goal_id=goal.goal_id,
                    security_ids=tuple(g.security.security_id for g in groups),
                    trades=tuple(trades),
                    benefit=Benefit(
                        f"{goal_label(goal).capitalize()} is {years:.1f} years away but "
                        f"{percent(share)}% of its money is in growth assets; moving "
                        f"{excess:,.2f} {context.client.base_currency} into bonds and cash "
                        f"brings that to {percent(allowed)}%, so a late fall in markets "
                        "matters less.",
                        amount=excess,
                        percentage=percent(share - allowed),
                    ),
                    evidence={
                        "goal_type": goal.goal_type.value,
                        "target_year": goal.target_year,
                        "months_to_target": months,
                        "derisking_window_years": window,
                        "risk_tolerance": risk.value,
                        "goal_assets_value": text(value),
                        "growth_value": text(growth_value),
                        "growth_share": text(share),
                        "allowed_growth_share": text(allowed),
                        "tolerance": text(self.tolerance),
                        "amount_to_move": text(excess),
                    },
                )
            )
        return found
