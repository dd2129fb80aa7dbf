"""Client messages: conversation states and advisor alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nextbest.storage.tables.base import Base
from nextbest.storage.types import Json, UtcDateTime

__all__ = ["AdvisorAlertRow", "ConversationStateRow"]


class ConversationStateRow(Base):
    """Where a multi-turn conversation stands (the goal-update flow's slots), one row per
    conversation; finishing or abandoning the flow deletes it. Holds no message text."""

    __tablename__ = "conversation_states"

    conversation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class AdvisorAlertRow(Base):
    """A message an advisor should look at (a complaint, a strongly negative message). The text
    is the PII-masked one, or none: the client's raw words are never stored."""

    __tablename__ = "advisor_alerts"
    __table_args__ = (Index(None, "client_id", "created_at"),)

    alert_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(36))
    conversation_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(64))
    negative: Mapped[float] = mapped_column(Float)
    masked_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
