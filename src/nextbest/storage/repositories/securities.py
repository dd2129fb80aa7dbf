"""The security master."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nextbest.domain.enums import AssetClass, Controversy, Sector
from nextbest.domain.ids import SecurityId
from nextbest.domain.security import Security
from nextbest.storage.tables import SecurityRow
from nextbest.storage.upsert import dialect_insert

__all__ = ["SecurityRepository"]

_UPDATABLE = (
    "name",
    "asset_class",
    "sector",
    "region",
    "currency",
    "esg_score",
    "controversies",
    "price",
    "updated_at",
)


class SecurityRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get_many(self, security_ids: Iterable[str]) -> dict[SecurityId, Security]:
        wanted = set(security_ids)
        if not wanted:
            return {}
        rows = self._session.scalars(select(SecurityRow).where(SecurityRow.security_id.in_(wanted)))
        return {SecurityId(row.security_id): _to_domain(row) for row in rows}

    def existing(self, security_ids: Iterable[str]) -> set[SecurityId]:
        wanted = set(security_ids)
        if not wanted:
            return set()
        found = self._session.scalars(
            select(SecurityRow.security_id).where(SecurityRow.security_id.in_(wanted))
        )
        return {SecurityId(security_id) for security_id in found}

    def list(self, *, after: str | None = None, limit: int = 100) -> list[Security]:
        query = select(SecurityRow).order_by(SecurityRow.security_id).limit(limit)
        if after is not None:
            query = query.where(SecurityRow.security_id > after)
        return [_to_domain(row) for row in self._session.scalars(query)]

    def all(self) -> tuple[Security, ...]:
        return tuple(_to_domain(row) for row in self._session.scalars(select(SecurityRow)))

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(SecurityRow)) or 0

    def upsert_many(self, securities: Sequence[Security], *, now: datetime) -> int:
        """Insert or update each security; returns how many were new."""
        if not securities:
            return 0
        self._session.flush()
        new = len(securities) - len(self.existing(s.security_id for s in securities))
        insert = dialect_insert(self._session, SecurityRow)
        statement = insert.on_conflict_do_update(
            index_elements=[SecurityRow.security_id],
            set_={name: insert.excluded[name] for name in _UPDATABLE},
        )
        self._session.execute(statement, [_to_row_values(s, now) for s in securities])
        return new


def _to_row_values(security: Security, now: datetime) -> dict[str, object]:
    return {
        "security_id": security.security_id,
        "name": security.name,
        "asset_class": security.asset_class.value,
        "sector": security.sector.value,
        "region": security.region,
        "currency": security.currency,
        "esg_score": security.esg_score,
        "controversies": sorted(c.value for c in security.controversies),
        "price": security.price,
        "updated_at": now,
    }


def _to_domain(row: SecurityRow) -> Security:
    return Security(
        security_id=SecurityId(row.security_id),
        name=row.name,
        asset_class=AssetClass(row.asset_class),
        sector=Sector(row.sector),
        region=row.region,
        currency=row.currency,
        esg_score=row.esg_score,
        controversies=frozenset(Controversy(c) for c in row.controversies),
        price=row.price,
    )
