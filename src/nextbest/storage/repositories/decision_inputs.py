"""Everything a decision reads about one client, in one statement.

A recommendation request needs the client and its consents, when its signal inputs last
changed and its cached signals, its portfolio totals, its stored profile (and whether events
wait in its queue), and the newest segment model's version. Read one by one that is seven
statements; each costs more in the drivers and SQLAlchemy than in the database. Here they are
one row: the one-to-one tables joined on the client id, the rest as scalar subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, case, exists, func, select
from sqlalchemy.orm import Session

from nextbest.domain.client import Client
from nextbest.domain.enums import ConsentPurpose
from nextbest.domain.ids import ClientId
from nextbest.domain.portfolio import PortfolioTotals
from nextbest.storage.repositories.clients import client_from_row
from nextbest.storage.repositories.portfolios import totals_columns
from nextbest.storage.repositories.profiles import StoredProfile, stored_profile
from nextbest.storage.repositories.signals import PROBE_COLUMNS, PROBE_FROM, Probe, probe_from_row
from nextbest.storage.tables import (
    ClientRow,
    ConsentRow,
    PersonalizationProfileRow,
    PortfolioRow,
    ProfileQueueRow,
    SegmentModelRow,
    table_of,
)

__all__ = ["DecisionInputs", "DecisionInputsRepository"]

_CLIENTS = table_of(ClientRow)
_CONSENTS = table_of(ConsentRow)
_PORTFOLIOS = table_of(PortfolioRow)
_PROFILES = table_of(PersonalizationProfileRow)
_QUEUE = table_of(ProfileQueueRow)
_SEGMENTS = table_of(SegmentModelRow)

_SEPARATOR = ","
_MARKET_VALUE, _CONTRIBUTION = totals_columns(_CLIENTS.c.client_id)


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    client: Client
    signals: Probe
    """When the client's signal inputs last changed, and its cached signals."""
    totals: PortfolioTotals | None
    """None when the client has no portfolio."""
    profile: StoredProfile | None
    """The stored profile, without the queued events (``queued`` says whether there are any)."""
    queued: bool
    segment_version: int | None


_READ = (
    select(
        *_CLIENTS.c,
        select(
            func.aggregate_strings(
                _CONSENTS.c.purpose + case((_CONSENTS.c.granted, "=1"), else_="=0"), _SEPARATOR
            )
        )
        .where(_CONSENTS.c.client_id == _CLIENTS.c.client_id)
        .scalar_subquery()
        .label("consents"),
        *PROBE_COLUMNS,
        _PORTFOLIOS.c.client_id.label("portfolio_client_id"),
        _MARKET_VALUE.label("market_value"),
        _CONTRIBUTION.label("monthly_contribution"),
        _PROFILES.c.client_id.label("profile_client_id"),
        _PROFILES.c.state.label("profile_state"),
        _PROFILES.c.preferences.label("profile_preferences"),
        _PROFILES.c.keeps_receipts.label("profile_keeps_receipts"),
        exists().where(_QUEUE.c.client_id == _CLIENTS.c.client_id).label("queued"),
        select(func.max(_SEGMENTS.c.version)).scalar_subquery().label("segment_version"),
    )
    .select_from(PROBE_FROM.outerjoin(_PROFILES, _PROFILES.c.client_id == _CLIENTS.c.client_id))
    .where(_CLIENTS.c.client_id == bindparam("client_id"))
)


class DecisionInputsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def read(self, client_id: ClientId) -> DecisionInputs | None:
        """The client's decision inputs; None when the client does not exist."""
        row = self._session.execute(_READ, {"client_id": client_id}).one_or_none()
        if row is None:
            return None
        consents = {}
        for pair in (row.consents or "").split(_SEPARATOR):
            if pair:
                purpose, _, granted = pair.partition("=")
                consents[ConsentPurpose(purpose)] = granted == "1"
        profile = None
        if row.profile_client_id is not None:
            profile = stored_profile(
                _ProfileColumns(
                    row.profile_client_id,
                    row.profile_state,
                    row.profile_preferences,
                    row.profile_keeps_receipts,
                )
            )
        totals = None
        if row.portfolio_client_id is not None:
            totals = PortfolioTotals(
                Decimal(str(row.market_value)), Decimal(str(row.monthly_contribution))
            )
        return DecisionInputs(
            client=client_from_row(row, consents),
            signals=probe_from_row(row),
            totals=totals,
            profile=profile,
            queued=bool(row.queued),
            segment_version=row.segment_version,
        )


@dataclass(frozen=True, slots=True)
class _ProfileColumns:
    client_id: str
    state: str | None
    preferences: str | None
    keeps_receipts: bool
