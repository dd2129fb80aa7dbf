"""The fine-tuned sentiment model: MiniLM's top layers, fine-tuned, on the encoder's own states.

The encoder runs its first ``SHARED_LAYERS`` transformer layers once per message and returns
their hidden states beside the sentence vector. This model is a fine-tuned copy of the layers
above them plus a linear layer over the mean-pooled result, trained on the Twitter financial
news training split (``scripts/finetune_sentiment.py``, at build time, with torch) and shipped
as an int8 ONNX graph, so serving it costs the remaining layers once more and needs no torch.

Its probabilities can be averaged with the frozen-embedding head's (``frozen_head_weight`` in
the manifest): on the tenth of the training split held out while fine-tuning the average scored
0.862 against 0.854 for the branch and 0.834 for the head, but the head's extra work cost 1-2.5
ms at the 99th percentile of a message, so the shipped weight is 0 and the head is not run.

The artifact is ``branch.onnx`` beside a ``manifest.json`` that records its sha256, the encoder
it reads (by sha256 and shared layer count), the training data's checksum, the settings and the
training history; a file that does not match its manifest refuses to load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from nextbest.nlp.artifacts import ARTIFACTS_DIR, ArtifactError, file_sha256
from nextbest.nlp.classifier import softmax
from nextbest.nlp.sentiment import LABELS, SentimentPrediction

__all__ = ["BRANCH_DIR", "BRANCH_KIND", "SentimentBranch"]

BRANCH_DIR = ARTIFACTS_DIR / "sentiment_branch"
BRANCH_KIND = "sentiment-branch"
_SCHEMA_VERSION = 1


class SentimentBranch:
    """Sentiment from the encoder's shared-layer states; ``predict`` takes tokens x 384."""

    def __init__(
        self,
        model_path: Path,
        *,
        manifest: dict[str, Any],
        threads: int = 1,
    ) -> None:
        self.manifest = manifest
        self.version = str(manifest["version"])
        self.encoder_sha256 = str(manifest["encoder"]["sha256"])
        self.shared_layers = int(manifest["encoder"]["shared_layers"])
        self.head_weight = float(manifest.get("frozen_head_weight", 0.0))
        """How much of the frozen head's probabilities is averaged in (0 to 1)."""
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
        if manifest.get("schema_version") != _SCHEMA_VERSION or manifest.get("kind") != BRANCH_KIND:
            raise ArtifactError(f"{folder} does not hold a version-1 sentiment branch")
        if not model_path.exists() or file_sha256(model_path) != manifest.get("sha256"):
            raise ArtifactError(f"{model_path} does not match its manifest's checksum")
        return cls(model_path, manifest=manifest, threads=threads)

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

    def predict(
        self, states: NDArray[np.float32], head: NDArray[np.float32] | None = None
    ) -> SentimentPrediction:
        """The sentiment of one message from its states, averaged with the frozen head's
        probabilities ``head`` (in ``LABELS`` order) when given."""
        row = softmax(self.logits(states))
        if head is not None and self.head_weight > 0:
            row = (1.0 - self.head_weight) * row + self.head_weight * head.astype(np.float32)
        best = int(np.argmax(row))
        probabilities = {label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)}
        return SentimentPrediction(LABELS[best], probabilities[LABELS[best]], probabilities)
