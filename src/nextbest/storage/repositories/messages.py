"""Client messages: conversation state per conversation, and the advisor alerts they raise.

Neither table holds what a client typed: a conversation's state is the flow's slots (a goal id,
a year, an amount), and an alert keeps the PII-masked text or nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nextbest.domain.ids import ClientId
from nextbest.storage.tables import AdvisorAlertRow, ConversationStateRow
from nextbest.storage.upsert import dialect_insert

__all__ = ["AdvisorAlert", "ConversationState", "MessageRepository"]


@dataclass(frozen=True, slots=True)
class ConversationState:
    """A conversation's flow state and whose conversation it is."""

    conversation_id: str
    client_id: ClientId
    state: Mapping[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AdvisorAlert:
    """A message an advisor should see; ``masked_text`` is None when texts are not kept."""

    alert_id: str
    client_id: ClientId
    message_id: str
    conversation_id: str
    reason: str
    intent: str
    negative: float
    """The sentiment model's probability that the message is negative."""
    masked_text: str | None
    created_at: datetime


class MessageRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- conversation state -------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> ConversationState | None:
        row = self._session.get(ConversationStateRow, conversation_id)
        if row is None:
            return None
        return ConversationState(
            row.conversation_id, ClientId(row.client_id), dict(row.state), row.updated_at
        )

    def put_conversation(
        self,
        conversation_id: str,
        client_id: ClientId,
        state: Mapping[str, Any],
        *,
        now: datetime,
    ) -> None:
        """Insert or replace a conversation's state; an empty state deletes the row."""
        if not state:
            self._session.execute(
                delete(ConversationStateRow).where(
                    ConversationStateRow.conversation_id == conversation_id
                )
            )
            return
        insert = dialect_insert(self._session, ConversationStateRow)
        statement = insert.on_conflict_do_update(
            index_elements=[ConversationStateRow.conversation_id],
            set_={"state": insert.excluded.state, "updated_at": insert.excluded.updated_at},
        )
        self._session.execute(
            statement,
            [
                {
                    "conversation_id": conversation_id,
                    "client_id": client_id,
                    "state": dict(state),
                    "updated_at": now,
                }
            ],
        )

    def purge_conversations(self, *, before: datetime) -> int:
        """Delete conversations idle since before ``before``; returns how many."""
        result = self._session.execute(
            delete(ConversationStateRow).where(ConversationStateRow.updated_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # -- advisor alerts -----------------------------------------------------------------------

    def add_alert(self, alert: AdvisorAlert) -> None:
        self._session.add(
            AdvisorAlertRow(
                alert_id=alert.alert_id,
                client_id=alert.client_id,
                message_id=alert.message_id,
                conversation_id=alert.conversation_id,
                reason=alert.reason,
                intent=alert.intent,
                negative=alert.negative,
                masked_text=alert.masked_text,
                created_at=alert.created_at,
            )
        )

    def alerts(
        self,
        *,
        client_id: ClientId | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[AdvisorAlert]:
        """Newest first, optionally for one client and from ``since`` on."""
        query = select(AdvisorAlertRow).order_by(
            AdvisorAlertRow.created_at.desc(), AdvisorAlertRow.alert_id
        )
        if client_id is not None:
            query = query.where(AdvisorAlertRow.client_id == client_id)
        if since is not None:
            query = query.where(AdvisorAlertRow.created_at >= since)
        return [_alert(row) for row in self._session.scalars(query.limit(limit))]


def _alert(row: AdvisorAlertRow) -> AdvisorAlert:
    return AdvisorAlert(
        alert_id=row.alert_id,
        client_id=ClientId(row.client_id),
        message_id=row.message_id,
        conversation_id=row.conversation_id,
        reason=row.reason,
        intent=row.intent,
        negative=row.negative,
        masked_text=row.masked_text,
        created_at=row.created_at,
    )
