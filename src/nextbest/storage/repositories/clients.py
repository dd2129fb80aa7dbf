"""Clients and their consents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from nextbest.domain.client import Client
from nextbest.domain.enums import ConsentPurpose, IncomeBand, NetWorthBand, RiskTolerance
from nextbest.domain.ids import ClientId
from nextbest.storage.profile_codec import profile_from_json, profile_to_json
from nextbest.storage.tables import ClientRow, ConsentRow, table_of

__all__ = ["ClientRepository", "client_from_row"]

_CLIENTS = table_of(ClientRow)
_CONSENTS = table_of(ConsentRow)
_GET = (
    select(*_CLIENTS.c, _CONSENTS.c.purpose, _CONSENTS.c.granted)
    .select_from(_CLIENTS.outerjoin(_CONSENTS, _CONSENTS.c.client_id == _CLIENTS.c.client_id))
    .where(_CLIENTS.c.client_id == bindparam("client_id"))
)


class ClientRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, client_id: ClientId) -> Client | None:
        """The client and its consents in one round trip (it is on every recommendation's path,
        so the statement is built once, on the tables: no ORM objects are made)."""
        rows = self._session.execute(_GET, {"client_id": client_id}).all()
        if not rows:
            return None
        consents = {ConsentPurpose(r.purpose): r.granted for r in rows if r.purpose is not None}
        return client_from_row(rows[0], consents)

    def existing(self, client_ids: Iterable[str]) -> set[ClientId]:
        """Which of ``client_ids`` are stored: one query for a whole batch."""
        wanted = set(client_ids)
        if not wanted:
            return set()
        found = self._session.scalars(
            select(ClientRow.client_id).where(ClientRow.client_id.in_(wanted))
        )
        return {ClientId(client_id) for client_id in found}

    def ids(self) -> list[ClientId]:
        """Every client id, in order."""
        found = self._session.scalars(select(ClientRow.client_id).order_by(ClientRow.client_id))
        return [ClientId(client_id) for client_id in found]

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(ClientRow)) or 0

    def save(self, client: Client) -> bool:
        """Insert or replace ``client``; True when it was new."""
        if client.created_at is None or client.updated_at is None:
            raise ValueError("a client is saved with its timestamps set")
        row = self._session.scalar(
            select(ClientRow)
            .where(ClientRow.client_id == client.client_id)
            .options(selectinload(ClientRow.consents))
        )
        created = row is None
        if row is None:
            row = ClientRow(client_id=client.client_id, created_at=client.created_at)
            row.consents = []
            self._session.add(row)
        row.birth_year = client.birth_year
        row.country = client.country
        row.base_currency = client.base_currency
        row.risk_tolerance = client.risk_tolerance.value
        row.income_band = None if client.income_band is None else client.income_band.value
        row.net_worth_band = None if client.net_worth_band is None else client.net_worth_band.value
        row.profile = profile_to_json(client.profile)
        row.updated_at = client.updated_at
        _replace_consents(row, client)
        return created


def _replace_consents(row: ClientRow, client: Client) -> None:
    assert client.updated_at is not None
    current = {consent.purpose: consent for consent in row.consents}
    for purpose, granted in client.consents.items():
        existing = current.pop(purpose.value, None)
        if existing is None:
            row.consents.append(
                ConsentRow(purpose=purpose.value, granted=granted, recorded_at=client.updated_at)
            )
        elif existing.granted != granted:
            existing.granted = granted
            existing.recorded_at = client.updated_at
    for stale in current.values():
        row.consents.remove(stale)


def client_from_row(row: Any, consents: dict[ConsentPurpose, bool]) -> Client:
    """A client from a row holding the ``clients`` columns under their own names."""
    return Client(
        client_id=ClientId(row.client_id),
        birth_year=row.birth_year,
        country=row.country,
        base_currency=row.base_currency,
        risk_tolerance=RiskTolerance(row.risk_tolerance),
        income_band=None if row.income_band is None else IncomeBand(row.income_band),
        net_worth_band=None if row.net_worth_band is None else NetWorthBand(row.net_worth_band),
        profile=profile_from_json(row.profile),
        consents=consents,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
