"""CONCENTRATION: too much of the portfolio riding on one company or one sector.

Weights are shares of the whole portfolio's market value (every holding, cash included).

* A single holding — one security, summed over accounts — is concentrated when it is not
  diversified by nature (asset class in ``single_name_classes``, by default EQUITY and
  ALTERNATIVE, and sector not in ``exempt_sectors``: DIVERSIFIED funds, GOVERNMENT bonds, CASH)
  and weighs more than ``max_holding_weight`` (default 10%, a common single-name limit in
  discretionary mandates). Key ``CONCENTRATION:<security id>``.
* A GICS sector — every holding in it, any asset class, exempt sectors left out — is concentrated
  above ``max_sector_weight`` (default 35%). Key ``CONCENTRATION:sector:<SECTOR>``.

Each finding is a regulated RISK candidate with the excess over the limit as its benefit and
SELL trades bringing the weight back down to the limit: for a holding spread over its accounts
by value, for a sector over its holdings by value. Urgency grows with how far past the limit::

    urgency = 30 + 50 * min(1, (weight - limit) / limit)      (80 at twice the limit)
"""

from __future__ import annotations

from decimal import Decimal

from nextbest.domain.candidate import ActionType, Benefit, Candidate, Category, SignalType, Trade
from nextbest.domain.enums import AssetClass, Sector
from nextbest.signals.amounts import fraction, money, percent, percent_label, split, text, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.positions import (
    Exposure,
    exposures,
    has_holdings,
    positions,
    security_evidence,
    sell_trades,
)

__all__ = ["ConcentrationDetector"]


def _urgency(weight: Decimal, limit: Decimal) -> int:
    return urgency(30 + 50 * min(Decimal(1), (weight - limit) / limit))


class ConcentrationDetector:
    """Finds a single holding or a sector above its share limit.

    ``max_holding_weight`` (default 0.10) and ``max_sector_weight`` (default 0.35) are the
    limits; ``exempt_sectors`` and ``single_name_classes`` say what counts (see the module).

    >>> from datetime import date
    >>> from decimal import Decimal as D
    >>> from nextbest.domain.client import Client
    >>> from nextbest.domain.enums import AccountType, RiskTolerance
    >>> from nextbest.domain.ids import AccountId, ClientId, SecurityId
    >>> from nextbest.domain.portfolio import Account, Holding, Portfolio
    >>> from nextbest.domain.security import Security
    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> from nextbest.signals.base import SecurityMaster
    >>> acme = Security(SecurityId("EQ-1"), "Acme", AssetClass.EQUITY, Sector.MATERIALS)
    >>> fund = Security(SecurityId("EQ-2"), "Index", AssetClass.EQUITY, Sector.DIVERSIFIED)
    >>> account = Account(AccountId("isa-1"), AccountType.TAX_FREE_SAVINGS,
    ...     holdings=(Holding(acme.security_id, D(1), D(2000)),
    ...               Holding(fund.security_id, D(1), D(8000))))
    >>> client = Client(ClientId("c1"), 1980, "GB", "GBP", RiskTolerance.MEDIUM)
    >>> context = SignalContext(client, Portfolio(ClientId("c1"), "GBP", accounts=(account,)),
    ...     SecurityMaster([acme, fund]), DEFAULT_ASSUMPTIONS, date(2026, 2, 1))
    >>> [(c.key, c.benefit.amount, c.urgency) for c in ConcentrationDetector().detect(context)]
    [('CONCENTRATION:EQ-1', Decimal('1000.00'), 80)]
    """

    name = "concentration"

    def __init__(
        self,
        *,
        max_holding_weight: Decimal = Decimal("0.10"),
        max_sector_weight: Decimal = Decimal("0.35"),
        exempt_sectors: frozenset[Sector] = frozenset(
            {Sector.DIVERSIFIED, Sector.GOVERNMENT, Sector.CASH}
        ),
        single_name_classes: frozenset[AssetClass] = frozenset(
            {AssetClass.EQUITY, AssetClass.ALTERNATIVE}
        ),
    ) -> None:
        if not 0 < max_holding_weight < 1 or not 0 < max_sector_weight < 1:
            raise ValueError("limits are fractions of the portfolio, between 0 and 1")
        self.max_holding_weight = max_holding_weight
        self.max_sector_weight = max_sector_weight
        self.exempt_sectors = exempt_sectors
        self.single_name_classes = single_name_classes

    def detect(self, context: SignalContext) -> list[Candidate]:
        portfolio = context.portfolio
        if portfolio is None or not has_holdings(portfolio):
            return []
        total = portfolio.market_value
        if total <= 0:
            return []
        held = [
            e
            for e in exposures(positions(portfolio, context.master))
            if e.security.sector not in self.exempt_sectors and e.market_value > 0
        ]
        found: list[Candidate] = []
        for exposure in held:
            if exposure.security.asset_class not in self.single_name_classes:
                continue
            if exposure.market_value > self.max_holding_weight * total:
                found.append(self._holding(context, exposure, total))
        by_sector: dict[Sector, list[Exposure]] = {}
        for exposure in held:
            by_sector.setdefault(exposure.security.sector, []).append(exposure)
        for sector, members in sorted(by_sector.items()):
            value = sum((e.market_value for e in members), Decimal(0))
            if value > self.max_sector_weight * total:
                found.append(self._sector(context, sector, members, value, total))
        return found

    def _holding(self, context: SignalContext, exposure: Exposure, total: Decimal) -> Candidate:
        security = exposure.security
        limit = self.max_holding_weight
        value = money(exposure.market_value)
        weight = exposure.market_value / total
        excess = money(exposure.market_value - limit * total)
        currency = context.portfolio.base_currency if context.portfolio else ""
        return Candidate(
            key=f"{SignalType.CONCENTRATION.value}:{security.security_id}",
            signal=SignalType.CONCENTRATION,
            action_type=ActionType.REDUCE_CONCENTRATION,
            category=Category.RISK,
            urgency=_urgency(weight, limit),
            regulated=True,
            benefit=Benefit(
                description=(
                    f"{security.name} is {percent_label(weight)} of your portfolio; selling "
                    f"{excess} {currency} brings it down to {percent_label(limit)}, so less rides "
                    "on one holding."
                ),
                amount=excess,
                percentage=percent(weight - limit),
            ),
            evidence={
                "scope": "HOLDING",
                **security_evidence(security),
                "holdings": [p.evidence() for p in exposure.positions],
                "market_value": text(value),
                "portfolio_value": text(money(total)),
                "weight": text(fraction(value, total)),
                "limit": text(limit),
                "excess": text(excess),
            },
            security_ids=(security.security_id,),
            trades=tuple(sell_trades(exposure, excess)),
        )

    def _sector(
        self,
        context: SignalContext,
        sector: Sector,
        members: list[Exposure],
        value: Decimal,
        total: Decimal,
    ) -> Candidate:
        limit = self.max_sector_weight
        weight = value / total
        excess = money(value - limit * total)
        parts = split(excess, [e.market_value for e in members])
        trades: list[Trade] = []
        for exposure, part in zip(members, parts, strict=True):
            trades.extend(sell_trades(exposure, part))
        currency = context.portfolio.base_currency if context.portfolio else ""
        label = sector.value.replace("_", " ").lower()
        return Candidate(
            key=f"{SignalType.CONCENTRATION.value}:sector:{sector.value}",
            signal=SignalType.CONCENTRATION,
            action_type=ActionType.REDUCE_CONCENTRATION,
            category=Category.RISK,
            urgency=_urgency(weight, limit),
            regulated=True,
            benefit=Benefit(
                description=(
                    f"The {label} sector is {percent_label(weight)} of your portfolio; selling "
                    f"{excess} {currency} of it brings it down to {percent_label(limit)}, so one "
                    "industry's fortunes matter less."
                ),
                amount=excess,
                percentage=percent(weight - limit),
            ),
            evidence={
                "scope": "SECTOR",
                "sector": sector.value,
                "holdings": [
                    {
                        "security_id": e.security.security_id,
                        "name": e.security.name,
                        "market_value": text(money(e.market_value)),
                    }
                    for e in members
                ],
                "market_value": text(money(value)),
                "portfolio_value": text(money(total)),
                "weight": text(fraction(value, total)),
                "limit": text(limit),
                "excess": text(excess),
            },
            security_ids=tuple(e.security.security_id for e in members),
            trades=tuple(trades),
        )
