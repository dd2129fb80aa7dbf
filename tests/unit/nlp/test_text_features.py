"""Our TF-IDF is scikit-learn's, block by block, so training and serving agree."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from nextbest.nlp.text_features import TfidfVocabulary, char_ngrams, word_ngrams

TEXTS = [
    "My card has not arrived yet",
    "How do I top up my card?",
    "top up failed twice, card declined",
    "Is there a fee for topping up by card",
    "card card card arrived",
]


def _block(vocabulary: TfidfVocabulary, text: str, prefix: str) -> dict[str, float]:
    columns, values = vocabulary.transform(text)
    return {
        vocabulary.features[c][2:]: float(v)
        for c, v in zip(columns, values, strict=True)
        if vocabulary.features[c].startswith(prefix)
    }


@pytest.mark.parametrize(
    ("prefix", "reference"),
    [
        ("w:", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
        ("c:", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
    ],
)
def test_each_block_matches_scikit_learn(prefix: str, reference: TfidfVectorizer) -> None:
    vocabulary = TfidfVocabulary.fit(TEXTS, min_df_chars=1, word_weight=1.0, char_weight=1.0)
    matrix = reference.fit_transform(TEXTS)
    names = reference.get_feature_names_out()
    for row, text in enumerate(TEXTS):
        expected = {names[c]: matrix[row, c] for c in matrix[row].nonzero()[1]}
        ours = _block(vocabulary, text, prefix)
        assert ours.keys() == expected.keys()
        assert all(ours[k] == pytest.approx(expected[k], rel=1e-5) for k in ours)


def test_blocks_are_scaled_to_their_weights() -> None:
    vocabulary = TfidfVocabulary.fit(TEXTS, word_weight=0.5, char_weight=0.25)
    columns, values = vocabulary.transform("card top up")
    is_word = np.array([vocabulary.features[c].startswith("w:") for c in columns])
    assert np.linalg.norm(values[is_word]) == pytest.approx(0.5)
    assert np.linalg.norm(values[~is_word]) == pytest.approx(0.25)


def test_unknown_text_has_no_features() -> None:
    vocabulary = TfidfVocabulary.fit(TEXTS, min_df_chars=5)
    columns, values = vocabulary.transform("zzzz qqqq")
    assert len(columns) == len(values) == 0


def test_rare_character_grams_are_dropped_by_min_df() -> None:
    loose = TfidfVocabulary.fit(TEXTS, min_df_chars=1)
    strict = TfidfVocabulary.fit(TEXTS, min_df_chars=2)
    assert len(strict.features) < len(loose.features)
    assert all(f in loose.index for f in strict.features)


def test_ngram_helpers() -> None:
    assert word_ngrams("I top up", (1, 2)) == ["w:top", "w:up", "w:top up"]
    assert char_ngrams("ab", (2, 9)) == ["c: a", "c:ab", "c:b ", "c: ab", "c:ab ", "c: ab "]
