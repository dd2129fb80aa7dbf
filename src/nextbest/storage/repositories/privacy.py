"""Everything held about one client, found generically: export, erasure, retention, tombstones.

A table holds a client's data when it has a ``client_id`` column, or a foreign key to a table
that has one (holdings, through their account). The lists are derived from the schema itself,
so a table added later is exported and erased without anyone remembering to add it here; a
table that holds no client data must be named in :data:`NOT_CLIENT_DATA` (a test fails on a
table in neither group).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Column, Table, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from nextbest.storage.tables import (
    Base,
    DecisionRow,
    ErasureRow,
    EventRow,
    LearnedStateRow,
    ProfileQueueRow,
    RecommendationRow,
)

__all__ = [
    "NOT_CLIENT_DATA",
    "ClientTable",
    "Erasure",
    "PrivacyRepository",
    "client_tables",
]

NOT_CLIENT_DATA = frozenset(
    {
        "securities",  # the security master
        "segment_models",  # segment priors: aggregates over many clients, no ids
        "experiment_layers",
        "experiments",
        "experiment_day_stats",  # per-variant sums, no ids
        "api_keys",
        "rate_buckets",  # per API key, not per client
        "audit_log",  # about clients by pseudonym only; exported by pseudonym
        "erasures",  # tombstones: pseudonyms only
        "learned_state",
    }
)
"""Tables that hold no client's personal data (by id), each with the reason."""


@dataclass(frozen=True, slots=True)
class ClientTable:
    """A table with client data and how to find a client's rows in it: directly by its
    ``client_id`` column, or through ``via`` (a foreign key column) to a parent table's rows."""

    table: Table
    via: Column[Any] | None = None
    parent: ClientTable | None = None

    @property
    def name(self) -> str:
        return str(self.table.name)  # a plain str: SQLAlchemy's quoted_name is no JSON key

    def where(self, client_id: str) -> Any:
        if self.via is None:
            return self.table.c.client_id == client_id
        assert self.parent is not None
        key = next(iter(self.via.foreign_keys)).column
        return self.via.in_(select(key).where(self.parent.where(client_id)))


def client_tables() -> list[ClientTable]:
    """Every table holding client data, parents before children (the schema's own order)."""
    found: dict[str, ClientTable] = {}
    for table in Base.metadata.sorted_tables:
        if "client_id" in table.c:
            found[table.name] = ClientTable(table)
            continue
        for column in table.c:
            for key in column.foreign_keys:
                parent = found.get(key.column.table.name)
                if parent is not None and table.name not in found:
                    found[table.name] = ClientTable(table, via=column, parent=parent)
    return list(found.values())


def _plain(value: Any) -> Any:
    """A column value as JSON: dates as ISO text, decimals as text, JSON text parsed."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


@dataclass(frozen=True, slots=True)
class Erasure:
    removed: Mapping[str, int]


class PrivacyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def export(self, client_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row about the client, by table (only tables where it has rows)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for target in client_tables():
            rows = self._session.execute(
                select(target.table).where(target.where(client_id))
            ).mappings()
            listed = [{key: _plain(value) for key, value in row.items()} for row in rows]
            if listed:
                found[target.name] = listed
        return found

    def erase(self, client_id: str) -> Erasure:
        """Delete the client's rows from every table, children first; counts per table."""
        removed: dict[str, int] = {}
        for target in reversed(client_tables()):
            result = self._session.execute(delete(target.table).where(target.where(client_id)))
            count = int(result.rowcount)  # type: ignore[attr-defined]
            if count:
                removed[target.name] = count
        return Erasure(removed)

    # -- tombstones -----------------------------------------------------------------------

    def add_tombstone(
        self, client_ref: str, *, now: datetime, requested_by: str, removed: Mapping[str, int]
    ) -> None:
        self._session.execute(
            insert(ErasureRow).values(
                client_ref=client_ref,
                erased_at=now,
                requested_by=requested_by,
                removed=orjson.dumps(dict(removed), option=orjson.OPT_SORT_KEYS).decode(),
            )
        )

    def erased(self, client_ref: str) -> bool:
        """Whether the client was erased and has not been re-created since."""
        query = select(
            exists().where(ErasureRow.client_ref == client_ref, ErasureRow.recreated_at.is_(None))
        )
        return bool(self._session.execute(query).scalar())

    def mark_recreated(self, client_ref: str, *, now: datetime) -> None:
        self._session.execute(
            update(ErasureRow)
            .where(ErasureRow.client_ref == client_ref, ErasureRow.recreated_at.is_(None))
            .values(recreated_at=now)
        )

    # -- learned state --------------------------------------------------------------------

    def epoch(self, name: str) -> int:
        found = self._session.execute(
            select(LearnedStateRow.epoch).where(LearnedStateRow.name == name)
        ).scalar_one_or_none()
        return found or 0

    def epoch_changed_at(self, name: str) -> datetime | None:
        """When the model ``name`` last moved to a new epoch (None: never)."""
        changed: datetime | None = self._session.execute(
            select(LearnedStateRow.changed_at).where(LearnedStateRow.name == name)
        ).scalar_one_or_none()
        return changed

    def bump_epoch(self, name: str, *, now: datetime, reason: str) -> int:
        """Move the model ``name`` to a new epoch (every process then relearns it)."""
        current = self._session.execute(
            select(LearnedStateRow.epoch).where(LearnedStateRow.name == name).with_for_update()
        ).scalar_one_or_none()
        if current is None:
            self._session.execute(
                insert(LearnedStateRow).values(name=name, epoch=1, changed_at=now, reason=reason)
            )
            return 1
        self._session.execute(
            update(LearnedStateRow)
            .where(LearnedStateRow.name == name)
            .values(epoch=current + 1, changed_at=now, reason=reason)
        )
        return current + 1

    # -- retention ------------------------------------------------------------------------

    def delete_events_before(self, cutoff: datetime, *, limit: int) -> int:
        """Delete up to ``limit`` raw events that occurred before ``cutoff`` and are already
        folded into their profile (a queued event is kept until the folder has read it)."""
        queued = exists().where(ProfileQueueRow.event_pk == EventRow.id)
        ids = (
            select(EventRow.id)
            .where(EventRow.occurred_at < cutoff, ~queued)
            .order_by(EventRow.id)
            .limit(limit)
            .scalar_subquery()
        )
        result = self._session.execute(delete(EventRow).where(EventRow.id.in_(ids)))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def count_events_before(self, cutoff: datetime) -> int:
        query = select(func.count()).select_from(EventRow).where(EventRow.occurred_at < cutoff)
        return int(self._session.execute(query).scalar_one())

    # -- training exports -----------------------------------------------------------------

    def served(self, *, after: str | None, limit: int) -> list[dict[str, Any]]:
        """Served recommendations with their decision's channel and policy, in id order
        (keyset pages): the rows an off-policy training set is made of."""
        r, d = RecommendationRow, DecisionRow
        query = (
            select(
                r.recommendation_id,
                r.client_id,
                d.decided_at,
                d.policy,
                r.channel,
                r.action_id,
                r.category,
                r.segment,
                r.rank,
                r.score,
                r.probability,
                r.regulated,
                r.status,
                r.context,
            )
            .join(d, d.decision_id == r.decision_id)
            .order_by(r.recommendation_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(r.recommendation_id > after)
        return [dict(row) for row in self._session.execute(query).mappings()]
