"""The signal cache: each client's last candidates and the inputs they were computed from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
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
        """The input versions and the cached signals of a client; None when it does not exist."""
        row = self._session.execute(
            select(ClientRow.updated_at, PortfolioRow.updated_at, SignalCacheRow)
            .select_from(ClientRow)
            .outerjoin(PortfolioRow, PortfolioRow.client_id == ClientRow.client_id)
            .outerjoin(SignalCacheRow, SignalCacheRow.client_id == ClientRow.client_id)
            .where(ClientRow.client_id == client_id)
        ).one_or_none()
        if row is None:
            return None
        client_updated, portfolio_updated, cache = row
        versions = InputVersions(client_updated, portfolio_updated, self.securities_version())
        return versions, None if cache is None else _cached(cache)

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
            "candidates": [candidate_to_json(c) for c in candidates],
        }
        insert = dialect_insert(self._session, SignalCacheRow)
        self._session.execute(
            insert.values(values).on_conflict_do_update(
                index_elements=[SignalCacheRow.client_id],
                set_={k: insert.excluded[k] for k in values if k != "client_id"},
            )
        )


def _cached(row: SignalCacheRow) -> CachedSignals:
    return CachedSignals(
        as_of=row.as_of,
        inputs_key=row.inputs_key,
        computed_at=row.computed_at,
        candidates=tuple(candidate_from_json(c) for c in row.candidates),
    )
