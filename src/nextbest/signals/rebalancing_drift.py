"""REBALANCING_DRIFT: the portfolio has drifted out of its tolerance bands.

The target is the portfolio's own ``target_allocation``; a portfolio without one is measured
against the mean-variance allocation for the client's risk tolerance
(:func:`~nextbest.finance.optimiser.optimal_allocation`), and the evidence says which. Drift is
judged with the 5/25 bands of :class:`~nextbest.finance.allocation.Bands`; the trades are the
minimum-turnover plan of :func:`~nextbest.finance.allocation.rebalancing_trades`, which sells
restricted holdings first and never buys one. A plan whose turnover is below ``min_turnover``
is not worth a suggestion. Urgency grows with the total drift (half the sum of absolute
differences)::

    urgency = 30 + 70 * min(1, total_drift / 0.25)
"""

from __future__ import annotations

from decimal import Decimal

from nextbest.domain.candidate import ActionType, Benefit, Candidate, Category, SignalType
from nextbest.domain.security import Security
from nextbest.finance.allocation import (
    DEFAULT_BANDS,
    Bands,
    PlanStatus,
    current_allocation,
    drift,
    rebalancing_trades,
    total_drift,
)
from nextbest.finance.optimiser import optimal_allocation
from nextbest.signals.amounts import percent, text, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.positions import has_holdings

__all__ = ["RebalancingDriftDetector"]


class RebalancingDriftDetector:
    """Suggests the least trading that brings a drifted portfolio back to its target.

    ``bands`` (default 5 points absolute / 25% relative), ``min_turnover`` (default 100 in the
    base currency), ``optimal_when_no_target`` (default True: measure a portfolio without a
    target against the optimiser's allocation for the client's risk tolerance).
    """

    name = "rebalancing_drift"

    def __init__(
        self,
        *,
        bands: Bands = DEFAULT_BANDS,
        min_turnover: Decimal = Decimal("100"),
        optimal_when_no_target: bool = True,
    ) -> None:
        self.bands = bands
        self.min_turnover = min_turnover
        self.optimal_when_no_target = optimal_when_no_target

    def detect(self, context: SignalContext) -> list[Candidate]:
        portfolio = context.portfolio
        if portfolio is None or not has_holdings(portfolio):
            return []
        target = dict(portfolio.target_allocation)
        source = "portfolio"
        if not target:
            if not self.optimal_when_no_target:
                return []
            target = optimal_allocation(context.client.risk_tolerance, context.assumptions)
            source = "optimiser"
        view = current_allocation(portfolio, context.master.by_id)
        drifts = drift(view, target, self.bands)
        if not any(d.out_of_band for d in drifts):
            return []
        constraints = context.client.profile.constraints

        def restricted(security: Security) -> bool:
            return (
                security.security_id in constraints.restricted_securities
                or security.is_restricted_by(constraints.restricted_sectors)
            )

        plan = rebalancing_trades(
            portfolio, context.master.by_id, target, bands=self.bands, restricted=restricted
        )
        if plan.status is not PlanStatus.TRADES or plan.turnover < self.min_turnover:
            return []
        moved = total_drift(drifts)
        worst = max(drifts, key=lambda d: abs(d.difference))
        currency = context.client.base_currency
        return [
            Candidate(
                key=f"{SignalType.REBALANCING_DRIFT}:{context.client.client_id}",
                signal=SignalType.REBALANCING_DRIFT,
                action_type=ActionType.REBALANCE,
                category=Category.REBALANCING,
                urgency=urgency(30 + 70 * min(1.0, float(moved) / 0.25)),
                regulated=True,
                security_ids=tuple(t.security_id for t in plan.trades if t.security_id),
                trades=plan.trades,
                benefit=Benefit(
                    f"Your portfolio has drifted from its target: "
                    f"{worst.asset_class.value.lower()} is {percent(worst.current)}% against "
                    f"{percent(worst.target)}%. Trading {plan.turnover / 2:,.2f} {currency} each "
                    "way brings every asset class back within its band, keeping your risk where "
                    "you chose it.",
                    amount=plan.turnover,
                    percentage=percent(moved),
                ),
                evidence={
                    "target_source": source,
                    "total_value": text(view.total),
                    "total_drift": text(moved),
                    "turnover": text(plan.turnover),
                    "band_absolute": text(self.bands.absolute),
                    "band_relative": text(self.bands.relative),
                    "classes": {
                        d.asset_class.value: {
                            "current": text(d.current),
                            "target": text(d.target),
                            "band": text(d.band),
                            "out_of_band": d.out_of_band,
                        }
                        for d in drifts
                    },
                },
            )
        ]
