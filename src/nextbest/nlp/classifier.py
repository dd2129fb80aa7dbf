"""A text classifier that is a sum of linear blocks over three views of a message.

The views are the TF-IDF n-grams (exact words and spellings), the sentence embedding (meaning),
and an RBF kernel against landmark embeddings (meaning, with curvature a linear layer lacks).
Training fits one linear model over all three at once (see ``training``); serving is three small
matrix products and a softmax, in numpy, with no scikit-learn:

    scores = tfidf(x) @ W_tfidf + e @ W_embedding + exp(-gamma * |e - L|^2) @ W_kernel + bias
    probabilities = softmax(scores * temperature)

The temperature is fitted on held-out training folds so a probability of 0.9 is right about nine
times in ten, which is what makes the "unknown" threshold meaningful.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nextbest.nlp.artifacts import Artifact, load_artifact, save_artifact
from nextbest.nlp.text_features import TfidfVocabulary, features_of

__all__ = ["TextClassifier"]

FloatArray = NDArray[np.float32]


def _product(left: FloatArray, right: FloatArray) -> FloatArray:
    """``left @ right``, without BLAS for the one message the service scores at a time.

    OpenBLAS splits even a 1 x 384 by 384 x 3,000 product across every core it finds, and on
    a busy machine waiting for the other threads costs more than the product itself (measured
    with two BLAS threads and the other core busy: p50 16 ms, p99 36 ms for a whole message,
    against 2.8 and 6.8 ms). ``einsum``'s own loops stay on the calling thread. A batch (at
    training time) still goes to BLAS, where threads pay off.
    """
    if left.ndim == 1 or left.shape[0] == 1:
        result: FloatArray = np.einsum("...j,jk->...k", left, right)
        return result
    product: FloatArray = left @ right
    return product


def softmax(scores: FloatArray) -> FloatArray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = exp / exp.sum(axis=-1, keepdims=True)
    return result


@dataclass(frozen=True, slots=True)
class TextClassifier:
    """Learned state of one classifier; ``scores`` and ``probabilities`` are the whole runtime."""

    classes: tuple[str, ...]
    vocabulary: TfidfVocabulary
    tfidf_weights: FloatArray
    embedding_weights: FloatArray
    landmarks: FloatArray
    kernel_weights: FloatArray
    bias: FloatArray
    gamma: float
    temperature: float
    landmark_norms: FloatArray = field(init=False, repr=False, compare=False)
    landmarks_t: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # |e - l|^2 = |e|^2 + |l|^2 - 2 e.l: the landmarks' half never changes, so pay for it once.
        object.__setattr__(self, "landmark_norms", (self.landmarks**2).sum(axis=1))
        object.__setattr__(self, "landmarks_t", np.ascontiguousarray(self.landmarks.T))

    def scores(
        self,
        texts: Sequence[str],
        embeddings: FloatArray,
        ngrams: Sequence[Iterable[str]] | None = None,
    ) -> FloatArray:
        """Raw class scores, one row per text; ``embeddings`` are the texts' unit vectors.

        ``ngrams`` may carry each text's n-gram features when the caller already has them (two
        classifiers over one message share them), as a list or already counted (a ``Counter``).
        """
        embeddings = embeddings.astype(np.float32)
        result = _product(embeddings, self.embedding_weights) + self.bias
        if len(self.landmarks):
            squared = (
                (embeddings**2).sum(axis=1, keepdims=True)
                + self.landmark_norms[None, :]
                - 2.0 * _product(embeddings, self.landmarks_t)
            )
            kernel = np.exp(-self.gamma * np.maximum(squared, 0.0))
            result = result + _product(kernel, self.kernel_weights)
        for row, text in enumerate(texts):
            features = features_of(text) if ngrams is None else ngrams[row]
            columns, values = self.vocabulary.transform_features(features)
            if len(columns):
                result[row] += _product(values, self.tfidf_weights[columns])
        return result.astype(np.float32)

    def probabilities(
        self,
        texts: Sequence[str],
        embeddings: FloatArray,
        ngrams: Sequence[Iterable[str]] | None = None,
    ) -> FloatArray:
        return softmax(self.scores(texts, embeddings, ngrams) * np.float32(self.temperature))

    def save(self, folder: Path, kind: str, manifest: Mapping[str, Any]) -> Artifact:
        """Write the classifier as an artifact; weights as float16, which costs no accuracy."""
        arrays: dict[str, NDArray[Any]] = {
            "tfidf_weights": self.tfidf_weights.astype(np.float16),
            "embedding_weights": self.embedding_weights.astype(np.float32),
            "landmarks": self.landmarks.astype(np.float16),
            "kernel_weights": self.kernel_weights.astype(np.float32),
            "bias": self.bias.astype(np.float32),
            "idf": self.vocabulary.idf.astype(np.float32),
            "features": np.array(self.vocabulary.features, dtype=np.str_),
        }
        full = {
            **manifest,
            "classes": list(self.classes),
            "word_weight": self.vocabulary.word_weight,
            "char_weight": self.vocabulary.char_weight,
            "gamma": self.gamma,
            "temperature": self.temperature,
        }
        return save_artifact(folder, kind, arrays, full)

    @classmethod
    def load(cls, folder: Path, kind: str) -> tuple[TextClassifier, Artifact]:
        artifact = load_artifact(folder, kind=kind)
        manifest, arrays = artifact.manifest, artifact.arrays
        vocabulary = TfidfVocabulary(
            tuple(str(feature) for feature in arrays["features"].tolist()),
            arrays["idf"].astype(np.float32),
            float(manifest["word_weight"]),
            float(manifest["char_weight"]),
        )
        model = cls(
            classes=tuple(manifest["classes"]),
            vocabulary=vocabulary,
            tfidf_weights=arrays["tfidf_weights"].astype(np.float32),
            embedding_weights=arrays["embedding_weights"].astype(np.float32),
            landmarks=arrays["landmarks"].astype(np.float32),
            kernel_weights=arrays["kernel_weights"].astype(np.float32),
            bias=arrays["bias"].astype(np.float32),
            gamma=float(manifest["gamma"]),
            temperature=float(manifest["temperature"]),
        )
        return model, artifact
