"""A client's message as a use case: understand it, remember the conversation, act on it.

``MessageService`` is one per process and holds the language models (loaded once, at start).
One message is two transactions:

1. the client is read, the message analysed (``nlp.pipeline.process_message``: PII is masked
   first, and only the masked text goes anywhere), the conversation's state stored, the
   message's satisfaction queued for the behaviour profile as a ``FEEDBACK`` event, and a
   complaint or a strongly negative message stored as an advisor alert;
2. when the intent points at the client's money (a planning intent whose signals found
   something for this client, or a wish to see an advisor), the decision loop answers for this
   client on the message's channel, with the client's findings narrowed to the signals the
   intent names (mandatory findings always stay). Its answer is logged like any other, so
   outcomes can be reported against its recommendation ids. Complaints get no suggestions.

A completed goal-update conversation returns a *proposal*; nothing is written to the client's
goals until the host confirms it (``PUT /v1/clients/{id}``).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import structlog

from nextbest.domain.candidate import Candidate
from nextbest.domain.enums import Channel, EventType
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId
from nextbest.errors import Conflict, NotFound, ValidationFailed
from nextbest.nlp.context import context_from_client
from nextbest.nlp.pipeline import COMPLAINT, MessageResult, NlpModels, process_message
from nextbest.nlp.securities import SecurityIndex
from nextbest.services.profiles import count_events
from nextbest.services.recommendations import Answer, Recommender
from nextbest.services.signals import signals_in
from nextbest.settings import NlpSettings
from nextbest.storage.repositories.messages import AdvisorAlert, MessageRepository
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "MessageAnswer",
    "MessageService",
    "build_message_service",
    "list_alerts",
    "load_models",
]

log = structlog.get_logger("nextbest.messages")


@lru_cache(maxsize=4)
def load_models(threads: int) -> NlpModels:
    """The encoder and heads, loaded once per process and thread count (about half a second);
    raises what ``NlpModels.load`` raises when the artifacts are missing or do not match."""
    return NlpModels.load(threads=threads)


@dataclass(frozen=True, slots=True)
class MessageAnswer:
    message_id: str
    client_id: ClientId
    result: MessageResult
    alert_id: str | None
    suggestions: Answer | None
    """The decision loop's answer, when the message's intent called for one."""


class _StoredConversations:
    """The pipeline's ``ConversationStore`` over the database, for one client's messages."""

    def __init__(self, messages: MessageRepository, client_id: ClientId, now: datetime) -> None:
        self._messages = messages
        self._client_id = client_id
        self._now = now

    def get(self, conversation_id: str) -> dict[str, Any]:
        found = self._messages.conversation(conversation_id)
        if found is None:
            return {}
        if found.client_id != self._client_id:
            raise Conflict(f"conversation {conversation_id!r} belongs to another client")
        return dict(found.state)

    def put(self, conversation_id: str, state: Any) -> None:
        self._messages.put_conversation(conversation_id, self._client_id, state, now=self._now)


@dataclass(slots=True)
class MessageService:
    models: NlpModels
    recommender: Recommender
    settings: NlpSettings = field(default_factory=NlpSettings)
    _securities: tuple[Any, SecurityIndex] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def handle(
        self,
        client_id: ClientId,
        text: str,
        *,
        conversation_id: str,
        channel: Channel,
        uow: UnitOfWork,
        now: datetime,
    ) -> MessageAnswer:
        """Analyse one message from ``client_id`` and answer it (see the module docstring)."""
        self._check(text)
        message_id = str(uuid.uuid4())
        alert_id: str | None = None
        with uow:
            client = uow.clients.get(client_id)
            if client is None:
                raise NotFound("client", client_id)
            messages = MessageRepository(uow.session)
            result = process_message(
                text,
                conversation_id=conversation_id,
                context=context_from_client(client),
                securities=self._security_index(uow),
                store=_StoredConversations(messages, client_id, now),
                now=now,
                models=self.models,
            )
            self._queue_satisfaction(uow, client_id, message_id, result, channel, now)
            findings = self._related_findings(uow, client_id, result, now)
            if result.alert_reason is not None:
                alert_id = str(uuid.uuid4())
                messages.add_alert(
                    AdvisorAlert(
                        alert_id=alert_id,
                        client_id=client_id,
                        message_id=message_id,
                        conversation_id=conversation_id,
                        reason=result.alert_reason,
                        intent=result.intent.intent,
                        negative=result.sentiment.probabilities["negative"],
                        masked_text=result.masked_text if self.settings.alert_text else None,
                        created_at=now,
                    )
                )
            uow.commit()
        log.info(
            "message_understood",
            intent=result.intent.intent,
            confidence=result.intent.confidence,
            sentiment=result.sentiment.label,
            alert=result.alert_reason,
            pii=len(result.pii),
            flow=None if result.flow is None else result.flow.status.value,
        )
        suggestions = None
        if findings is not None:
            suggestions = self.recommender.recommend(
                client_id,
                channel=channel,
                limit=self.settings.suggestions,
                uow=uow,
                now=now,
                candidates=lambda *_: findings,
            )
        return MessageAnswer(message_id, client_id, result, alert_id, suggestions)

    def _check(self, text: str) -> None:
        if not text.strip():
            raise ValidationFailed([("text", "the message is empty")])
        if len(text) > self.settings.max_chars:
            raise ValidationFailed(
                [
                    (
                        "text",
                        f"the message has {len(text)} characters; at most "
                        f"{self.settings.max_chars} are accepted",
                    )
                ]
            )

    def _security_index(self, uow: UnitOfWork) -> SecurityIndex:
        """The security master indexed by name and id, rebuilt only when the master changed."""
        version = uow.signals.securities_version()
        with self._lock:
            cached = self._securities
        if cached is not None and cached[0] == version:
            return cached[1]
        master: dict[str, str] = {}
        for security in uow.securities.all():
            master[security.name] = security.security_id
            master[security.security_id] = security.security_id
        index = SecurityIndex(master)
        with self._lock:
            self._securities = (version, index)
        return index

    def _related_findings(
        self, uow: UnitOfWork, client_id: ClientId, result: MessageResult, now: datetime
    ) -> list[Candidate] | None:
        """The client's findings the message is about, for the decision loop; None when there
        is nothing to suggest (a service question, a complaint, an unknown intent, no related
        finding), so a message about ESG is not answered with an unrelated product."""
        route = result.intent.route
        if self.settings.suggestions == 0 or result.alert_reason == COMPLAINT:
            return None
        if not (route.signals or route.advisor_handoff):
            return None
        wanted = frozenset(route.signals)
        found = signals_in(uow, client_id, engine=self.recommender.signals, now=now).candidates
        # A mandatory finding (a restricted holding) is never hidden by what was asked.
        related = [c for c in found if c.signal in wanted or c.mandatory]
        return related if related or route.advisor_handoff else None

    def _queue_satisfaction(
        self,
        uow: UnitOfWork,
        client_id: ClientId,
        message_id: str,
        result: MessageResult,
        channel: Channel,
        now: datetime,
    ) -> None:
        """The message's satisfaction reaches the profile like a rating does: a FEEDBACK event
        (its context carries the score and the intent, never text)."""
        event = Event(
            event_id=EventId(f"nb:message:{message_id}"),
            client_id=client_id,
            event_type=EventType.FEEDBACK,
            occurred_at=now,
            channel=channel,
            target_type="message",
            target_id=message_id,
            context={"sentiment": result.satisfaction, "intent": result.intent.intent},
        )
        guards = uow.profiles.guard({client_id}, now=now)
        count_events(uow, [event], guards, now=now, decay=self.recommender.profiles.decay)


def build_message_service(
    settings: NlpSettings, recommender: Recommender
) -> tuple[MessageService | None, str | None]:
    """The process's message service, or None and why: models that fail to load (missing or
    mismatched artifacts, no onnxruntime) leave the rest of nextbest serving."""
    if not settings.enabled:
        return None, "the language models are turned off (NEXTBEST_NLP__ENABLED=false)"
    try:
        models = load_models(settings.threads)
    except Exception as error:  # any failure to load must not stop the other routes
        log.error("nlp_models_unavailable", error_type=type(error).__name__, reason=str(error))
        return None, f"the language models did not load ({type(error).__name__}: {error})"
    return MessageService(models, recommender, settings), None


def list_alerts(
    *,
    uow: UnitOfWork,
    client_id: ClientId | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AdvisorAlert]:
    """Advisor alerts, newest first."""
    with uow:
        return MessageRepository(uow.session).alerts(client_id=client_id, since=since, limit=limit)
