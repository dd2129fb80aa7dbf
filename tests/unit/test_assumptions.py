from __future__ import annotations

import json
from dataclasses import replace

import pytest

from nextbest.domain.enums import AssetClass
from nextbest.finance.assumptions import (
    DEFAULT_ASSUMPTIONS,
    assumptions_from_json,
    assumptions_to_json,
)


def test_defaults_survive_a_json_round_trip() -> None:
    text = json.dumps(assumptions_to_json(DEFAULT_ASSUMPTIONS))
    assert assumptions_from_json(json.loads(text)) == DEFAULT_ASSUMPTIONS


def test_the_fingerprint_changes_when_any_figure_changes() -> None:
    changed = replace(DEFAULT_ASSUMPTIONS, inflation=0.03)
    assert changed.fingerprint() != DEFAULT_ASSUMPTIONS.fingerprint()
    assert replace(DEFAULT_ASSUMPTIONS).fingerprint() == DEFAULT_ASSUMPTIONS.fingerprint()


def test_an_asymmetric_correlation_matrix_is_refused() -> None:
    rows = [list(row) for row in DEFAULT_ASSUMPTIONS.correlation]
    rows[0][1] = 0.9
    with pytest.raises(ValueError, match="symmetric"):
        replace(DEFAULT_ASSUMPTIONS, correlation=tuple(tuple(r) for r in rows))


def test_a_correlation_matrix_that_is_not_positive_semidefinite_is_refused() -> None:
    n = len(DEFAULT_ASSUMPTIONS.correlation)
    rows = [[1.0 if i == j else -0.9 for j in range(n)] for i in range(n)]
    with pytest.raises(ValueError, match="semi-definite"):
        replace(DEFAULT_ASSUMPTIONS, correlation=tuple(tuple(r) for r in rows))


def test_a_file_missing_a_figure_names_it() -> None:
    data = assumptions_to_json(DEFAULT_ASSUMPTIONS)
    del data["volatility"]["BOND"]
    with pytest.raises(ValueError, match="BOND"):
        assumptions_from_json(data)


def test_more_equity_means_more_expected_return_and_more_risk() -> None:
    cautious = DEFAULT_ASSUMPTIONS.portfolio({AssetClass.EQUITY: 0.3, AssetClass.BOND: 0.7})
    bold = DEFAULT_ASSUMPTIONS.portfolio({AssetClass.EQUITY: 0.9, AssetClass.BOND: 0.1})
    assert bold[0] > cautious[0]
    assert bold[1] > cautious[1]
