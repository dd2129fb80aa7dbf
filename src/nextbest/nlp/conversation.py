"""Conversation state: a JSON-able dict per conversation id, kept behind a small protocol.

The message pipeline is pure: it reads the state a store holds for a conversation, and writes the
next state back through the same store. The service gives it a database-backed store; tests and
single-process demos use ``InMemoryConversationStore``. A store never interprets the state: flows
own its shape (see ``goal_update``), and an empty dict means "no flow under way".

>>> store = InMemoryConversationStore()
>>> store.get("c-1")
{}
>>> store.put("c-1", {"flow": "update_goal", "target_year": 2045})
>>> store.get("c-1")["target_year"]
2045
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

__all__ = ["ConversationStore", "InMemoryConversationStore"]


@runtime_checkable
class ConversationStore(Protocol):
    """Where conversation state lives between messages."""

    def get(self, conversation_id: str) -> dict[str, Any]:
        """The state of the conversation; ``{}`` for one never seen (or finished)."""
        ...

    def put(self, conversation_id: str, state: Mapping[str, Any]) -> None:
        """Replace the conversation's state; ``{}`` clears it."""
        ...


class InMemoryConversationStore:
    """A dict of states, for tests and single-process use.

    ``put`` round-trips the state through JSON, so a flow that stored something a database
    column could not hold (a ``Decimal``, a ``date``) fails here first, in the tests.
    """

    def __init__(self) -> None:
        self._states: dict[str, str] = {}

    def get(self, conversation_id: str) -> dict[str, Any]:
        stored = self._states.get(conversation_id)
        return {} if stored is None else dict(json.loads(stored))

    def put(self, conversation_id: str, state: Mapping[str, Any]) -> None:
        if state:
            self._states[conversation_id] = json.dumps(copy.deepcopy(dict(state)))
        else:
            self._states.pop(conversation_id, None)

    def __len__(self) -> int:
        return len(self._states)
