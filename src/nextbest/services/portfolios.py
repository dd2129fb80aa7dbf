"""Replace and read a client's portfolio."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from nextbest.domain.client import Client
from nextbest.domain.ids import ClientId
from nextbest.domain.portfolio import Portfolio
from nextbest.errors import NotFound, Problem, ValidationFailed
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["get_portfolio", "put_portfolio"]


def portfolio_problems(
    portfolio: Portfolio, client: Client, known_securities: set[str], *, now: datetime
) -> list[Problem]:
    found: list[Problem] = []
    if portfolio.as_of is not None and portfolio.as_of > now.date():
        found.append(("as_of", f"valuation date {portfolio.as_of} is in the future"))
    twice = sorted(a for a, n in Counter(a.account_id for a in portfolio.accounts).items() if n > 1)
    if twice:
        found.append(("accounts", f"account ids used more than once: {', '.join(twice)}"))
    goal_ids = {goal.goal_id for goal in client.profile.goals}
    for a, account in enumerate(portfolio.accounts):
        if account.goal_id is not None and account.goal_id not in goal_ids:
            found.append((f"accounts.{a}.goal_id", _unknown_goal(account.goal_id)))
        for h, holding in enumerate(account.holdings):
            where = f"accounts.{a}.holdings.{h}"
            if holding.security_id not in known_securities:
                found.append(
                    (
                        f"{where}.security_id",
                        f"security {holding.security_id!r} is not in the security master; "
                        "add it with PUT /v1/securities first",
                    )
                )
            if holding.goal_id is not None and holding.goal_id not in goal_ids:
                found.append((f"{where}.goal_id", _unknown_goal(holding.goal_id)))
    return found


def _unknown_goal(goal_id: str) -> str:
    return f"goal {goal_id!r} is not one of the client's goals"


def put_portfolio(
    portfolio: Portfolio, *, uow: UnitOfWork, now: datetime
) -> tuple[Portfolio, bool]:
    """Replace the client's portfolio with ``portfolio``; returns it and whether it is the first."""
    with uow:
        client = uow.clients.get(portfolio.client_id)
        if client is None:
            raise NotFound("client", portfolio.client_id)
        security_ids = {h.security_id for _, h in portfolio.holdings()}
        known = uow.securities.existing(security_ids)
        problems = portfolio_problems(portfolio, client, set(known), now=now)
        if problems:
            raise ValidationFailed(problems)
        created = uow.portfolios.replace(portfolio, now=now)
        uow.signals.invalidate(portfolio.client_id)
        uow.commit()
    return portfolio, created


def get_portfolio(client_id: ClientId, *, uow: UnitOfWork) -> Portfolio:
    with uow:
        portfolio = uow.portfolios.get(client_id)
        if portfolio is None:
            kind = "client" if uow.clients.get(client_id) is None else "portfolio of client"
            raise NotFound(kind, client_id)
    return portfolio
