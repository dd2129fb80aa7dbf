"""Client messages: intent, sentiment, topics, entities and a reply, offline and in-process.

The entry point is ``process_message`` with models loaded once by ``NlpModels.load()``; see
``pipeline`` for the order of the stages. Models are small artifacts inside this package, trained
by ``training.train_models`` (``nextbest nlp train``) on data in the repository's ``data/nlp``;
nothing is downloaded at run time, and torch is never needed.

The names below are the public surface; importing this package loads no model (onnxruntime is
imported only when ``embeddings`` is).
"""

from __future__ import annotations

from nextbest.nlp.context import ClientContext, context_from_client
from nextbest.nlp.conversation import ConversationStore, InMemoryConversationStore
from nextbest.nlp.goal_update import FlowStatus, FlowStep, GoalUpdateProposal
from nextbest.nlp.pii import MaskedText, PiiKind, mask_pii

__all__ = [
    "ClientContext",
    "ConversationStore",
    "FlowStatus",
    "FlowStep",
    "GoalUpdateProposal",
    "InMemoryConversationStore",
    "MaskedText",
    "PiiKind",
    "context_from_client",
    "mask_pii",
]
