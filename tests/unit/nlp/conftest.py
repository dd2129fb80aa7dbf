"""The trained models are loaded once for the whole NLP test session (about a second)."""

from __future__ import annotations

import pytest

from nextbest.nlp.pipeline import NlpModels


@pytest.fixture(scope="session")
def models() -> NlpModels:
    return NlpModels.load(threads=1)
