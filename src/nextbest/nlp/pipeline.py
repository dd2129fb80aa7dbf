"""One client message in, everything the engine learns from it out.

``process_message`` is pure given its inputs: the text, the client context dict, the security
master, the conversation store and ``now``. The order matters and is fixed:

1. mask personal data, so nothing after this step (or any log line) sees it;
2. embed the masked text once, for both classifiers (the same run of the encoder gives the
   fine-tuned sentiment branch the hidden states it starts from);
3. intent (or ``unknown``), sentiment, satisfaction and the advisor alert;
4. entities, topics and key phrases;
5. the goal-update flow, when one is under way or this message starts one;
6. the reply, from templates in the client's tone.

>>> MessageResult.__dataclass_fields__.keys() >= {"intent", "sentiment", "reply", "masked_text"}
True
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from nextbest.domain.candidate import ActionType, SignalType
from nextbest.domain.enums import CommentaryTone
from nextbest.nlp.context import ClientContext, GoalSummary
from nextbest.nlp.conversation import ConversationStore
from nextbest.nlp.embeddings import SHARED_LAYERS, EncoderMismatch, SentenceEncoder
from nextbest.nlp.entities import Entities, extract_entities
from nextbest.nlp.goal_update import (
    FLOW_NAME,
    FlowStep,
    advance_goal_update,
    continues_flow,
    is_active,
)
from nextbest.nlp.intent_catalog import UNKNOWN_INTENT
from nextbest.nlp.intents import INTENTS_DIR, IntentClassifier, IntentPrediction
from nextbest.nlp.pii import PLACEHOLDER_PATTERN, PiiMatch, mask_pii
from nextbest.nlp.replies import render_reply
from nextbest.nlp.securities import SecurityIndex
from nextbest.nlp.sentiment import (
    SENTIMENT_DIR,
    SentimentClassifier,
    SentimentPrediction,
    advisor_alert_reason,
)
from nextbest.nlp.sentiment_branch import BRANCH_DIR, SentimentBranch
from nextbest.nlp.text_features import features_of
from nextbest.nlp.topics import Topic, find_topics, key_phrases

__all__ = ["COMPLAINT", "COMPLAINT_SATISFACTION", "MessageResult", "NlpModels", "process_message"]

COMPLAINT_SATISFACTION = -0.5
"""The highest satisfaction a complaint can score, however calmly it is written."""
COMPLAINT = "complaint"
_COMPLAINS = re.compile(r"\b(?:complain\w*|ombudsman)\b", re.IGNORECASE)
"""Words that make a message a complaint whatever else it is about ("I was charged twice ... I
want to make a formal complaint" is a payment question the intent model may rank first)."""

_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "ZAR": "R"}


@dataclass(frozen=True, slots=True)
class MessageResult:
    """What one message said, in the engine's terms; ``masked_text`` is the only text kept."""

    conversation_id: str
    masked_text: str
    pii: tuple[PiiMatch, ...]
    intent: IntentPrediction
    sentiment: SentimentPrediction
    satisfaction: float
    advisor_alert: bool
    alert_reason: str | None
    signals: tuple[SignalType, ...]
    actions: tuple[ActionType, ...]
    entities: Entities
    topics: tuple[Topic, ...]
    key_phrases: tuple[str, ...]
    reply: str
    tone: CommentaryTone
    flow: FlowStep | None
    model_versions: Mapping[str, str]


class NlpModels:
    """The encoder and the classifiers, loaded once per process and shared by all requests.

    Every head must have been trained on this encoder's vectors (their manifests say which).
    ``sentiment`` is the frozen-embedding head ``nextbest nlp train`` fits; ``branch``, when the
    package ships one, is the fine-tuned sentiment model, and messages are scored by it.
    """

    def __init__(
        self,
        encoder: SentenceEncoder,
        intents: IntentClassifier,
        sentiment: SentimentClassifier,
        branch: SentimentBranch | None = None,
    ) -> None:
        heads: list[tuple[str, str]] = [
            (intents.version, intents.encoder_sha256),
            (sentiment.version, sentiment.encoder_sha256),
        ]
        if branch is not None:
            heads.append((branch.version, branch.encoder_sha256))
        for version, trained_on in heads:
            if trained_on != encoder.sha256:
                raise EncoderMismatch(
                    f"model {version} was trained on encoder {trained_on[:12]}, "
                    f"not on {encoder.sha256[:12]}: run `nextbest nlp train`"
                )
        if branch is not None and (
            encoder.states_output is None or branch.shared_layers != SHARED_LAYERS
        ):
            raise EncoderMismatch(
                f"sentiment model {branch.version} reads the states after "
                f"{branch.shared_layers} layers, which this encoder does not return"
            )
        self.encoder = encoder
        self.intents = intents
        self.sentiment = sentiment
        self.branch = branch
        self.idf = {
            feature[2:]: float(weight)
            for feature, weight in zip(
                intents.model.vocabulary.features, intents.model.vocabulary.idf, strict=True
            )
            if feature.startswith("w:") and " " not in feature
        }

    @classmethod
    def load(
        cls,
        *,
        intents_dir: Path = INTENTS_DIR,
        sentiment_dir: Path = SENTIMENT_DIR,
        branch_dir: Path | None = BRANCH_DIR,
        threads: int = 1,
    ) -> NlpModels:
        """``branch_dir=None``, or a folder without a branch, scores sentiment with the frozen
        head alone."""
        has_branch = branch_dir is not None and (branch_dir / "manifest.json").exists()
        return cls(
            SentenceEncoder(threads=threads),
            IntentClassifier.load(intents_dir),
            SentimentClassifier.load(sentiment_dir),
            SentimentBranch.load(branch_dir, threads=threads)
            if has_branch and branch_dir is not None
            else None,
        )

    @property
    def versions(self) -> dict[str, str]:
        sentiment = self.sentiment if self.branch is None else self.branch
        return {"intents": self.intents.version, "sentiment": sentiment.version}

    def analyse(self, text: str) -> tuple[IntentPrediction, SentimentPrediction]:
        """Intent and sentiment of one (masked, placeholder-free) text, from one encoder run."""
        vector, states = self.encoder.encode_message(text)
        embedding = vector[None, :]
        ngrams = [Counter(features_of(text))]  # counted once for both vocabularies
        intent = self.intents.predict([text], embedding, ngrams)[0]
        if self.branch is None or states is None:
            return intent, self.sentiment.predict([text], embedding, ngrams)[0]
        head = None
        if self.branch.head_weight > 0:
            head = self.sentiment.model.probabilities([text], embedding, ngrams)[0]
        return intent, self.branch.predict(states, head, features=ngrams[0])


def _money(amount: str | None, currency: str | None) -> str | None:
    if amount is None:
        return None
    value = Decimal(amount)
    shown = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    symbol = _SYMBOLS.get(currency or "")
    if symbol:
        return f"{symbol}{shown}"
    return f"{currency} {shown}" if currency else shown


def _flow_reply(step: FlowStep, context: ClientContext) -> str:
    slots = step.slots or {}
    goal: GoalSummary | None = slots.get("goal")
    return render_reply(
        step.prompt,
        context.tone,
        goal=goal.label if goal else None,
        goals=", ".join(g.label for g in context.goals) or None,
        year=None if slots.get("target_year") is None else str(slots["target_year"]),
        amount=_money(slots.get("target_amount"), slots.get("currency")),
        current_year=None if goal is None or goal.target_year is None else str(goal.target_year),
        current_amount=(
            None
            if goal is None or goal.target_amount is None
            else _money(str(goal.target_amount), context.base_currency)
        ),
    )


def process_message(
    text: str,
    *,
    conversation_id: str,
    context: Mapping[str, Any],
    securities: Mapping[str, str] | SecurityIndex,
    store: ConversationStore,
    now: datetime,
    models: NlpModels,
) -> MessageResult:
    """Analyse one message, advance its conversation, and choose the reply."""
    client = ClientContext.from_mapping(context)
    masked = mask_pii(text)
    model_text = " ".join(PLACEHOLDER_PATTERN.sub(" ", masked.text).split())
    intent, sentiment = models.analyse(model_text)
    entities = extract_entities(masked.text, today=now.date(), securities=securities)

    state = store.get(conversation_id)
    flow: FlowStep | None = None
    flow_under_way = is_active(state, now)
    if flow_under_way and (
        intent.intent in (FLOW_NAME, UNKNOWN_INTENT)
        or continues_flow(masked.text, entities, client)
    ):
        flow = advance_goal_update(masked.text, state, entities=entities, context=client, now=now)
    elif intent.intent == FLOW_NAME:
        flow = advance_goal_update(masked.text, {}, entities=entities, context=client, now=now)
    reply = ""
    if flow is not None:
        store.put(conversation_id, flow.state)
        reply = _flow_reply(flow, client)
    complained = intent.intent == COMPLAINT or bool(_COMPLAINS.search(masked.text))
    if flow is None:
        if flow_under_way:
            store.put(conversation_id, {})
        reply = render_reply(COMPLAINT if complained else intent.family, client.tone)

    satisfaction = sentiment.satisfaction
    if complained:
        satisfaction = min(satisfaction, COMPLAINT_SATISFACTION)
    reason = advisor_alert_reason(sentiment, COMPLAINT if complained else intent.intent)
    return MessageResult(
        conversation_id=conversation_id,
        masked_text=masked.text,
        pii=masked.found,
        intent=intent,
        sentiment=sentiment,
        satisfaction=satisfaction,
        advisor_alert=reason is not None,
        alert_reason=reason,
        signals=intent.route.signals,
        actions=intent.route.actions,
        entities=entities,
        topics=find_topics(masked.text),
        key_phrases=key_phrases(masked.text, models.idf),
        reply=reply,
        tone=client.tone,
        flow=flow,
        model_versions=models.versions,
    )
