"""The fine-tuned sentiment model: MiniLM's top layers, fine-tuned, on the encoder's own states.

The encoder runs its first ``SHARED_LAYERS`` transformer layers once per message and returns
their hidden states beside the sentence vector. This model is a fine-tuned copy of the layers
above them plus a linear layer over the mean-pooled result, trained on the Twitter financial
news training split (``scripts/finetune_sentiment.py``, at build time, with torch) and shipped
as an int8 ONNX graph, so serving it costs the remaining layers once more and needs no torch.

Beside it (schema 2) a linear model over the message's TF-IDF n-grams (``LexicalHead``) adds its
scores to the branch's, ``logits = branch + lexical_weight * lexical``, and a temperature turns
the sum into probabilities; weight and temperature were chosen on a tenth of the training split
held out from both models. The n-grams are the ones the intent head has counted already, so the
lexical half costs a lookup and a small product (about 0.1 ms), where averaging with the
frozen-embedding head (``frozen_head_weight``, 0 in every shipped model) cost 1-2.5 ms at the
99th percentile of a message because of its RBF kernel.

The artifact is ``branch.onnx`` (and ``lexical.npz``) beside a ``manifest.json`` that records
their checksums, the encoder the branch reads (by sha256 and shared layer count), the training
data's checksum, the settings, the held-out figures and the training history; a file that does
not match its manifest refuses to load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from nextbest.nlp.artifacts import ARTIFACTS_DIR, ArtifactError, file_sha256
from nextbest.nlp.classifier import softmax
from nextbest.nlp.lexical_head import LexicalHead
from nextbest.nlp.sentiment import LABELS, SentimentPrediction
from nextbest.nlp.text_features import features_of

__all__ = ["BRANCH_DIR", "BRANCH_KIND", "SentimentBranch"]

BRANCH_DIR = ARTIFACTS_DIR / "sentiment_branch"
BRANCH_KIND = "sentiment-branch"
_SCHEMA_VERSIONS = (1, 2)
"""1: the branch alone; 2: optionally with a lexical head and a temperature."""


class SentimentBranch:
    """Sentiment from the encoder's shared-layer states; ``predict`` takes tokens x 384."""

    def __init__(
        self,
        model_path: Path,
        *,
        manifest: dict[str, Any],
        threads: int = 1,
        lexical: LexicalHead | None = None,
    ) -> None:
        self.manifest = manifest
        self.version = str(manifest["version"])
        self.encoder_sha256 = str(manifest["encoder"]["sha256"])
        self.shared_layers = int(manifest["encoder"]["shared_layers"])
        self.head_weight = float(manifest.get("frozen_head_weight", 0.0))
        """How much of the frozen head's probabilities is averaged in (0 to 1)."""
        self.lexical = lexical
        self.lexical_weight = float((manifest.get("lexical") or {}).get("weight", 0.0))
        """The lexical head's share of the summed scores (0 when there is none)."""
        self.temperature = float(manifest.get("temperature", 1.0))
        """Multiplies the summed scores before the softmax."""
        if (lexical is None) != (self.lexical_weight == 0.0):
            raise ArtifactError(f"sentiment model {self.version}: lexical head and weight differ")
        if tuple(manifest["labels"]) != LABELS:
            raise ArtifactError(f"a sentiment model has labels {LABELS}, not {manifest['labels']}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def load(cls, folder: Path = BRANCH_DIR, *, threads: int = 1) -> SentimentBranch:
        """Read the branch and check it against its manifest."""
        model_path = folder / "branch.onnx"
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except FileNotFoundError as missing:
            raise ArtifactError(
                f"no sentiment branch in {folder}: run scripts/finetune_sentiment.py"
            ) from missing
        schema = manifest.get("schema_version")
        if schema not in _SCHEMA_VERSIONS or manifest.get("kind") != BRANCH_KIND:
            raise ArtifactError(f"{folder} does not hold a version-1 or -2 sentiment branch")
        if not model_path.exists() or file_sha256(model_path) != manifest.get("sha256"):
            raise ArtifactError(f"{model_path} does not match its manifest's checksum")
        lexical = None
        described = manifest.get("lexical")
        if described is not None:
            if schema < 2:
                raise ArtifactError(f"{folder}: a version-1 branch has no lexical head")
            lexical = LexicalHead.load(
                folder / str(described["file"]),
                sha256=str(described["arrays_sha256"]),
                word_weight=float(described["word_weight"]),
                char_weight=float(described["char_weight"]),
            )
        return cls(model_path, manifest=manifest, threads=threads, lexical=lexical)

    def logits(self, states: NDArray[np.float32]) -> NDArray[np.float32]:
        """Raw class scores for one message's states (tokens x 384)."""
        feeds = {
            "hidden_states": states[None, :, :].astype(np.float32),
            "attention_mask": np.ones((1, len(states)), dtype=np.int64),
        }
        result: NDArray[np.float32] = np.asarray(
            self._session.run(["logits"], feeds)[0][0], dtype=np.float32
        )
        return result

    def scores(
        self, states: NDArray[np.float32], features: Iterable[str] | None = None
    ) -> NDArray[np.float32]:
        """The summed scores of one message before the softmax: the branch's from its states
        and, when the model has a lexical head, that head's from the message's n-gram
        ``features`` (``text_features.features_of``, a list or a ``Counter``)."""
        result = self.logits(states)
        if self.lexical is not None:
            if features is None:
                raise ValueError(f"sentiment model {self.version} needs the message's n-grams")
            result = result + np.float32(self.lexical_weight) * self.lexical.scores(features)
        scaled: NDArray[np.float32] = result * np.float32(self.temperature)
        return scaled

    def predict_text(self, text: str, states: NDArray[np.float32]) -> SentimentPrediction:
        """``predict`` for a text whose n-grams nobody has counted yet."""
        return self.predict(states, features=features_of(text) if self.lexical else None)

    def predict(
        self,
        states: NDArray[np.float32],
        head: NDArray[np.float32] | None = None,
        *,
        features: Iterable[str] | None = None,
    ) -> SentimentPrediction:
        """The sentiment of one message from its states (and n-gram ``features``, see
        ``scores``), averaged with the frozen head's probabilities ``head`` (in ``LABELS``
        order) when given and the manifest asks for it."""
        row = softmax(self.scores(states, features))
        if head is not None and self.head_weight > 0:
            row = (1.0 - self.head_weight) * row + self.head_weight * head.astype(np.float32)
        best = int(np.argmax(row))
        probabilities = {label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)}
        return SentimentPrediction(LABELS[best], probabilities[LABELS[best]], probabilities)
