"""The lexical head: TF-IDF n-gram scores from plain arrays, saved and checked by checksum."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nextbest.nlp.artifacts import ArtifactError
from nextbest.nlp.lexical_head import LexicalHead
from nextbest.nlp.text_features import TfidfVocabulary, features_of

TEXTS = ["profits fall sharply", "profits rise again", "results due on monday"]


def _head() -> LexicalHead:
    vocabulary = TfidfVocabulary.fit(TEXTS)
    weights = np.zeros((len(vocabulary.features), 3), dtype=np.float32)
    weights[vocabulary.index["w:fall"], 0] = 2.0
    weights[vocabulary.index["w:rise"], 2] = 2.0
    return LexicalHead(vocabulary, weights, np.array([0.0, 0.5, 0.0], dtype=np.float32))


def test_scores_are_the_tfidf_values_times_the_weights_plus_the_bias() -> None:
    head = _head()
    columns, values = head.vocabulary.transform("profits fall")
    expected = head.bias + values @ head.weights[columns]
    assert np.allclose(head.scores_of("profits fall"), expected)
    assert int(head.scores_of("profits fall").argmax()) == 0
    assert int(head.scores_of("profits rise").argmax()) == 2
    assert int(head.scores_of("nothing known here").argmax()) == 1  # the bias alone


def test_counted_and_listed_features_score_alike() -> None:
    head = _head()
    features = features_of("profits fall, profits fall")
    assert np.allclose(head.scores(features), head.scores(Counter(features)))


def test_a_saved_head_loads_back_and_scores_the_same(tmp_path: Path) -> None:
    head = _head()
    path = tmp_path / "lexical.npz"
    digest = head.save(path)
    loaded = LexicalHead.load(path, sha256=digest, word_weight=0.5, char_weight=0.5)
    assert loaded.vocabulary.features == head.vocabulary.features
    for text in TEXTS:
        assert np.allclose(loaded.scores_of(text), head.scores_of(text), atol=1e-3)


def test_a_head_that_does_not_match_its_checksum_or_shape_is_refused(tmp_path: Path) -> None:
    head = _head()
    path = tmp_path / "lexical.npz"
    head.save(path)
    with pytest.raises(ArtifactError, match="checksum"):
        LexicalHead.load(path, sha256="0" * 64, word_weight=0.5, char_weight=0.5)
    with pytest.raises(ArtifactError, match="no lexical head"):
        LexicalHead.load(tmp_path / "missing.npz", sha256="0", word_weight=0.5, char_weight=0.5)
    with pytest.raises(ArtifactError, match="shape"):
        LexicalHead(head.vocabulary, head.weights[:-1], head.bias)
