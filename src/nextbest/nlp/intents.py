"""Intent recognition: 77 Banking77 service intents and 17 financial-planning intents.

The classifier's most probable intent is returned with its calibrated probability; below the
threshold stored with the model (chosen at training time so that at most a few percent of the
held-out answers it accepts are wrong) the answer is ``unknown``, and the alternatives still say
what it might have been.

>>> from nextbest.nlp.intent_catalog import route_for
>>> IntentPrediction("tax", 0.93, route_for("tax"), ()).family
'tax'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nextbest.nlp.artifacts import ARTIFACTS_DIR, Artifact
from nextbest.nlp.classifier import FloatArray, TextClassifier
from nextbest.nlp.intent_catalog import UNKNOWN_INTENT, IntentRoute, route_for

__all__ = ["INTENTS_DIR", "IntentClassifier", "IntentPrediction"]

INTENTS_DIR = ARTIFACTS_DIR / "intents"


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    """The intent (or ``unknown``), its probability, its route, and the runners-up."""

    intent: str
    confidence: float
    route: IntentRoute
    alternatives: tuple[tuple[str, float], ...]

    @property
    def family(self) -> str:
        return self.route.family

    @property
    def is_unknown(self) -> bool:
        return self.intent == UNKNOWN_INTENT


class IntentClassifier:
    """The trained intent model plus the threshold below which it answers ``unknown``."""

    def __init__(
        self, model: TextClassifier, *, threshold: float, version: str, encoder_sha256: str = ""
    ) -> None:
        self.model = model
        self.threshold = threshold
        self.version = version
        self.encoder_sha256 = encoder_sha256
        """The encoder whose vectors the model was trained on."""

    @classmethod
    def load(cls, folder: Path = INTENTS_DIR) -> IntentClassifier:
        model, artifact = TextClassifier.load(folder, "intents")
        return cls.from_artifact(model, artifact)

    @classmethod
    def from_artifact(cls, model: TextClassifier, artifact: Artifact) -> IntentClassifier:
        threshold = float(artifact.manifest["unknown_threshold"])
        encoder = str(artifact.manifest["encoder"]["sha256"])
        return cls(model, threshold=threshold, version=artifact.version, encoder_sha256=encoder)

    def predict(
        self,
        texts: Sequence[str],
        embeddings: FloatArray,
        ngrams: Sequence[Iterable[str]] | None = None,
    ) -> list[IntentPrediction]:
        probabilities = self.model.probabilities(texts, embeddings, ngrams)
        return [self._prediction(row) for row in probabilities]

    def _prediction(self, probabilities: FloatArray) -> IntentPrediction:
        order = np.argsort(-probabilities)[:4]
        ranked = tuple((self.model.classes[i], round(float(probabilities[i]), 4)) for i in order)
        best, confidence = ranked[0]
        intent = best if confidence >= self.threshold else UNKNOWN_INTENT
        alternatives = ranked[1:] if intent == best else ranked
        return IntentPrediction(intent, confidence, route_for(intent), alternatives)
