"""Sentiment of a message (negative, neutral, positive) and what it means for satisfaction.

The model is trained on Twitter financial news sentiment (bearish, neutral, bullish headlines),
the nearest openly licensed labelled set; bearish reads as negative and bullish as positive.
Satisfaction is ``P(positive) - P(negative)``, a score in [-1, 1] the behaviour profile can
average over messages. A complaint, or a message the model is sure is negative, raises an advisor
alert, because an unhappy client should reach a person rather than another template.

>>> SentimentPrediction("negative", 0.9, {"negative": 0.9, "neutral": 0.08, "positive": 0.02}
...                     ).satisfaction
-0.88
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nextbest.nlp.artifacts import ARTIFACTS_DIR
from nextbest.nlp.classifier import FloatArray, TextClassifier

__all__ = [
    "LABELS",
    "SENTIMENT_DIR",
    "STRONGLY_NEGATIVE",
    "SentimentClassifier",
    "SentimentPrediction",
    "advisor_alert_reason",
]

SENTIMENT_DIR = ARTIFACTS_DIR / "sentiment"
LABELS = ("negative", "neutral", "positive")
STRONGLY_NEGATIVE = 0.8
"""P(negative) from which a message alone raises an advisor alert."""


@dataclass(frozen=True, slots=True)
class SentimentPrediction:
    label: str
    confidence: float
    probabilities: Mapping[str, float]

    @property
    def satisfaction(self) -> float:
        """``P(positive) - P(negative)``: -1 is as unhappy as the model can tell, 1 as happy."""
        value = self.probabilities["positive"] - self.probabilities["negative"]
        return round(max(-1.0, min(1.0, value)), 4)


class SentimentClassifier:
    def __init__(self, model: TextClassifier, *, version: str, encoder_sha256: str = "") -> None:
        if tuple(model.classes) != LABELS:
            raise ValueError(f"a sentiment model has classes {LABELS}, not {model.classes}")
        self.model = model
        self.version = version
        self.encoder_sha256 = encoder_sha256

    @classmethod
    def load(cls, folder: Path = SENTIMENT_DIR) -> SentimentClassifier:
        model, artifact = TextClassifier.load(folder, "sentiment")
        encoder = str(artifact.manifest["encoder"]["sha256"])
        return cls(model, version=artifact.version, encoder_sha256=encoder)

    def predict(
        self,
        texts: Sequence[str],
        embeddings: FloatArray,
        ngrams: Sequence[Iterable[str]] | None = None,
    ) -> list[SentimentPrediction]:
        result = []
        for row in self.model.probabilities(texts, embeddings, ngrams):
            best = int(np.argmax(row))
            probabilities = {
                label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)
            }
            result.append(
                SentimentPrediction(LABELS[best], probabilities[LABELS[best]], probabilities)
            )
        return result


def advisor_alert_reason(sentiment: SentimentPrediction, intent: str) -> str | None:
    """Why an advisor should look at this message now, or ``None``.

    >>> advisor_alert_reason(SentimentPrediction("neutral", 0.7, {"negative": 0.2,
    ...     "neutral": 0.7, "positive": 0.1}), "complaint")
    'complaint'
    """
    if intent == "complaint":
        return "complaint"
    if sentiment.probabilities["negative"] >= STRONGLY_NEGATIVE:
        return "strongly_negative"
    return None
