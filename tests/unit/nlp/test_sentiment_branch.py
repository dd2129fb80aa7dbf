"""The fine-tuned sentiment branch: loaded only beside its own encoder, checked, and served."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from nextbest.nlp.artifacts import ArtifactError
from nextbest.nlp.conversation import InMemoryConversationStore
from nextbest.nlp.datasets import load_twitter_sentiment
from nextbest.nlp.embeddings import DIMENSIONS, SHARED_LAYERS, EncoderMismatch
from nextbest.nlp.metrics import accuracy
from nextbest.nlp.pipeline import NlpModels, process_message
from nextbest.nlp.sentiment_branch import BRANCH_DIR, SentimentBranch


def test_the_shipped_branch_reads_the_shipped_encoder_s_states(models: NlpModels) -> None:
    assert models.branch is not None
    assert models.branch.encoder_sha256 == models.encoder.sha256
    assert models.branch.shared_layers == SHARED_LAYERS
    manifest = models.branch.manifest
    assert manifest["training_data"]["n"] == 9543
    assert len(manifest["source_weights"]["sha256"]) == 64
    assert models.versions["sentiment"] == models.branch.version


def test_one_encoder_run_gives_the_vector_and_the_shared_states(models: NlpModels) -> None:
    text = "I'm worried my pension will not be enough"
    vector, states = models.encoder.encode_message(text)
    assert np.array_equal(vector, models.encoder.encode_one(text))
    assert states is not None
    assert states.shape == (len(models.encoder.tokenize(text)), DIMENSIONS)


def test_sentiment_on_a_slice_of_the_validation_split(models: NlpModels) -> None:
    assert models.branch is not None
    valid = load_twitter_sentiment("valid")
    texts, labels = valid.texts[::8], valid.labels[::8]
    predicted = []
    for text in texts:
        states = models.encoder.encode_message(text)[1]
        assert states is not None
        predicted.append(models.branch.predict(states).label)
    assert accuracy(labels, predicted) >= 0.84  # the full split is measured by benchmarks/nlp.py


def test_messages_are_scored_by_the_branch(models: NlpModels) -> None:
    result = process_message(
        "Shares plunged after the profit warning; I'm losing money fast",
        conversation_id="c",
        context={},
        securities={},
        store=InMemoryConversationStore(),
        now=datetime(2026, 2, 1, tzinfo=UTC),
        models=models,
    )
    assert result.model_versions["sentiment"].startswith("sentiment-ft-")
    assert result.sentiment.label == "negative"
    assert sum(result.sentiment.probabilities.values()) == pytest.approx(1.0, abs=1e-3)


def test_a_branch_that_does_not_match_its_manifest_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "branch"
    shutil.copytree(BRANCH_DIR, folder)
    model = folder / "branch.onnx"
    model.write_bytes(model.read_bytes()[:-1] + b"\0")
    with pytest.raises(ArtifactError, match="checksum"):
        SentimentBranch.load(folder)
    with pytest.raises(ArtifactError, match="finetune_sentiment"):
        SentimentBranch.load(tmp_path / "nothing")


def test_a_branch_for_other_layers_or_another_encoder_is_refused(
    tmp_path: Path, models: NlpModels
) -> None:
    for change in ({"shared_layers": SHARED_LAYERS + 1}, {"sha256": "0" * 64}):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        shutil.copytree(BRANCH_DIR, folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["encoder"].update(change)
        (folder / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(EncoderMismatch):
            NlpModels(
                models.encoder, models.intents, models.sentiment, SentimentBranch.load(folder)
            )


def test_without_a_branch_the_frozen_head_scores_sentiment(tmp_path: Path) -> None:
    models = NlpModels.load(branch_dir=tmp_path)
    assert models.branch is None
    assert models.versions["sentiment"] == models.sentiment.version
    intent, sentiment = models.analyse("my card has not arrived yet")
    assert intent.intent == "card_arrival"
    assert set(sentiment.probabilities) == {"negative", "neutral", "positive"}
