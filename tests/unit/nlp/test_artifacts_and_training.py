"""Artifacts load without running code and refuse tampering; training folds Nyström exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.kernel_approximation import Nystroem
from sklearn.svm import LinearSVC

from nextbest.nlp.artifacts import ArtifactError, load_artifact, save_artifact
from nextbest.nlp.classifier import TextClassifier
from nextbest.nlp.training import HeadSettings, fit_text_classifier

TEXTS = [
    "my card has not arrived",
    "where is my new card",
    "card still not delivered",
    "how long does card delivery take",
    "I want to top up my account",
    "top up by bank transfer",
    "can I top up with cash",
    "topping up failed",
    "am I on track for retirement",
    "when can I retire",
    "is my pension enough to retire",
    "retirement income plan",
]
LABELS = ["card"] * 4 + ["top_up"] * 4 + ["retire"] * 4
SETTINGS = HeadSettings(landmarks=6, gamma=1.0, min_df_chars=1, c=1.0)


@pytest.fixture(scope="module")
def embeddings() -> np.ndarray:
    rng = np.random.default_rng(7)
    centres = {label: rng.normal(size=16) for label in set(LABELS)}
    rows = np.array([centres[label] + rng.normal(scale=0.5, size=16) for label in LABELS])
    unit: np.ndarray = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    return unit


@pytest.fixture(scope="module")
def fitted(embeddings: np.ndarray) -> TextClassifier:
    model, converged = fit_text_classifier(TEXTS, LABELS, embeddings, SETTINGS)
    assert converged
    return model


def test_a_fitted_head_learns_its_training_set(
    fitted: TextClassifier, embeddings: np.ndarray
) -> None:
    predicted = [fitted.classes[i] for i in fitted.scores(TEXTS, embeddings).argmax(axis=1)]
    assert predicted == LABELS
    assert fitted.classes == ("card", "retire", "top_up")
    probabilities = fitted.probabilities(TEXTS, embeddings)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_serving_equals_the_scikit_learn_pipeline_it_was_trained_as(
    fitted: TextClassifier, embeddings: np.ndarray
) -> None:
    """Serving computes exp(-g|e-L|^2) @ W_kernel; training fitted a LinearSVC on Nystroem
    features. Refitting that pipeline with scikit-learn's own Nystroem gives the same scores."""
    vocabulary = fitted.vocabulary
    tfidf = sparse.vstack(
        [
            sparse.csr_matrix((v, (np.zeros(len(c), int), c)), shape=(1, len(vocabulary.features)))
            for c, v in (vocabulary.transform(text) for text in TEXTS)
        ]
    )
    nystroem = Nystroem(gamma=SETTINGS.gamma, n_components=len(fitted.landmarks), random_state=0)
    kernel_features = nystroem.fit(fitted.landmarks).transform(embeddings)
    features = sparse.hstack([tfidf, embeddings, kernel_features]).tocsr()
    target = [fitted.classes.index(label) for label in LABELS]
    svm = LinearSVC(C=SETTINGS.c, random_state=0, max_iter=20_000).fit(features, target)
    assert np.allclose(fitted.scores(TEXTS, embeddings), svm.decision_function(features), atol=2e-3)


def test_save_and_load_give_the_same_answers(
    tmp_path: Path, fitted: TextClassifier, embeddings: np.ndarray
) -> None:
    artifact = fitted.save(tmp_path / "m", "demo", {"metrics": {"accuracy": 1.0}})
    loaded, again = TextClassifier.load(tmp_path / "m", "demo")
    assert again.version == artifact.version
    assert again.manifest["metrics"] == {"accuracy": 1.0}
    assert loaded.classes == fitted.classes
    assert loaded.vocabulary.features == fitted.vocabulary.features
    assert np.allclose(
        loaded.probabilities(TEXTS, embeddings), fitted.probabilities(TEXTS, embeddings), atol=2e-3
    )


def test_the_version_depends_on_the_weights_only(tmp_path: Path) -> None:
    arrays = {"w": np.arange(4, dtype=np.float32)}
    first = save_artifact(tmp_path / "a", "demo", arrays, {"note": "one"})
    second = save_artifact(tmp_path / "b", "demo", arrays, {"note": "two"})
    third = save_artifact(tmp_path / "c", "demo", {"w": np.ones(4, np.float32)}, {})
    assert first.version == second.version != third.version


def test_a_tampered_array_is_refused(tmp_path: Path) -> None:
    save_artifact(tmp_path / "a", "demo", {"w": np.arange(4, dtype=np.float32)}, {})
    save_artifact(tmp_path / "b", "demo", {"w": np.ones(4, dtype=np.float32)}, {})
    (tmp_path / "a" / "arrays.npz").write_bytes((tmp_path / "b" / "arrays.npz").read_bytes())
    with pytest.raises(ArtifactError, match="checksum"):
        load_artifact(tmp_path / "a")


def test_wrong_kind_schema_or_missing_files_are_refused(tmp_path: Path) -> None:
    save_artifact(tmp_path / "a", "intents", {"w": np.zeros(1, np.float32)}, {})
    with pytest.raises(ArtifactError, match="not 'sentiment'"):
        load_artifact(tmp_path / "a", kind="sentiment")
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    (tmp_path / "a" / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 99}))
    with pytest.raises(ArtifactError, match="schema 99"):
        load_artifact(tmp_path / "a")
    with pytest.raises(ArtifactError, match="nextbest nlp train"):
        load_artifact(tmp_path / "nothing-here")


def test_pickled_objects_are_never_loaded(tmp_path: Path) -> None:
    save_artifact(tmp_path / "a", "demo", {"w": np.zeros(1, np.float32)}, {})
    np.savez(tmp_path / "a" / "arrays.npz", w=np.array([{"code": "runs"}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        load_artifact(tmp_path / "a")
