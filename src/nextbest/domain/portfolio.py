"""A client's accounts, holdings, monthly contributions and target allocation.

Market values, cost bases and contributions are in the portfolio's base currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from nextbest.domain.enums import AccountType, AssetClass, TaxWrapper
from nextbest.domain.ids import AccountId, ClientId, GoalId, SecurityId

__all__ = ["Account", "Holding", "Portfolio", "PortfolioTotals"]


@dataclass(frozen=True, slots=True)
class Holding:
    security_id: SecurityId
    quantity: Decimal
    market_value: Decimal
    cost_basis: Decimal | None = None
    acquired_on: date | None = None
    goal_id: GoalId | None = None


@dataclass(frozen=True, slots=True)
class Account:
    account_id: AccountId
    account_type: AccountType
    tax_wrapper: TaxWrapper = TaxWrapper.NONE
    monthly_contribution: Decimal = Decimal(0)
    goal_id: GoalId | None = None
    holdings: tuple[Holding, ...] = ()

    @property
    def market_value(self) -> Decimal:
        return sum((holding.market_value for holding in self.holdings), Decimal(0))


@dataclass(frozen=True, slots=True)
class PortfolioTotals:
    """A portfolio's two totals, which is all the decision loop's rules look at; read without
    loading every holding."""

    market_value: Decimal
    monthly_contribution: Decimal


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Everything a client holds with the firm.

    >>> from decimal import Decimal as D
    >>> cash = Account(AccountId("a1"), AccountType.CASH,
    ...                holdings=(Holding(SecurityId("CASH-GBP"), D(100), D(100)),))
    >>> Portfolio(ClientId("c1"), "GBP", accounts=(cash,)).market_value
    Decimal('100')
    """

    client_id: ClientId
    base_currency: str
    accounts: tuple[Account, ...] = ()
    target_allocation: Mapping[AssetClass, Decimal] = field(default_factory=dict)
    as_of: date | None = None

    @property
    def market_value(self) -> Decimal:
        return sum((account.market_value for account in self.accounts), Decimal(0))

    @property
    def monthly_contribution(self) -> Decimal:
        return sum((account.monthly_contribution for account in self.accounts), Decimal(0))

    def holdings(self) -> list[tuple[Account, Holding]]:
        return [(account, holding) for account in self.accounts for holding in account.holdings]
