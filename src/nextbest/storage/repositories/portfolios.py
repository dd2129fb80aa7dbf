"""Portfolios: accounts, holdings, contributions and the target allocation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from nextbest.domain.enums import AccountType, AssetClass, TaxWrapper
from nextbest.domain.ids import AccountId, ClientId, GoalId, SecurityId
from nextbest.domain.portfolio import Account, Holding, Portfolio, PortfolioTotals
from nextbest.storage.tables import AccountRow, HoldingRow, PortfolioRow, table_of

__all__ = ["PortfolioRepository", "totals_columns"]

_PORTFOLIOS = table_of(PortfolioRow)
_ACCOUNTS = table_of(AccountRow)
_HOLDINGS = table_of(HoldingRow)


def totals_columns(client_id: ColumnElement[str]) -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """The market value and the monthly contribution of the client whose id is ``client_id``
    (a column of the outer statement), summed in the database."""
    market_value = (
        select(func.coalesce(func.sum(_HOLDINGS.c.market_value), 0))
        .select_from(_HOLDINGS.join(_ACCOUNTS, _HOLDINGS.c.account_pk == _ACCOUNTS.c.id))
        .where(_ACCOUNTS.c.client_id == client_id)
        .scalar_subquery()
    )
    contribution = (
        select(func.coalesce(func.sum(_ACCOUNTS.c.monthly_contribution), 0))
        .where(_ACCOUNTS.c.client_id == client_id)
        .scalar_subquery()
    )
    return market_value, contribution


_TOTALS = select(*totals_columns(_PORTFOLIOS.c.client_id)).where(
    _PORTFOLIOS.c.client_id == bindparam("client_id")
)


class PortfolioRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _row(self, client_id: ClientId) -> PortfolioRow | None:
        return self._session.scalar(
            select(PortfolioRow)
            .where(PortfolioRow.client_id == client_id)
            .options(selectinload(PortfolioRow.accounts).selectinload(AccountRow.holdings))
        )

    def totals(self, client_id: ClientId) -> PortfolioTotals | None:
        """The market value and monthly contribution, summed in the database (a statement built
        once, on the tables: it is on every recommendation's path)."""
        row = self._session.execute(_TOTALS, {"client_id": client_id}).one_or_none()
        if row is None:
            return None
        return PortfolioTotals(Decimal(str(row[0])), Decimal(str(row[1])))

    def get(self, client_id: ClientId) -> Portfolio | None:
        row = self._row(client_id)
        return None if row is None else _to_domain(row)

    def replace(self, portfolio: Portfolio, *, now: datetime) -> bool:
        """Store ``portfolio`` in place of the client's previous one; True when it is the first."""
        row = self._row(portfolio.client_id)
        created = row is None
        if row is None:
            row = PortfolioRow(client_id=portfolio.client_id)
            row.accounts = []
            self._session.add(row)
        else:
            # Flush the deletes first so re-used account ids do not collide with the old rows.
            row.accounts.clear()
            self._session.flush()
        row.base_currency = portfolio.base_currency
        row.as_of = portfolio.as_of
        row.target_allocation = {k.value: str(v) for k, v in portfolio.target_allocation.items()}
        row.updated_at = now
        row.accounts.extend(
            _account_row(portfolio.client_id, position, account)
            for position, account in enumerate(portfolio.accounts)
        )
        return created


def _account_row(client_id: ClientId, position: int, account: Account) -> AccountRow:
    row = AccountRow(
        client_id=client_id,
        account_id=account.account_id,
        position=position,
        account_type=account.account_type.value,
        tax_wrapper=account.tax_wrapper.value,
        monthly_contribution=account.monthly_contribution,
        goal_id=account.goal_id,
    )
    row.holdings = [
        HoldingRow(
            position=index,
            security_id=holding.security_id,
            quantity=holding.quantity,
            market_value=holding.market_value,
            cost_basis=holding.cost_basis,
            acquired_on=holding.acquired_on,
            goal_id=holding.goal_id,
        )
        for index, holding in enumerate(account.holdings)
    ]
    return row


def _to_domain(row: PortfolioRow) -> Portfolio:
    return Portfolio(
        client_id=ClientId(row.client_id),
        base_currency=row.base_currency,
        as_of=row.as_of,
        target_allocation={AssetClass(k): Decimal(v) for k, v in row.target_allocation.items()},
        accounts=tuple(
            Account(
                account_id=AccountId(account.account_id),
                account_type=AccountType(account.account_type),
                tax_wrapper=TaxWrapper(account.tax_wrapper),
                monthly_contribution=account.monthly_contribution,
                goal_id=None if account.goal_id is None else GoalId(account.goal_id),
                holdings=tuple(
                    Holding(
                        security_id=SecurityId(h.security_id),
                        quantity=h.quantity,
                        market_value=h.market_value,
                        cost_basis=h.cost_basis,
                        acquired_on=h.acquired_on,
                        goal_id=None if h.goal_id is None else GoalId(h.goal_id),
                    )
                    for h in account.holdings
                ),
            )
            for account in row.accounts
        ),
    )
