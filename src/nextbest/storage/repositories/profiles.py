"""Personalization profiles (aggregates + explicit preferences), event receipts, segment models."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from nextbest.behavior.segments import SegmentModel
from nextbest.behavior.state import ProfileState
from nextbest.domain.enums import Channel, DetailLevel, NotificationFrequency
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId
from nextbest.domain.preferences import ExplicitPreferences
from nextbest.storage.tables import (
    EventReceiptRow,
    EventRow,
    PersonalizationProfileRow,
    SegmentModelRow,
)
from nextbest.storage.upsert import dialect_insert

__all__ = ["ProfileRepository", "StoredProfile"]


@dataclass(slots=True)
class StoredProfile:
    client_id: ClientId
    state: ProfileState | None
    preferences: ExplicitPreferences


def preferences_to_json(preferences: ExplicitPreferences) -> str:
    return orjson.dumps(
        {
            "detail_level": preferences.detail_level,
            "channels": None if preferences.channels is None else list(preferences.channels),
            "notification_frequency": preferences.notification_frequency,
            "hidden_categories": sorted(preferences.hidden_categories),
            "literacy_self_report": preferences.literacy_self_report,
            "personalization": preferences.personalization,
            "privacy_mode": preferences.privacy_mode,
            "updated_at": preferences.updated_at,
        }
    ).decode()


def preferences_from_json(raw: str | None) -> ExplicitPreferences:
    if raw is None:
        return ExplicitPreferences()
    data = orjson.loads(raw)
    channels = data["channels"]
    updated = data["updated_at"]
    return ExplicitPreferences(
        detail_level=None if data["detail_level"] is None else DetailLevel(data["detail_level"]),
        channels=None if channels is None else tuple(Channel(c) for c in channels),
        notification_frequency=None
        if data["notification_frequency"] is None
        else NotificationFrequency(data["notification_frequency"]),
        hidden_categories=frozenset(data["hidden_categories"]),
        literacy_self_report=data["literacy_self_report"],
        personalization=data["personalization"],
        privacy_mode=data["privacy_mode"],
        updated_at=None if updated is None else datetime.fromisoformat(updated),
    )


def _stored(row: Any) -> StoredProfile:
    return StoredProfile(
        client_id=ClientId(row.client_id),
        state=None if row.state is None else ProfileState.from_json(row.state),
        preferences=preferences_from_json(row.preferences),
    )


_P = PersonalizationProfileRow


class ProfileRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def ensure(self, client_ids: Iterable[str], *, now: datetime) -> None:
        """Create an empty profile row for each client that has none (clients must exist)."""
        rows = [
            {"client_id": client_id, "privacy_mode": False, "events": 0, "updated_at": now}
            for client_id in sorted(set(client_ids))
        ]
        if rows:
            statement = dialect_insert(self._session, _P).on_conflict_do_nothing(
                index_elements=[_P.client_id]
            )
            self._session.execute(statement, rows)

    def lock(self, client_ids: Iterable[str], *, now: datetime) -> dict[ClientId, StoredProfile]:
        """The profiles of ``client_ids``, locked until the transaction ends.

        Rows are created first (on SQLite that write also takes the database's write lock, so
        the read below cannot be stale) and locked in key order, so two concurrent batches
        never wait for each other in a cycle.
        """
        ids = sorted(set(client_ids))
        if not ids:
            return {}
        self.ensure(ids, now=now)
        query = (
            select(_P.client_id, _P.state, _P.preferences)
            .where(_P.client_id.in_(ids))
            .order_by(_P.client_id)
            .with_for_update()
        )
        return {ClientId(row.client_id): _stored(row) for row in self._session.execute(query)}

    def get(self, client_id: ClientId) -> StoredProfile | None:
        row = self._session.execute(
            select(_P.client_id, _P.state, _P.preferences).where(_P.client_id == client_id)
        ).one_or_none()
        return None if row is None else _stored(row)

    def save_states(self, states: dict[ClientId, ProfileState], *, now: datetime) -> None:
        if not states:
            return
        self._session.execute(
            update(_P),
            [
                {
                    "client_id": client_id,
                    "state": state.to_json().decode(),
                    "events": state.events,
                    "updated_at": now,
                }
                for client_id, state in states.items()
            ],
        )

    def save_preferences(
        self, client_id: ClientId, preferences: ExplicitPreferences, *, now: datetime
    ) -> None:
        self.ensure([client_id], now=now)
        self._session.execute(
            update(_P)
            .where(_P.client_id == client_id)
            .values(
                preferences=preferences_to_json(preferences),
                privacy_mode=preferences.privacy_mode,
                updated_at=now,
            )
        )

    def privacy_mode(self, client_ids: Iterable[str]) -> set[ClientId]:
        """Which of ``client_ids`` keep no raw events."""
        ids = set(client_ids)
        if not ids:
            return set()
        found = self._session.scalars(
            select(_P.client_id).where(_P.client_id.in_(ids), _P.privacy_mode.is_(True))
        )
        return {ClientId(client_id) for client_id in found}

    def client_ids(self) -> list[ClientId]:
        return [
            ClientId(c) for c in self._session.scalars(select(_P.client_id).order_by(_P.client_id))
        ]

    def stream(self, *, chunk: int = 2_000) -> Iterator[StoredProfile]:
        query = select(_P.client_id, _P.state, _P.preferences).order_by(_P.client_id)
        for row in self._session.execute(query.execution_options(yield_per=chunk)):
            yield _stored(row)

    # -- privacy mode: receipts instead of raw events ------------------------------------------

    def add_receipts(self, events: Sequence[Event], *, received_at: datetime) -> set[EventId]:
        """Record that these events were counted; returns the ids seen for the first time."""
        if not events:
            return set()
        statement = (
            dialect_insert(self._session, EventReceiptRow)
            .on_conflict_do_nothing(index_elements=[EventReceiptRow.event_id])
            .returning(EventReceiptRow.event_id)
        )
        rows = [
            {"event_id": e.event_id, "client_id": e.client_id, "received_at": received_at}
            for e in events
        ]
        return {EventId(event_id) for event_id in self._session.scalars(statement, rows)}

    def receipted(self, event_ids: Iterable[str]) -> set[EventId]:
        ids = set(event_ids)
        if not ids:
            return set()
        found = self._session.scalars(
            select(EventReceiptRow.event_id).where(EventReceiptRow.event_id.in_(ids))
        )
        return {EventId(event_id) for event_id in found}

    def retire_raw_events(self, client_id: ClientId) -> int:
        """Privacy mode switched on: keep only receipts of the client's events, delete the rest."""
        self._session.execute(
            insert(EventReceiptRow).from_select(
                ["event_id", "client_id", "received_at"],
                select(EventRow.event_id, EventRow.client_id, EventRow.received_at).where(
                    EventRow.client_id == client_id
                ),
            )
        )
        result = self._session.execute(delete(EventRow).where(EventRow.client_id == client_id))
        return int(getattr(result, "rowcount", 0) or 0)

    # -- segment models ------------------------------------------------------------------------

    def latest_segment_model(self) -> SegmentModel | None:
        row = self._session.execute(
            select(SegmentModelRow).order_by(SegmentModelRow.version.desc()).limit(1)
        ).scalar_one_or_none()
        if row is None:
            return None
        return SegmentModel.from_json(row.version, row.fitted_at, row.model)

    def latest_segment_version(self) -> int | None:
        return self._session.scalar(select(func.max(SegmentModelRow.version)))

    def add_segment_model(self, model: SegmentModel, *, clients: int) -> int:
        row = SegmentModelRow(
            version=model.version,
            fitted_at=model.fitted_at,
            clients=clients,
            model=model.to_json().decode(),
        )
        self._session.add(row)
        self._session.flush()
        return row.version
