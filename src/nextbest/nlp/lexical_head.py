"""A linear model over a message's TF-IDF n-grams alone, stored as plain arrays.

The fine-tuned sentiment branch reads meaning; the exact words ("cut", "beats", "downgrade",
"$TSLA") are what a linear model over word and character n-grams reads, and the two make
different mistakes, so their scores add up to a better model than either (measured on the tenth
of the training split held out in ``scripts/finetune_sentiment.py``). Serving it costs a lookup of
the n-grams the message's intent head has counted already and a product with a few hundred rows
of weights: no scikit-learn, no scipy, no pickle.

The arrays (feature names, idf, weights, bias) go to one ``.npz`` whose checksum
(``artifacts.arrays_sha256``, independent of zip timestamps) the owner's manifest records.

>>> from nextbest.nlp.text_features import TfidfVocabulary
>>> vocabulary = TfidfVocabulary.fit(["shares fall", "shares rise"])
>>> weights = np.zeros((len(vocabulary.features), 2), dtype=np.float32)
>>> weights[vocabulary.index["w:fall"]] = (1.0, -1.0)
>>> weights[vocabulary.index["w:rise"]] = (-1.0, 1.0)
>>> head = LexicalHead(vocabulary, weights, np.zeros(2, dtype=np.float32))
>>> [int(head.scores_of(text).argmax()) for text in ("shares fall", "shares rise")]
[0, 1]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from nextbest.nlp.artifacts import ArtifactError, arrays_sha256
from nextbest.nlp.text_features import TfidfVocabulary, features_of

__all__ = ["LexicalHead"]


@dataclass(frozen=True, slots=True)
class LexicalHead:
    """``scores = tfidf(message) @ weights + bias``, one column per class."""

    vocabulary: TfidfVocabulary
    weights: NDArray[np.float32]
    """Features x classes."""
    bias: NDArray[np.float32]

    def __post_init__(self) -> None:
        if self.weights.shape != (len(self.vocabulary.features), len(self.bias)):
            raise ArtifactError(
                f"a lexical head with {len(self.vocabulary.features)} features and "
                f"{len(self.bias)} classes cannot have weights of shape {self.weights.shape}"
            )

    def scores(self, features: Iterable[str]) -> NDArray[np.float32]:
        """Class scores of one message from its n-gram features (``features_of``, as a list or
        a ``Counter``)."""
        columns, values = self.vocabulary.transform_features(features)
        # einsum, not BLAS, for one row: see classifier._product.
        result: NDArray[np.float32] = self.bias + np.einsum(
            "j,jk->k", values, self.weights[columns]
        )
        return result

    def scores_of(self, text: str) -> NDArray[np.float32]:
        return self.scores(features_of(text))

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        """What ``save`` writes: weights as float16, which costs no accuracy at these scales."""
        return {
            "features": np.array(self.vocabulary.features, dtype=np.str_),
            "idf": self.vocabulary.idf.astype(np.float32),
            "weights": self.weights.astype(np.float16),
            "bias": self.bias.astype(np.float32),
        }

    def save(self, path: Path) -> str:
        """Write the arrays to ``path`` (an ``.npz``); returns their checksum for a manifest."""
        arrays = self.arrays()
        np.savez_compressed(path, allow_pickle=False, **arrays)
        return arrays_sha256(arrays)

    @classmethod
    def load(
        cls, path: Path, *, sha256: str, word_weight: float, char_weight: float
    ) -> LexicalHead:
        """Read ``path`` back, refusing arrays whose checksum is not ``sha256``."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except FileNotFoundError as missing:
            raise ArtifactError(f"no lexical head at {path}") from missing
        if arrays_sha256(arrays) != sha256:
            raise ArtifactError(f"{path} does not match its manifest's checksum")
        vocabulary = TfidfVocabulary(
            tuple(str(feature) for feature in arrays["features"].tolist()),
            arrays["idf"].astype(np.float32),
            word_weight,
            char_weight,
        )
        return cls(vocabulary, arrays["weights"].astype(np.float32), arrays["bias"])
