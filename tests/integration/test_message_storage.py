"""Conversation state and advisor alerts against a real database: SQLite always, PostgreSQL
when configured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from nextbest.domain.ids import ClientId
from nextbest.storage.repositories.messages import AdvisorAlert, MessageRepository
from nextbest.storage.tables import ClientRow
from nextbest.storage.unit_of_work import UnitOfWork
from tests.integration.test_repositories import NOW, a_client

STATE = {
    "flow": "update_goal",
    "goal_id": "edu",
    "target_year": 2042,
    "target_amount": None,
    "awaiting": "target_amount",
    "updated_at": NOW.isoformat(),
    "turns": 2,
}


def an_alert(alert_id: str, client_id: str = "c-1", minutes: int = 0) -> AdvisorAlert:
    return AdvisorAlert(
        alert_id=alert_id,
        client_id=ClientId(client_id),
        message_id=f"m-{alert_id}",
        conversation_id="conv-1",
        reason="complaint",
        intent="complaint",
        negative=0.42,
        masked_text="you charged my card [CARD] twice",
        created_at=NOW + timedelta(minutes=minutes),
    )


@pytest.fixture
def clients(uow: UnitOfWork) -> UnitOfWork:
    with uow:
        uow.clients.save(a_client("c-1"))
        uow.clients.save(a_client("c-2"))
        uow.commit()
    return uow


def test_a_conversation_state_round_trips_is_replaced_and_cleared(clients: UnitOfWork) -> None:
    uow = clients
    with uow:
        messages = MessageRepository(uow.session)
        assert messages.conversation("conv-1") is None
        messages.put_conversation("conv-1", ClientId("c-1"), STATE, now=NOW)
        uow.commit()
    with uow:
        messages = MessageRepository(uow.session)
        found = messages.conversation("conv-1")
        assert found is not None
        assert (found.client_id, dict(found.state), found.updated_at) == ("c-1", STATE, NOW)
        later = NOW + timedelta(minutes=5)
        messages.put_conversation("conv-1", ClientId("c-1"), {**STATE, "turns": 3}, now=later)
        uow.commit()
    with uow:
        messages = MessageRepository(uow.session)
        found = messages.conversation("conv-1")
        assert found is not None
        assert found.state["turns"] == 3
        assert found.updated_at == NOW + timedelta(minutes=5)
        messages.put_conversation("conv-1", ClientId("c-1"), {}, now=NOW)
        uow.commit()
    with uow:
        assert MessageRepository(uow.session).conversation("conv-1") is None


def test_idle_conversations_are_purged(clients: UnitOfWork) -> None:
    uow = clients
    with uow:
        messages = MessageRepository(uow.session)
        messages.put_conversation("old", ClientId("c-1"), STATE, now=NOW - timedelta(days=2))
        messages.put_conversation("new", ClientId("c-1"), STATE, now=NOW)
        uow.commit()
    with uow:
        assert MessageRepository(uow.session).purge_conversations(before=NOW - timedelta(days=1))
        uow.commit()
    with uow:
        messages = MessageRepository(uow.session)
        assert messages.conversation("old") is None
        assert messages.conversation("new") is not None


def test_alerts_are_listed_newest_first_and_filtered(clients: UnitOfWork) -> None:
    uow = clients
    with uow:
        messages = MessageRepository(uow.session)
        messages.add_alert(an_alert("a-1", "c-1", minutes=0))
        messages.add_alert(an_alert("a-2", "c-2", minutes=10))
        messages.add_alert(an_alert("a-3", "c-1", minutes=20))
        uow.commit()
    with uow:
        messages = MessageRepository(uow.session)
        assert [a.alert_id for a in messages.alerts()] == ["a-3", "a-2", "a-1"]
        assert [a.alert_id for a in messages.alerts(client_id=ClientId("c-1"))] == ["a-3", "a-1"]
        since = NOW + timedelta(minutes=10)
        assert [a.alert_id for a in messages.alerts(since=since)] == ["a-3", "a-2"]
        assert [a.alert_id for a in messages.alerts(limit=1)] == ["a-3"]
        assert messages.alerts()[0] == an_alert("a-3", "c-1", minutes=20)


def test_a_client_s_conversations_and_alerts_go_with_the_client(clients: UnitOfWork) -> None:
    uow = clients
    with uow:
        messages = MessageRepository(uow.session)
        messages.put_conversation("conv-1", ClientId("c-1"), STATE, now=NOW)
        messages.add_alert(an_alert("a-1", "c-1"))
        messages.add_alert(an_alert("a-2", "c-2"))
        uow.commit()
    with uow:
        uow.session.execute(delete(ClientRow).where(ClientRow.client_id == "c-1"))
        uow.commit()
    with uow:
        messages = MessageRepository(uow.session)
        assert messages.conversation("conv-1") is None
        assert [a.alert_id for a in messages.alerts()] == ["a-2"]
