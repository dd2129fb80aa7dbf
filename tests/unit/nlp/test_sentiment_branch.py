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
from nextbest.nlp.text_features import features_of


def test_the_shipped_branch_reads_the_shipped_encoder_s_states(models: NlpModels) -> None:
    assert models.branch is not None
    assert models.branch.encoder_sha256 == models.encoder.sha256
    assert models.branch.shared_layers == SHARED_LAYERS
    manifest = models.branch.manifest
    assert manifest["training_data"]["n"] == 9543
    assert len(manifest["source_weights"]["sha256"]) == 64
    assert models.versions["sentiment"] == models.branch.version


def test_the_shipped_model_adds_a_lexical_head_chosen_on_held_out_training_data(
    models: NlpModels,
) -> None:
    assert models.branch is not None
    assert models.branch.lexical is not None
    assert models.branch.lexical_weight > 0
    assert 0 < models.branch.temperature < 10
    held_out = models.branch.manifest["held_out"]
    assert held_out["n"] == 954  # a tenth of the 9,543 training texts, not the validation split
    chosen = max(held_out["weight_grid"], key=lambda g: (g["accuracy"], -g["log_loss"]))
    assert chosen["weight"] == models.branch.lexical_weight
    assert chosen["temperature"] == models.branch.temperature
    assert held_out["shipped_blend"]["accuracy"] == chosen["accuracy"]


def test_served_scores_are_the_branch_s_plus_the_weighted_lexical_head_s(
    models: NlpModels,
) -> None:
    branch = models.branch
    assert branch is not None
    assert branch.lexical is not None
    text = "Shares slump after the company cuts its full-year outlook"
    states = models.encoder.encode_message(text)[1]
    assert states is not None
    features = features_of(text)
    lexical = branch.lexical.scores(features)
    expected = (branch.logits(states) + branch.lexical_weight * lexical) * branch.temperature
    assert np.allclose(branch.scores(states, features), expected, atol=1e-5)
    assert not np.allclose(lexical, 0.0)
    with pytest.raises(ValueError, match="n-grams"):
        branch.predict(states)


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
        predicted.append(models.branch.predict_text(text, states).label)
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
    assert models.branch is not None
    model_text = "Shares plunged after the profit warning; I'm losing money fast"
    states = models.encoder.encode_message(model_text)[1]
    assert states is not None
    assert result.sentiment == models.branch.predict_text(model_text, states)
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


def test_an_altered_lexical_head_or_an_old_manifest_naming_one_is_refused(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "branch"
    shutil.copytree(BRANCH_DIR, folder)
    with np.load(folder / "lexical.npz") as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["bias"] = arrays["bias"] + np.float32(1.0)
    np.savez_compressed(folder / "lexical.npz", **arrays)
    with pytest.raises(ArtifactError, match="checksum"):
        SentimentBranch.load(folder)
    shutil.copy(BRANCH_DIR / "lexical.npz", folder / "lexical.npz")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 1}))
    with pytest.raises(ArtifactError, match="version-1"):
        SentimentBranch.load(folder)
    with pytest.raises(ArtifactError, match="lexical head and weight"):
        SentimentBranch(folder / "branch.onnx", manifest=manifest)


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
