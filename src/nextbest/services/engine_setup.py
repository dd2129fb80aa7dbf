"""Building the signal engine from settings: the one place that reads the assumptions file."""

from __future__ import annotations

import json
from pathlib import Path

from nextbest.domain.enums import RiskTolerance
from nextbest.errors import ValidationFailed
from nextbest.finance.assumptions import (
    DEFAULT_ASSUMPTIONS,
    CapitalMarketAssumptions,
    assumptions_from_json,
)
from nextbest.finance.glide_path import DEFAULT_GLIDE_PATH
from nextbest.finance.optimiser import optimal_allocation
from nextbest.finance.simulation import simulate_goal
from nextbest.services.signals import SignalEngine
from nextbest.signals.builtin import builtin_registry

__all__ = ["build_signal_engine", "load_assumptions", "warm_up"]


def load_assumptions(path: Path | None) -> CapitalMarketAssumptions:
    """The assumptions in ``path``, or the built-in defaults; a bad file is a clear error."""
    if path is None:
        return DEFAULT_ASSUMPTIONS
    try:
        return assumptions_from_json(json.loads(path.read_text()))
    except (OSError, ValueError) as error:
        raise ValidationFailed([("assumptions_file", f"{path}: {error}")]) from error


def build_signal_engine(*, assumptions_file: Path | None, paths: int, seed: int) -> SignalEngine:
    return SignalEngine(
        registry=builtin_registry(paths=paths),
        assumptions=load_assumptions(assumptions_file),
        seed=seed,
    )


def warm_up(engine: SignalEngine, *, paths: int) -> None:
    """Pay the one-off costs before the first client does: importing the optimiser (about a
    second) and drawing the projection shocks for the engine's seed (about a quarter)."""
    optimal_allocation(RiskTolerance.MEDIUM, engine.assumptions)
    simulate_goal(
        months=40 * 12,
        assumptions=engine.assumptions,
        glide_path=DEFAULT_GLIDE_PATH,
        risk_tolerance=RiskTolerance.MEDIUM,
        paths=paths,
        seed=engine.seed,
    )
