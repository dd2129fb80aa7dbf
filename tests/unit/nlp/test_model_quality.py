"""The shipped models on held-out data, and the manifests that describe them.

The full figures are in ``benchmarks/nlp.py``; these are floors that catch a broken artifact, a
mismatched encoder or tokenizer, or a training run that went wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nextbest.nlp.artifacts import load_artifact
from nextbest.nlp.datasets import (
    load_banking77,
    load_client_sentiment,
    load_planning_intents,
    load_twitter_sentiment,
)
from nextbest.nlp.embeddings import (
    SOURCE_MODEL_SHA256,
    TOKENIZER_PATH,
    EncoderMismatch,
    SentenceEncoder,
)
from nextbest.nlp.intents import INTENTS_DIR
from nextbest.nlp.metrics import accuracy
from nextbest.nlp.pipeline import NlpModels
from nextbest.nlp.sentiment import SENTIMENT_DIR


def test_planning_intents_on_their_held_out_split(models: NlpModels) -> None:
    test = load_planning_intents("test")
    embeddings = models.encoder.encode(test.texts)
    predicted = [p.intent for p in models.intents.predict(test.texts, embeddings)]
    assert accuracy(test.labels, predicted) >= 0.75  # "unknown" answers count as wrong here


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what's my balance?", "account_balance"),  # seed 001's own example
        ("how much is my retirement annuity worth at the moment", "account_balance"),
        ("can you stop sending me so many notifications", "notification_preferences"),
        ("I want to close my account", "terminate_account"),  # not to be confused with the above
        (
            "Why hasn't my balance updated after my transfer?",
            "balance_not_updated_after_bank_transfer",
        ),
    ],
)
def test_balance_questions_and_contact_wishes_are_told_apart(
    models: NlpModels, text: str, intent: str
) -> None:
    answer = models.intents.predict([text], models.encoder.encode([text]))[0]
    assert answer.intent == intent


def test_sentiment_on_a_slice_of_the_validation_split(models: NlpModels) -> None:
    valid = load_twitter_sentiment("valid")
    texts, labels = valid.texts[::8], valid.labels[::8]
    predicted = [p.label for p in models.sentiment.predict(texts, models.encoder.encode(texts))]
    assert accuracy(labels, predicted) >= 0.78


def test_manifests_record_data_encoder_and_metrics(models: NlpModels) -> None:
    for folder in (INTENTS_DIR, SENTIMENT_DIR):
        manifest = load_artifact(folder).manifest
        assert manifest["encoder"]["sha256"] == models.encoder.sha256
        assert manifest["encoder"]["source"] == SOURCE_MODEL_SHA256
        assert len(manifest["training_data"]["sha256"]) == 64
        assert manifest["converged"] is True
        assert manifest["metrics"]["cross_validation"]["accuracy"] > 0.8
    intents = load_artifact(INTENTS_DIR).manifest
    assert intents["metrics"]["banking77_test"]["n"] == 3080
    assert 0.0 < intents["unknown_threshold"] < 1.0


def test_batches_and_single_messages_embed_alike(models: NlpModels) -> None:
    texts = ["short", "a much longer message about my retirement annuity and fees", "tax?"]
    batch = models.encoder.encode(texts)
    singles = np.stack([models.encoder.encode_one(t) for t in texts])
    assert np.allclose(batch, singles, atol=1e-4)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert TOKENIZER_PATH.exists()


def test_an_encoder_other_than_the_trained_one_is_refused(
    tmp_path: Path, models: NlpModels
) -> None:
    impostor = tmp_path / "model.onnx"
    impostor.write_bytes(b"not the model")
    with pytest.raises(EncoderMismatch):
        SentenceEncoder(impostor, expected_sha256=models.encoder.sha256)
    models.intents.encoder_sha256, saved = "0" * 64, models.intents.encoder_sha256
    try:
        with pytest.raises(EncoderMismatch, match="nextbest nlp train"):
            NlpModels(models.encoder, models.intents, models.sentiment)
    finally:
        models.intents.encoder_sha256 = saved


def test_the_client_message_sentiment_set_is_balanced_and_apart_from_the_training_data() -> None:
    """An evaluation set only: every label 30 times, and none of its messages in anything a
    model is trained on (the news headlines, the intent sets)."""
    messages = load_client_sentiment()
    assert {label: messages.labels.count(label) for label in set(messages.labels)} == {
        "negative": 30,
        "neutral": 30,
        "positive": 30,
    }
    assert len(set(messages.texts)) == len(messages)
    trained = set(load_twitter_sentiment("train").texts) | set(load_planning_intents("train").texts)
    trained |= set(load_banking77("train").texts)
    assert not set(messages.texts) & trained
