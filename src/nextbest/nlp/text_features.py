"""TF-IDF features of word and character n-grams, stored as plain data and applied without scipy.

The sentence encoder hears meaning but blurs exact words ("top up" against "top-up fee");
n-gram counts keep them. The vocabulary and idf weights are learned at training time and saved
as a JSON list and an array, so the service needs neither scikit-learn nor pickles to apply them:
a message becomes a short list of (column, weight) pairs.

Each block (words, characters) is sublinear-tf times smoothed idf, scaled to unit length and then
by its block weight, as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` would for one block.

>>> vocab = TfidfVocabulary.fit(["top up my card", "card arrived", "top up failed"])
>>> columns, values = vocab.transform("top up")
>>> sorted(vocab.features[c] for c in columns)[:3]
['c: t', 'c: to', 'c: top']
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["TfidfVocabulary", "char_ngrams", "features_of", "word_ngrams"]

_WORD = re.compile(r"(?u)\b\w\w+\b")


def word_ngrams(text: str, sizes: tuple[int, int] = (1, 2)) -> list[str]:
    """Lower-case word n-grams of two letters and more, as ``w:`` features.

    >>> word_ngrams("Top up my card")
    ['w:top', 'w:up', 'w:my', 'w:card', 'w:top up', 'w:up my', 'w:my card']
    """
    words = _WORD.findall(text.lower())
    grams: list[str] = []
    for size in range(sizes[0], sizes[1] + 1):
        grams.extend("w:" + " ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    return grams


def char_ngrams(text: str, sizes: tuple[int, int] = (2, 5)) -> list[str]:
    """Character n-grams inside space-padded words, as ``c:`` features (robust to typos).

    >>> char_ngrams("pin", (2, 3))
    ['c: p', 'c:pi', 'c:in', 'c:n ', 'c: pi', 'c:pin', 'c:in ']
    """
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        for size in range(sizes[0], sizes[1] + 1):
            if size > len(padded):
                break
            grams.extend("c:" + padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


def features_of(text: str) -> list[str]:
    """All n-gram features of one text, words first."""
    return word_ngrams(text) + char_ngrams(text)


@dataclass(frozen=True, slots=True)
class TfidfVocabulary:
    """Feature names, their idf, and the weight of each block (``w:`` words, ``c:`` chars)."""

    features: tuple[str, ...]
    idf: NDArray[np.float32]
    word_weight: float = 0.5
    char_weight: float = 0.5
    index: dict[str, int] = field(init=False, repr=False, compare=False)
    is_word: NDArray[np.bool_] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {feature: i for i, feature in enumerate(self.features)})
        object.__setattr__(
            self, "is_word", np.array([f.startswith("w:") for f in self.features], dtype=np.bool_)
        )

    @classmethod
    def fit(
        cls,
        texts: Iterable[str],
        *,
        min_df_words: int = 1,
        min_df_chars: int = 2,
        word_weight: float = 0.5,
        char_weight: float = 0.5,
    ) -> TfidfVocabulary:
        """Learn the vocabulary and smoothed idf, ``ln((1 + n) / (1 + df)) + 1``."""
        document_frequency: Counter[str] = Counter()
        count = 0
        for text in texts:
            document_frequency.update(set(features_of(text)))
            count += 1
        kept = sorted(
            feature
            for feature, df in document_frequency.items()
            if df >= (min_df_words if feature.startswith("w:") else min_df_chars)
        )
        idf = np.array(
            [math.log((1 + count) / (1 + document_frequency[f])) + 1.0 for f in kept],
            dtype=np.float32,
        )
        return cls(tuple(kept), idf, word_weight, char_weight)

    def transform(self, text: str) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The non-zero columns of one text and their values."""
        return self.transform_features(features_of(text))

    def transform_features(
        self, features: Iterable[str]
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """``transform`` for n-gram features already extracted with ``features_of``, as a list
        or counted once for several vocabularies (a ``Counter``)."""
        index = self.index
        counted = features if isinstance(features, Counter) else Counter(features)
        # One pass over the message's n-grams, the rest in numpy: this runs for every message
        # and every head, so it is on the latency path.
        found = [(index[feature], n) for feature, n in counted.items() if feature in index]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        columns = np.fromiter((column for column, _ in found), dtype=np.int64, count=len(found))
        counts = np.fromiter((n for _, n in found), dtype=np.float64, count=len(found))
        values = (1.0 + np.log(counts)).astype(np.float32)
        values *= self.idf[columns]
        is_word = self.is_word[columns]
        for mask, weight in ((is_word, self.word_weight), (~is_word, self.char_weight)):
            norm = float(np.linalg.norm(values[mask]))
            if norm > 0:
                values[mask] *= weight / norm
        return columns, values

    def transform_many(
        self, texts: Sequence[str]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]:
        """Rows, columns and values of a whole set, ready for a sparse matrix at training time."""
        rows: list[NDArray[np.int64]] = []
        columns: list[NDArray[np.int64]] = []
        values: list[NDArray[np.float32]] = []
        for row, text in enumerate(texts):
            cols, vals = self.transform(text)
            rows.append(np.full(len(cols), row, dtype=np.int64))
            columns.append(cols)
            values.append(vals)
        return np.concatenate(rows), np.concatenate(columns), np.concatenate(values)
