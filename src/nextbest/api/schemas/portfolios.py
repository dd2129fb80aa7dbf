"""Wire shapes of a portfolio: accounts, holdings, contributions and the target allocation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from nextbest.api.schemas.common import (
    CurrencyCode,
    Identifier,
    NonNegativeAmount,
    StrictModel,
)
from nextbest.domain.enums import AccountType, AssetClass, TaxWrapper
from nextbest.domain.ids import AccountId, ClientId, GoalId, SecurityId
from nextbest.domain.portfolio import Account, Holding, Portfolio

__all__ = ["AccountModel", "HoldingModel", "PortfolioIn", "PortfolioOut"]

Weight = Annotated[Decimal, Field(ge=0, le=1, max_digits=8, decimal_places=6)]


class HoldingModel(StrictModel):
    security_id: Identifier
    quantity: Annotated[Decimal, Field(ge=0, max_digits=28, decimal_places=8)]
    market_value: NonNegativeAmount = Field(description="In the portfolio's base currency")
    cost_basis: NonNegativeAmount | None = None
    acquired_on: date | None = None
    goal_id: Identifier | None = Field(default=None, description="The goal this holding funds")


class AccountModel(StrictModel):
    account_id: Identifier
    type: AccountType
    tax_wrapper: TaxWrapper = TaxWrapper.NONE
    monthly_contribution: NonNegativeAmount = Decimal(0)
    goal_id: Identifier | None = Field(default=None, description="The goal the account funds")
    holdings: Annotated[list[HoldingModel], Field(max_length=2_000)] = Field(default_factory=list)

    def to_domain(self) -> Account:
        return Account(
            account_id=AccountId(self.account_id),
            account_type=self.type,
            tax_wrapper=self.tax_wrapper,
            monthly_contribution=self.monthly_contribution,
            goal_id=None if self.goal_id is None else GoalId(self.goal_id),
            holdings=tuple(
                Holding(
                    security_id=SecurityId(h.security_id),
                    quantity=h.quantity,
                    market_value=h.market_value,
                    cost_basis=h.cost_basis,
                    acquired_on=h.acquired_on,
                    goal_id=None if h.goal_id is None else GoalId(h.goal_id),
                )
                for h in self.holdings
            ),
        )

    @classmethod
    def from_domain(cls, account: Account) -> AccountModel:
        return cls(
            account_id=account.account_id,
            type=account.account_type,
            tax_wrapper=account.tax_wrapper,
            monthly_contribution=account.monthly_contribution,
            goal_id=account.goal_id,
            holdings=[
                HoldingModel(
                    security_id=h.security_id,
                    quantity=h.quantity,
                    market_value=h.market_value,
                    cost_basis=h.cost_basis,
                    acquired_on=h.acquired_on,
                    goal_id=h.goal_id,
                )
                for h in account.holdings
            ],
        )


class PortfolioIn(StrictModel):
    base_currency: CurrencyCode
    as_of: date | None = Field(default=None, description="Valuation date of the market values")
    accounts: Annotated[list[AccountModel], Field(max_length=100)] = Field(default_factory=list)
    target_allocation: dict[AssetClass, Weight] = Field(
        default_factory=dict,
        description="Weight per asset class as a fraction; the weights sum to 1",
        examples=[{"EQUITY": "0.6", "BOND": "0.3", "CASH": "0.1"}],
    )

    @field_validator("target_allocation")
    @classmethod
    def _sums_to_one(cls, weights: dict[AssetClass, Decimal]) -> dict[AssetClass, Decimal]:
        total = sum(weights.values(), Decimal(0))
        if weights and abs(total - 1) > Decimal("0.0001"):
            raise ValueError(
                f"target allocation weights sum to {total}; they must sum to 1 (0.6 means 60%)"
            )
        return weights

    def to_domain(self, client_id: str) -> Portfolio:
        return Portfolio(
            client_id=ClientId(client_id),
            base_currency=self.base_currency,
            as_of=self.as_of,
            accounts=tuple(account.to_domain() for account in self.accounts),
            target_allocation=dict(self.target_allocation),
        )


class PortfolioOut(BaseModel):
    client_id: str
    base_currency: str
    as_of: date | None
    market_value: Decimal
    monthly_contribution: Decimal
    accounts: list[AccountModel]
    target_allocation: dict[AssetClass, Decimal]
    updated_at: datetime | None = None

    @classmethod
    def from_domain(cls, portfolio: Portfolio) -> PortfolioOut:
        return cls(
            client_id=portfolio.client_id,
            base_currency=portfolio.base_currency,
            as_of=portfolio.as_of,
            market_value=portfolio.market_value,
            monthly_contribution=portfolio.monthly_contribution,
            accounts=[AccountModel.from_domain(account) for account in portfolio.accounts],
            target_allocation=dict(portfolio.target_allocation),
        )
