"""Create, replace and read clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from nextbest.domain.client import Client
from nextbest.domain.ids import ClientId
from nextbest.errors import Conflict, NotFound, Problem, ValidationFailed
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["get_client", "put_client"]

MAX_AGE = 120


def client_problems(client: Client, *, now: datetime) -> list[Problem]:
    found = client.profile.problems(as_of_year=now.year)
    age = client.age_in(now.year)
    if age < 0:
        found.append(("birth_year", f"birth year {client.birth_year} is in the future"))
    elif age > MAX_AGE:
        found.append(("birth_year", f"birth year {client.birth_year} gives an age over {MAX_AGE}"))
    return found


def put_client(
    client: Client,
    *,
    uow: UnitOfWork,
    now: datetime,
    pseudonymise: Callable[[str], str] | None = None,
) -> tuple[Client, bool]:
    """Create or replace ``client``; returns it as stored and whether it is new.

    With ``pseudonymise`` (the API passes it), an id that was erased is created again only
    with a consent granted in the request: erasure is not undone by the next sync of a host
    application that still had the client.
    """
    problems = client_problems(client, now=now)
    if problems:
        raise ValidationFailed(problems)
    with uow:
        existing = uow.clients.get(client.client_id)
        if existing is None and pseudonymise is not None:
            ref = pseudonymise(client.client_id)
            if uow.privacy.erased(ref):
                if not any(client.consents.values()):
                    raise Conflict(
                        f"client {client.client_id!r} was erased; create it again only with "
                        "the client's consent (at least one purpose in consents set to true)"
                    )
                uow.privacy.mark_recreated(ref, now=now)
        portfolio = uow.portfolios.get(client.client_id) if existing is not None else None
        if portfolio is not None:
            goal_ids = {goal.goal_id for goal in client.profile.goals}
            linked = {
                goal_id
                for account in portfolio.accounts
                for goal_id in (account.goal_id, *(h.goal_id for h in account.holdings))
                if goal_id is not None
            }
            orphaned = sorted(linked - goal_ids)
            if orphaned:
                raise Conflict(
                    "the portfolio still links holdings or accounts to goal(s) "
                    f"{', '.join(orphaned)}; update the portfolio before removing them"
                )
        stored = replace(
            client,
            created_at=now if existing is None else existing.created_at,
            updated_at=now,
        )
        created = uow.clients.save(stored)
        if created:
            uow.session.flush()  # the profile row refers to the client row
            uow.profiles.ensure([client.client_id], now=now)
        uow.signals.invalidate(client.client_id)
        uow.commit()
    return stored, created


def get_client(client_id: ClientId, *, uow: UnitOfWork) -> Client:
    with uow:
        client = uow.clients.get(client_id)
    if client is None:
        raise NotFound("client", client_id)
    return client
