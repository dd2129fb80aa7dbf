"""The detectors nextbest ships, registered the same way a firm's own detector would be."""

from __future__ import annotations

from nextbest.signals.base import DetectorRegistry
from nextbest.signals.cash import CashDetector
from nextbest.signals.concentration import ConcentrationDetector
from nextbest.signals.constraint_violation import ConstraintViolationDetector
from nextbest.signals.goal_funding_derisk import GoalFundingDeriskDetector
from nextbest.signals.goal_progress import GoalProgressDetector
from nextbest.signals.preference_mismatch import PreferenceMismatchDetector
from nextbest.signals.rebalancing_drift import RebalancingDriftDetector
from nextbest.signals.savings_rate import SavingsRateDetector
from nextbest.signals.tax_loss_harvest import TaxLossHarvestDetector

__all__ = ["builtin_registry"]


def builtin_registry(*, paths: int = 10_000) -> DetectorRegistry:
    """Every built-in detector with its default thresholds.

    >>> [detector.name for detector in builtin_registry()][:2]
    ['constraint_violation', 'goal_progress']
    """
    registry = DetectorRegistry()
    registry.register(ConstraintViolationDetector())
    registry.register(GoalProgressDetector(paths=paths))
    registry.register(GoalFundingDeriskDetector())
    registry.register(PreferenceMismatchDetector())
    registry.register(RebalancingDriftDetector())
    registry.register(TaxLossHarvestDetector())
    registry.register(CashDetector())
    registry.register(ConcentrationDetector())
    registry.register(SavingsRateDetector())
    return registry
