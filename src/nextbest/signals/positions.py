"""Holdings joined to the security master, and the same-asset-class alternatives detectors offer.

A holding whose security is missing from the master is left out here, once for every detector:
nothing is known about what it is, so no detector can judge it (its value still counts in the
portfolio's total, which is what the client holds).

>>> from decimal import Decimal as D
>>> from nextbest.domain.enums import AccountType, AssetClass, Sector
>>> from nextbest.domain.ids import AccountId, ClientId
>>> eq = Security(SecurityId("EQ-1"), "Acme", AssetClass.EQUITY, Sector.ENERGY)
>>> a = Account(AccountId("a1"), AccountType.TAXABLE,
...             holdings=(Holding(SecurityId("EQ-1"), D(1), D(60)),
...                       Holding(SecurityId("GONE"), D(1), D(40))))
>>> b = Account(AccountId("a2"), AccountType.CASH,
...             holdings=(Holding(SecurityId("EQ-1"), D(1), D(30)),))
>>> [(e.security.security_id, e.market_value) for e in exposures(
...     positions(Portfolio(ClientId("c"), "GBP", accounts=(a, b)), {eq.security_id: eq}))]
[('EQ-1', Decimal('90'))]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from nextbest.domain.candidate import Trade, TradeSide
from nextbest.domain.client import Client, Constraints
from nextbest.domain.enums import AssetClass, Sector
from nextbest.domain.ids import SecurityId
from nextbest.domain.portfolio import Account, Holding, Portfolio
from nextbest.domain.security import Security
from nextbest.signals.amounts import money, split, text
from nextbest.signals.base import SecurityMaster

__all__ = [
    "Exposure",
    "Position",
    "best_alternative",
    "exposures",
    "has_holdings",
    "positions",
    "restriction_reasons",
    "security_evidence",
    "sell_trades",
    "switch_trades",
]


@dataclass(frozen=True, slots=True)
class Position:
    """One holding, the account it sits in and what its security is."""

    account: Account
    holding: Holding
    security: Security

    def evidence(self) -> dict[str, str | None]:
        """The holding's numbers, JSON-ready."""
        cost = self.holding.cost_basis
        acquired = self.holding.acquired_on
        return {
            "account_id": self.account.account_id,
            "account_type": self.account.account_type.value,
            "tax_wrapper": self.account.tax_wrapper.value,
            "market_value": text(self.holding.market_value),
            "cost_basis": None if cost is None else text(cost),
            "acquired_on": None if acquired is None else acquired.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Exposure:
    """Everything held in one security, across accounts."""

    security: Security
    positions: tuple[Position, ...]

    @property
    def market_value(self) -> Decimal:
        return sum((p.holding.market_value for p in self.positions), Decimal(0))


def has_holdings(portfolio: Portfolio | None) -> bool:
    """Whether there is a portfolio with at least one holding (detectors stay quiet otherwise)."""
    return portfolio is not None and any(account.holdings for account in portfolio.accounts)


def positions(
    portfolio: Portfolio | None, master: SecurityMaster | Mapping[SecurityId, Security]
) -> list[Position]:
    """The portfolio's holdings whose security the master knows, in portfolio order."""
    if portfolio is None:
        return []
    by_id = master.by_id if isinstance(master, SecurityMaster) else master
    found: list[Position] = []
    for account, holding in portfolio.holdings():
        security = by_id.get(holding.security_id)
        if security is not None:
            found.append(Position(account, holding, security))
    return found


def exposures(found: Iterable[Position]) -> list[Exposure]:
    """Positions grouped by security, ordered by security id so results are stable."""
    grouped: dict[SecurityId, list[Position]] = {}
    for position in found:
        grouped.setdefault(position.security.security_id, []).append(position)
    return [
        Exposure(group[0].security, tuple(group))
        for _, group in sorted(grouped.items(), key=lambda item: item[0])
    ]


def restriction_reasons(security: Security, constraints: Constraints) -> list[str]:
    """Why ``constraints`` rule ``security`` out, sorted; empty when they do not."""
    reasons: list[str] = []
    if security.security_id in constraints.restricted_securities:
        reasons.append("RESTRICTED_SECURITY")
    if security.sector in constraints.restricted_sectors:
        reasons.append(f"SECTOR:{security.sector.value}")
    reasons.extend(
        f"INVOLVEMENT:{c.value}"
        for c in security.controversies
        if c in constraints.restricted_sectors
    )
    return sorted(reasons)


def best_alternative(
    master: SecurityMaster,
    client: Client,
    asset_class: AssetClass,
    *,
    exclude: Iterable[SecurityId] = (),
    prefer_sector: Sector | None = None,
    admit: Callable[[Security], bool] = lambda _: True,
) -> Security | None:
    """The security to suggest instead of one in ``asset_class``, or ``None`` when none fits.

    Candidates are in the same asset class, not in ``exclude``, not ruled out by the client's
    constraints, free of every controversy flag (an alternative should not raise a new concern),
    and accepted by ``admit``. Among them the pick is, in order: in the client's base currency
    (a home-market holding is what the client can readily hold), in ``prefer_sector`` (when
    given), the highest ESG score (unscored last), the lowest id.
    """
    excluded = set(exclude)
    constraints = client.profile.constraints
    best: Security | None = None
    best_rank: tuple[bool, bool, Decimal] | None = None
    for security in master.by_asset_class.get(asset_class, []):  # in security-id order
        if (
            security.security_id in excluded
            or security.controversies
            or restriction_reasons(security, constraints)
            or not admit(security)
        ):
            continue
        rank = (
            security.currency == client.base_currency,
            prefer_sector is not None and security.sector is prefer_sector,
            Decimal(-1) if security.esg_score is None else security.esg_score,
        )
        if best_rank is None or rank > best_rank:
            best, best_rank = security, rank
    return best


def security_evidence(security: Security) -> dict[str, str | None]:
    """What a security is, JSON-ready, for evidence and detail."""
    return {
        "security_id": security.security_id,
        "name": security.name,
        "asset_class": security.asset_class.value,
        "sector": security.sector.value,
        "currency": security.currency,
        "esg_score": None if security.esg_score is None else text(security.esg_score),
    }


def sell_trades(exposure: Exposure, amount: Decimal) -> list[Trade]:
    """SELL ``amount`` of the exposure, spread over its accounts in proportion to their value."""
    parts = split(money(amount), [p.holding.market_value for p in exposure.positions])
    return [
        Trade(
            TradeSide.SELL,
            part,
            security_id=exposure.security.security_id,
            account_id=position.account.account_id,
        )
        for position, part in zip(exposure.positions, parts, strict=True)
        if part > 0
    ]


def switch_trades(exposure: Exposure, into: Security) -> list[Trade]:
    """Sell all of the exposure and buy ``into`` for the same amount, account by account."""
    trades: list[Trade] = []
    for position in exposure.positions:
        amount = money(position.holding.market_value)
        if amount <= 0:
            continue
        account_id = position.account.account_id
        trades.append(
            Trade(TradeSide.SELL, amount, exposure.security.security_id, None, account_id)
        )
        trades.append(Trade(TradeSide.BUY, amount, into.security_id, None, account_id))
    return trades
