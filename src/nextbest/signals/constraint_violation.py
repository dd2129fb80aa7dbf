"""CONSTRAINT_VIOLATION: a holding the client's own restrictions rule out.

A security breaks the client's constraints when its sector or one of its business involvements
is among ``client.profile.constraints.restricted_sectors`` (``Security.is_restricted_by``) or
its id is among ``restricted_securities``. Each such security held (summed over accounts: one
candidate per security, so the key is stable) gives one **mandatory**, regulated COMPLIANCE
candidate to sell it all, with a SELL trade per account holding it and, in ``detail``, the
same-asset-class alternative with the highest ESG score that the client's constraints allow
(see :func:`~nextbest.signals.positions.best_alternative`), or ``None`` when there is none.

Urgency starts high and rises with the share of the portfolio in breach::

    urgency = base_urgency + (100 - base_urgency) * min(1, weight / full_urgency_weight)

The deadline is ``deadline_days`` after the as-of date: a breach should be put right promptly.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from nextbest.domain.candidate import ActionType, Benefit, Candidate, Category, SignalType
from nextbest.signals.amounts import fraction, money, percent, percent_label, text, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.positions import (
    Exposure,
    best_alternative,
    exposures,
    has_holdings,
    positions,
    restriction_reasons,
    security_evidence,
    sell_trades,
)

__all__ = ["ConstraintViolationDetector"]


class ConstraintViolationDetector:
    """Finds holdings in a sector, involvement or security the client has restricted.

    ``base_urgency`` (default 80) is the urgency of the smallest breach;
    ``full_urgency_weight`` (default 0.10) the portfolio share at which urgency reaches 100;
    ``deadline_days`` (default 30) how long after the as-of date the breach should be cleared.

    >>> from datetime import date
    >>> from decimal import Decimal as D
    >>> from nextbest.domain.client import Client, ClientProfile, Constraints
    >>> from nextbest.domain.enums import (AccountType, AssetClass, Controversy, RiskTolerance,
    ...                                    Sector)
    >>> from nextbest.domain.ids import AccountId, ClientId, SecurityId
    >>> from nextbest.domain.portfolio import Account, Holding, Portfolio
    >>> from nextbest.domain.security import Security
    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> from nextbest.signals.base import SecurityMaster
    >>> smoke = Security(SecurityId("EQ-1"), "Puff plc", AssetClass.EQUITY,
    ...                  Sector.CONSUMER_STAPLES, controversies=frozenset({Controversy.TOBACCO}))
    >>> clean = Security(SecurityId("EQ-2"), "Sun plc", AssetClass.EQUITY, Sector.UTILITIES,
    ...                  esg_score=D(80))
    >>> client = Client(ClientId("c1"), 1980, "GB", "GBP", RiskTolerance.MEDIUM,
    ...     profile=ClientProfile(constraints=Constraints(frozenset({Controversy.TOBACCO}))))
    >>> account = Account(AccountId("isa-1"), AccountType.TAX_FREE_SAVINGS,
    ...                   holdings=(Holding(SecurityId("EQ-1"), D(10), D(1000)),))
    >>> context = SignalContext(client, Portfolio(ClientId("c1"), "GBP", accounts=(account,)),
    ...     SecurityMaster([smoke, clean]), DEFAULT_ASSUMPTIONS, date(2026, 2, 1))
    >>> [(c.key, c.mandatory, c.urgency, c.detail["alternative"]["security_id"])
    ...  for c in ConstraintViolationDetector().detect(context)]
    [('CONSTRAINT_VIOLATION:EQ-1', True, 100, 'EQ-2')]
    """

    name = "constraint_violation"

    def __init__(
        self,
        *,
        base_urgency: int = 80,
        full_urgency_weight: Decimal = Decimal("0.10"),
        deadline_days: int = 30,
    ) -> None:
        if not 0 <= base_urgency <= 100 or full_urgency_weight <= 0 or deadline_days < 0:
            raise ValueError("base_urgency must be 0-100, the rest positive")
        self.base_urgency = base_urgency
        self.full_urgency_weight = full_urgency_weight
        self.deadline_days = deadline_days

    def detect(self, context: SignalContext) -> list[Candidate]:
        portfolio = context.portfolio
        if portfolio is None or not has_holdings(portfolio):
            return []
        total = portfolio.market_value
        constraints = context.client.profile.constraints
        found: list[Candidate] = []
        for exposure in exposures(positions(portfolio, context.master)):
            reasons = restriction_reasons(exposure.security, constraints)
            if reasons and exposure.market_value > 0:
                found.append(self._candidate(context, exposure, reasons, total))
        return found

    def _candidate(
        self, context: SignalContext, exposure: Exposure, reasons: list[str], total: Decimal
    ) -> Candidate:
        security = exposure.security
        value = money(exposure.market_value)
        weight = fraction(value, total)
        severity = min(Decimal(1), weight / self.full_urgency_weight)
        score = urgency(self.base_urgency + (100 - self.base_urgency) * severity)
        alternative = best_alternative(
            context.master, context.client, security.asset_class, exclude=[security.security_id]
        )
        currency = context.portfolio.base_currency if context.portfolio else ""
        return Candidate(
            key=f"{SignalType.CONSTRAINT_VIOLATION.value}:{security.security_id}",
            signal=SignalType.CONSTRAINT_VIOLATION,
            action_type=ActionType.SELL_RESTRICTED_HOLDING,
            category=Category.COMPLIANCE,
            urgency=score,
            regulated=True,
            mandatory=True,
            deadline=context.as_of + timedelta(days=self.deadline_days),
            benefit=Benefit(
                description=(
                    f"Selling {security.name} ({value} {currency}, {percent_label(weight)} of the "
                    "portfolio) brings the portfolio back within the restrictions you set."
                ),
                amount=value,
                percentage=percent(weight),
            ),
            evidence={
                **security_evidence(security),
                "controversies": sorted(c.value for c in security.controversies),
                "reasons": reasons,
                "restricted_sectors": sorted(
                    s.value for s in context.client.profile.constraints.restricted_sectors
                ),
                "holdings": [p.evidence() for p in exposure.positions],
                "market_value": text(value),
                "portfolio_value": text(money(total)),
                "weight": text(weight),
                "base_urgency": self.base_urgency,
                "full_urgency_weight": text(self.full_urgency_weight),
                "deadline_days": self.deadline_days,
            },
            security_ids=(security.security_id,),
            trades=tuple(sell_trades(exposure, value)),
            detail={"alternative": None if alternative is None else security_evidence(alternative)},
        )
