"""Capital-market assumptions: expected return, volatility and correlation per asset class.

The defaults are rounded long-run figures, not a forecast and not advice. Real returns follow
the long-run world averages of Dimson, Marsh and Staunton's Global Investment Returns Yearbook
(equities about 5% a year above inflation since 1900, government bonds about 2%, bills about
1%, with equity volatility near 17%); property and alternatives sit between bonds and equities,
as in the published long-term capital-market-assumption reports of large asset managers. 2.5%
inflation is added to make them nominal. A firm replaces them with its house view through
``NEXTBEST_ASSUMPTIONS_FILE`` (a JSON file of the same shape as :func:`assumptions_to_json`).

>>> mean, vol = DEFAULT_ASSUMPTIONS.portfolio({AssetClass.EQUITY: 0.6, AssetClass.BOND: 0.4})
>>> round(mean, 4), round(vol, 4)
(0.063, 0.111)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nextbest.domain.enums import AssetClass

__all__ = [
    "ASSET_CLASSES",
    "DEFAULT_ASSUMPTIONS",
    "CapitalMarketAssumptions",
    "assumptions_from_json",
    "assumptions_to_json",
]

ASSET_CLASSES: tuple[AssetClass, ...] = tuple(AssetClass)
"""The order of rows and columns in every vector and matrix of this module."""


@dataclass(frozen=True, slots=True)
class CapitalMarketAssumptions:
    """Annual, nominal, arithmetic expected returns and volatilities, a correlation matrix
    (in ``ASSET_CLASSES`` order) and inflation, all as fractions (0.05 is 5%)."""

    expected_return: Mapping[AssetClass, float]
    volatility: Mapping[AssetClass, float]
    correlation: tuple[tuple[float, ...], ...]
    inflation: float
    source: str = ""

    def __post_init__(self) -> None:
        missing = set(ASSET_CLASSES) - set(self.expected_return) | (
            set(ASSET_CLASSES) - set(self.volatility)
        )
        if missing:
            raise ValueError(f"assumptions miss asset classes: {sorted(missing)}")
        matrix = np.array(self.correlation, dtype=float)
        n = len(ASSET_CLASSES)
        if matrix.shape != (n, n):
            raise ValueError(f"the correlation matrix must be {n}x{n}")
        if not np.allclose(matrix, matrix.T) or not np.allclose(np.diag(matrix), 1.0):
            raise ValueError("the correlation matrix must be symmetric with ones on the diagonal")
        if np.linalg.eigvalsh(matrix).min() < -1e-10:
            raise ValueError("the correlation matrix must be positive semi-definite")
        if any(v < 0 for v in self.volatility.values()):
            raise ValueError("volatilities cannot be negative")

    def means(self) -> NDArray[np.float64]:
        return np.array([self.expected_return[a] for a in ASSET_CLASSES])

    def covariance(self) -> NDArray[np.float64]:
        vols = np.array([self.volatility[a] for a in ASSET_CLASSES])
        return np.array(self.correlation, dtype=float) * np.outer(vols, vols)

    def weights(self, allocation: Mapping[AssetClass, float]) -> NDArray[np.float64]:
        return np.array([float(allocation.get(a, 0.0)) for a in ASSET_CLASSES])

    def portfolio(self, allocation: Mapping[AssetClass, float]) -> tuple[float, float]:
        """Expected annual return and volatility of a mix of asset classes."""
        w = self.weights(allocation)
        variance = float(w @ self.covariance() @ w)
        return float(w @ self.means()), max(variance, 0.0) ** 0.5

    def fingerprint(self) -> str:
        """Changes whenever any figure changes; cached signals are keyed by it."""
        canonical = json.dumps(assumptions_to_json(self), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def assumptions_to_json(assumptions: CapitalMarketAssumptions) -> dict[str, Any]:
    return {
        "expected_return": {a.value: assumptions.expected_return[a] for a in ASSET_CLASSES},
        "volatility": {a.value: assumptions.volatility[a] for a in ASSET_CLASSES},
        "correlation": {
            a.value: {b.value: assumptions.correlation[i][j] for j, b in enumerate(ASSET_CLASSES)}
            for i, a in enumerate(ASSET_CLASSES)
        },
        "inflation": assumptions.inflation,
        "source": assumptions.source,
    }


def assumptions_from_json(data: Mapping[str, Any]) -> CapitalMarketAssumptions:
    """Read the JSON shape of :func:`assumptions_to_json`; raises ``ValueError`` on a bad file."""
    try:
        correlation = tuple(
            tuple(float(data["correlation"][a.value][b.value]) for b in ASSET_CLASSES)
            for a in ASSET_CLASSES
        )
        return CapitalMarketAssumptions(
            expected_return={a: float(data["expected_return"][a.value]) for a in ASSET_CLASSES},
            volatility={a: float(data["volatility"][a.value]) for a in ASSET_CLASSES},
            correlation=correlation,
            inflation=float(data["inflation"]),
            source=str(data.get("source", "")),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"assumptions file is missing or misnames a figure: {error}") from error


_E, _B, _C, _P, _A = ASSET_CLASSES
_CORRELATIONS = {
    (_E, _B): 0.2,
    (_E, _C): 0.0,
    (_E, _P): 0.6,
    (_E, _A): 0.5,
    (_B, _C): 0.2,
    (_B, _P): 0.2,
    (_B, _A): 0.2,
    (_C, _P): 0.0,
    (_C, _A): 0.0,
    (_P, _A): 0.4,
}

DEFAULT_ASSUMPTIONS = CapitalMarketAssumptions(
    expected_return={_E: 0.075, _B: 0.045, _C: 0.035, _P: 0.065, _A: 0.06},
    volatility={_E: 0.17, _B: 0.07, _C: 0.01, _P: 0.14, _A: 0.10},
    correlation=tuple(
        tuple(
            1.0 if a == b else _CORRELATIONS.get((a, b), _CORRELATIONS.get((b, a), 0.0))
            for b in ASSET_CLASSES
        )
        for a in ASSET_CLASSES
    ),
    inflation=0.025,
    source=(
        "rounded long-run figures: Dimson, Marsh & Staunton world real returns plus 2.5% inflation"
    ),
)
