"""The labelled text sets the NLP models learn from, read from the project's ``data/nlp``.

Each set sits in its own folder with its licence (``SOURCE.txt``, and ``LICENSE`` where the
source has one): Banking77 (CC BY 4.0), Twitter financial news sentiment (MIT), nextbest's own
financial-planning intents and its own client-message sentiment set (evaluation only). Only
training and the benchmark read them; the service loads trained artifacts.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_DATA_DIR",
    "SENTIMENT_LABELS",
    "LabelledTexts",
    "load_banking77",
    "load_client_sentiment",
    "load_planning_intents",
    "load_twitter_sentiment",
]

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "nlp"
"""``data/nlp`` of a source checkout; an installed package must be given a folder instead."""

SENTIMENT_LABELS = {0: "negative", 1: "positive", 2: "neutral"}
"""The Twitter set's labels (0 bearish, 1 bullish, 2 neutral) in nextbest's words."""


@dataclass(frozen=True, slots=True)
class LabelledTexts:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    sha256: str
    """Checksum of the file the texts came from, recorded in the model manifest."""

    def __len__(self) -> int:
        return len(self.texts)

    def __add__(self, other: LabelledTexts) -> LabelledTexts:
        digest = hashlib.sha256(f"{self.sha256}+{other.sha256}".encode()).hexdigest()
        return LabelledTexts(self.texts + other.texts, self.labels + other.labels, digest)


def _read(path: Path, label_column: str) -> LabelledTexts:
    raw = path.read_bytes()
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
    texts = tuple(row["text"] for row in rows)
    labels = tuple(row[label_column] for row in rows)
    return LabelledTexts(texts, labels, hashlib.sha256(raw).hexdigest())


def load_banking77(split: str, data_dir: Path = DEFAULT_DATA_DIR) -> LabelledTexts:
    """``train`` (10,003 texts) or ``test`` (3,080), the official splits."""
    return _read(data_dir / "banking77" / f"{split}.csv", "category")


def load_planning_intents(split: str, data_dir: Path = DEFAULT_DATA_DIR) -> LabelledTexts:
    """nextbest's financial-planning intents: ``train`` and a separate held-out ``test``."""
    return _read(data_dir / "planning_intents" / f"{split}.csv", "category")


def load_twitter_sentiment(split: str, data_dir: Path = DEFAULT_DATA_DIR) -> LabelledTexts:
    """``train`` (9,543 headlines) or ``valid`` (2,388), labelled negative/neutral/positive."""
    found = _read(data_dir / "twitter_financial_news_sentiment" / f"sent_{split}.csv", "label")
    labels = tuple(SENTIMENT_LABELS[int(label)] for label in found.labels)
    return LabelledTexts(found.texts, labels, found.sha256)


def load_client_sentiment(data_dir: Path = DEFAULT_DATA_DIR) -> LabelledTexts:
    """nextbest's hand-written client messages labelled negative/neutral/positive (90): what the
    product reads, for measuring a sentiment model trained on news; never trained on."""
    return _read(data_dir / "client_sentiment" / "test.csv", "label")
