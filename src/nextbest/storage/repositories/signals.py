"""The signal cache: each client's last candidates and the inputs they were computed from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import orjson
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from nextbest.domain.candidate import Candidate
from nextbest.domain.ids import ClientId
from nextbest.storage.candidate_codec import candidate_from_json, candidate_to_json
from nextbest.storage.tables import ClientRow, PortfolioRow, SecurityRow, SignalCacheRow
from nextbest.storage.upsert import dialect_insert

__all__ = ["CachedSignals", "InputVersions", "SignalCacheRepository"]


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


class SignalCacheRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def probe(self, client_id: ClientId) -> tuple[InputVersions, CachedSignals | None] | None:
        """The input versions and the cached signals of a client in one query; None when the
        client does not exist. This is the read path of every recommendation, so the statement
        is built once and returns plain columns."""
        row = self._session.execute(_PROBE, {"client_id": client_id}).one_or_none()
        if row is None:
            return None
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


_PROBE = (
    select(
        ClientRow.updated_at.label("client_updated_at"),
        PortfolioRow.updated_at.label("portfolio_updated_at"),
        select(func.max(SecurityRow.updated_at)).scalar_subquery().label("securities"),
        SignalCacheRow.as_of,
        SignalCacheRow.inputs_key,
        SignalCacheRow.computed_at,
        SignalCacheRow.candidates,
    )
    .select_from(ClientRow)
    .outerjoin(PortfolioRow, PortfolioRow.client_id == ClientRow.client_id)
    .outerjoin(SignalCacheRow, SignalCacheRow.client_id == ClientRow.client_id)
    .where(ClientRow.client_id == bindparam("client_id"))
)
