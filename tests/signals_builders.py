"""Domain objects for detector tests, with keyword defaults; tests override only what they test.

Amounts may be given as ``str``, ``int`` or ``Decimal`` and are read as ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from nextbest.domain.client import Client, ClientProfile, Constraints, Goal, Preferences
from nextbest.domain.enums import (
    AccountType,
    AssetClass,
    Controversy,
    EsgFocus,
    GoalType,
    IncomeBand,
    Priority,
    RiskTolerance,
    Sector,
    TaxWrapper,
)
from nextbest.domain.ids import AccountId, ClientId, GoalId, SecurityId
from nextbest.domain.portfolio import Account, Holding, Portfolio
from nextbest.domain.security import Security
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.signals.base import SecurityMaster, SignalContext

AS_OF = date(2026, 2, 1)
"""The as-of date of every context unless a test says otherwise."""

Amount = Decimal | str | int


def _d(value: Amount) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def security(
    security_id: str = "EQ-GB-0001",
    *,
    name: str | None = None,
    asset_class: AssetClass = AssetClass.EQUITY,
    sector: Sector = Sector.UTILITIES,
    region: str | None = "UK",
    currency: str | None = "GBP",
    esg_score: Amount | None = 60,
    controversies: Iterable[Controversy] = (),
    price: Amount | None = None,
) -> Security:
    return Security(
        security_id=SecurityId(security_id),
        name=name or f"Security {security_id}",
        asset_class=asset_class,
        sector=sector,
        region=region,
        currency=currency,
        esg_score=None if esg_score is None else _d(esg_score),
        controversies=frozenset(controversies),
        price=None if price is None else _d(price),
    )


def cash_security(security_id: str = "CASH-GBP", *, currency: str = "GBP") -> Security:
    return security(
        security_id,
        name=f"{currency} cash",
        asset_class=AssetClass.CASH,
        sector=Sector.CASH,
        currency=currency,
        esg_score=None,
    )


def goal(
    goal_type: GoalType = GoalType.RETIREMENT,
    *,
    goal_id: str | None = None,
    target_year: int = 2050,
    target_amount: Amount = 500_000,
    priority: Priority = Priority.MEDIUM,
    name: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Goal:
    return Goal(
        goal_id=GoalId(goal_id or f"{goal_type.value.lower().replace('_', '-')}-1"),
        goal_type=goal_type,
        target_year=target_year,
        target_amount=_d(target_amount),
        priority=priority,
        name=name,
        extra={} if extra is None else dict(extra),
    )


def client(
    *,
    client_id: str = "c-1",
    birth_year: int = 1986,
    country: str = "GB",
    base_currency: str = "GBP",
    risk_tolerance: RiskTolerance = RiskTolerance.MEDIUM,
    income_band: IncomeBand | None = IncomeBand.MIDDLE,
    esg_focus: EsgFocus | None = None,
    restricted_sectors: Iterable[Sector | Controversy] = (),
    restricted_securities: Iterable[str] = (),
    goals: Iterable[Goal] = (),
) -> Client:
    return Client(
        client_id=ClientId(client_id),
        birth_year=birth_year,
        country=country,
        base_currency=base_currency,
        risk_tolerance=risk_tolerance,
        income_band=income_band,
        profile=ClientProfile(
            goals=tuple(goals),
            preferences=Preferences(esg_focus=esg_focus),
            constraints=Constraints(
                restricted_sectors=frozenset(restricted_sectors),
                restricted_securities=frozenset(SecurityId(s) for s in restricted_securities),
            ),
        ),
    )


_default_client = client  # ``context`` takes a parameter of the same name


def holding(
    security_id: str = "EQ-GB-0001",
    market_value: Amount = 1000,
    *,
    cost_basis: Amount | None = None,
    acquired_on: date | None = date(2024, 1, 2),
    quantity: Amount = 1,
    goal_id: str | None = None,
) -> Holding:
    return Holding(
        security_id=SecurityId(security_id),
        quantity=_d(quantity),
        market_value=_d(market_value),
        cost_basis=None if cost_basis is None else _d(cost_basis),
        acquired_on=acquired_on,
        goal_id=None if goal_id is None else GoalId(goal_id),
    )


def account(
    account_id: str = "isa-1",
    *holdings: Holding,
    account_type: AccountType = AccountType.TAX_FREE_SAVINGS,
    tax_wrapper: TaxWrapper = TaxWrapper.ISA,
    monthly_contribution: Amount = 0,
    goal_id: str | None = None,
) -> Account:
    return Account(
        account_id=AccountId(account_id),
        account_type=account_type,
        tax_wrapper=tax_wrapper,
        monthly_contribution=_d(monthly_contribution),
        goal_id=None if goal_id is None else GoalId(goal_id),
        holdings=holdings,
    )


def taxable_account(account_id: str = "gia-1", *holdings: Holding) -> Account:
    return account(
        account_id, *holdings, account_type=AccountType.TAXABLE, tax_wrapper=TaxWrapper.NONE
    )


def cash_account(account_id: str = "cash-1", *holdings: Holding) -> Account:
    return account(
        account_id, *holdings, account_type=AccountType.CASH, tax_wrapper=TaxWrapper.NONE
    )


def portfolio(
    *accounts: Account,
    client_id: str = "c-1",
    base_currency: str = "GBP",
    target_allocation: Mapping[AssetClass, Amount] | None = None,
) -> Portfolio:
    allocation = (
        {AssetClass.EQUITY: "0.60", AssetClass.BOND: "0.30", AssetClass.CASH: "0.10"}
        if target_allocation is None
        else target_allocation
    )
    return Portfolio(
        client_id=ClientId(client_id),
        base_currency=base_currency,
        accounts=accounts,
        target_allocation={asset: _d(weight) for asset, weight in allocation.items()},
        as_of=AS_OF,
    )


def context(
    *,
    client: Client | None = None,
    portfolio: Portfolio | None = None,
    securities: Iterable[Security] = (),
    as_of: date = AS_OF,
) -> SignalContext:
    """A context; ``client`` defaults to ``client()``, ``portfolio`` to none at all."""
    return SignalContext(
        client=client if client is not None else _default_client(),
        portfolio=portfolio,
        master=SecurityMaster(list(securities)),
        assumptions=DEFAULT_ASSUMPTIONS,
        as_of=as_of,
    )
