"""The security master."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from nextbest.domain.ids import SecurityId
from nextbest.domain.security import Security
from nextbest.errors import NotFound
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["get_security", "list_securities", "upsert_securities"]


def upsert_securities(
    securities: Sequence[Security], *, uow: UnitOfWork, now: datetime
) -> tuple[int, int]:
    """Insert or update every security in one transaction; returns (created, updated)."""
    with uow:
        created = uow.securities.upsert_many(securities, now=now)
        uow.commit()
    return created, len(securities) - created


def get_security(security_id: SecurityId, *, uow: UnitOfWork) -> Security:
    with uow:
        found = uow.securities.get_many([security_id])
    if security_id not in found:
        raise NotFound("security", security_id)
    return found[security_id]


def list_securities(*, uow: UnitOfWork, after: str | None, limit: int) -> list[Security]:
    with uow:
        return uow.securities.list(after=after, limit=limit)
