"""Behaviour: raw events, the personalization profiles folded from them (with the fold queue and
the receipts), and the segment models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nextbest.storage.tables.base import Base, BigId
from nextbest.storage.types import Json, UtcDateTime

__all__ = [
    "EventReceiptRow",
    "EventRow",
    "PersonalizationProfileRow",
    "ProfileQueueRow",
    "SegmentModelRow",
]


class EventRow(Base):
    """Behaviour events. Append-only: nothing updates a row; only retention and erasure delete."""

    __tablename__ = "events"
    __table_args__ = (
        Index(None, "client_id", "occurred_at"),
        Index(None, "event_type", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    session_id: Mapped[str | None] = mapped_column(String(128))
    device_type: Mapped[str | None] = mapped_column(String(50))
    channel: Mapped[str | None] = mapped_column(String(16))
    target_type: Mapped[str | None] = mapped_column(String(50))
    target_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str | None] = mapped_column(String(100))
    context: Mapped[dict[str, Any]] = mapped_column(Json)


class PersonalizationProfileRow(Base):
    """A client's folded behaviour aggregates and explicit preferences.

    These aggregates plus the client's events still in ``profile_queue`` are the whole profile.
    """

    __tablename__ = "personalization_profiles"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    # JSON text encoded by behaviour's own codec (orjson).
    state: Mapped[str | None] = mapped_column(Text)
    preferences: Mapped[str | None] = mapped_column(Text)
    privacy_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    keeps_receipts: Mapped[bool] = mapped_column(Boolean, default=False)
    """Privacy mode was on at some time: some events are held only as receipts."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProfileQueueRow(Base):
    """Events stored but not yet folded into their client's profile (see services.profiles).

    Ingestion appends one small row per event in the transaction that stores it; the folder
    claims rows oldest first, folds them in bulk and deletes them. A row points at its raw
    event, or (privacy mode, where no raw event is kept) holds the event's aggregates itself.
    """

    __tablename__ = "profile_queue"
    __table_args__ = (Index(None, "client_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    event_pk: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str | None] = mapped_column(Text)


class EventReceiptRow(Base):
    """Proof an event was counted, for clients in privacy mode: the id only, no content."""

    __tablename__ = "event_receipts"
    __table_args__ = (Index(None, "client_id"),)

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SegmentModelRow(Base):
    """A fitted segmentation: scaler, centroids and per-segment priors, newest version wins."""

    __tablename__ = "segment_models"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    clients: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(Text)
