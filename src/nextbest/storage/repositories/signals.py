"""The signal cache: each client's last candidates and the inputs they were computed from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from nextbest.domain.candidate import Candidate
from nextbest.domain.ids import ClientId
from nextbest.storage.candidate_codec import candidate_from_json, candidate_to_json
from nextbest.storage.tables import ClientRow, PortfolioRow, SecurityRow, SignalCacheRow, table_of
from nextbest.storage.upsert import dialect_insert

__all__ = [
    "PROBE_COLUMNS",
    "CachedSignals",
    "InputVersions",
    "Probe",
    "SignalCacheRepository",
    "probe_from_row",
]


@dataclass(frozen=True, slots=True)
class InputVersions:
    """When each input of a client's signals last changed; None where there is none."""

    client_updated_at: datetime
    portfolio_updated_at: datetime | None
    securities_updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class CachedSignals:
    as_of: date
    inputs_key: str
    computed_at: datetime
    candidates: tuple[Candidate, ...]


Probe = tuple[InputVersions, CachedSignals | None]
"""When a client's signal inputs last changed, and its cached signals if any."""


class SignalCacheRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def probe(self, client_id: ClientId) -> Probe | None:
        """The input versions and the cached signals of a client in one query; None when the
        client does not exist. This is the read path of every recommendation, so the statement
        is built once and returns plain columns."""
        row = self._session.execute(_PROBE, {"client_id": client_id}).one_or_none()
        return None if row is None else probe_from_row(row)

    def securities_version(self) -> datetime | None:
        return self._session.scalar(select(func.max(SecurityRow.updated_at)))

    def invalidate(self, client_id: ClientId) -> None:
        """Forget the client's cached signals; the next read recomputes them."""
        self._session.execute(delete(SignalCacheRow).where(SignalCacheRow.client_id == client_id))

    def store(
        self,
        client_id: ClientId,
        *,
        as_of: date,
        inputs_key: str,
        computed_at: datetime,
        candidates: Sequence[Candidate],
    ) -> None:
        values = {
            "client_id": client_id,
            "as_of": as_of,
            "inputs_key": inputs_key,
            "computed_at": computed_at,
            "candidates": orjson.dumps([candidate_to_json(c) for c in candidates]).decode(),
        }
        insert = dialect_insert(self._session, SignalCacheRow)
        self._session.execute(
            insert.values(values).on_conflict_do_update(
                index_elements=[SignalCacheRow.client_id],
                set_={k: insert.excluded[k] for k in values if k != "client_id"},
            )
        )


_CLIENTS = table_of(ClientRow)
_PORTFOLIOS = table_of(PortfolioRow)
_CACHE = table_of(SignalCacheRow)
PROBE_COLUMNS = (
    _CLIENTS.c.updated_at.label("client_updated_at"),
    _PORTFOLIOS.c.updated_at.label("portfolio_updated_at"),
    select(func.max(table_of(SecurityRow).c.updated_at)).scalar_subquery().label("securities"),
    _CACHE.c.as_of,
    _CACHE.c.inputs_key,
    _CACHE.c.computed_at,
    _CACHE.c.candidates,
)
"""What a probe reads, for a statement that joins ``clients``, ``portfolios`` and
``client_signals`` on the client id (``probe_from_row`` reads them back)."""
PROBE_FROM = _CLIENTS.outerjoin(
    _PORTFOLIOS, _PORTFOLIOS.c.client_id == _CLIENTS.c.client_id
).outerjoin(_CACHE, _CACHE.c.client_id == _CLIENTS.c.client_id)
_PROBE = (
    select(*PROBE_COLUMNS)
    .select_from(PROBE_FROM)
    .where(_CLIENTS.c.client_id == bindparam("client_id"))
)
"""Built once, on the tables (no ORM compilation)."""


def probe_from_row(row: Any) -> Probe:
    """The input versions and cached signals from a row holding ``PROBE_COLUMNS``."""
    versions = InputVersions(row.client_updated_at, row.portfolio_updated_at, row.securities)
    if row.inputs_key is None:
        return versions, None
    cached = CachedSignals(
        as_of=row.as_of,
        inputs_key=row.inputs_key,
        computed_at=row.computed_at,
        candidates=tuple(candidate_from_json(c) for c in orjson.loads(row.candidates)),
    )
    return versions, cached
