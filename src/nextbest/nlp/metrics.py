"""Accuracy, macro-F1 and coverage at a threshold, in numpy, for manifests and benchmarks.

>>> accuracy(["a", "b", "b"], ["a", "b", "a"])
0.6667
>>> macro_f1(["a", "b", "b"], ["a", "b", "a"])
0.6667
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["accuracy", "coverage_at", "macro_f1", "threshold_for_precision"]


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    if not truth:
        return 0.0
    hits = sum(t == p for t, p in zip(truth, predicted, strict=True))
    return round(hits / len(truth), 4)


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """The unweighted mean of per-class F1 over the classes that occur in ``truth``."""
    scores = []
    for label in sorted(set(truth)):
        true_positive = sum(
            t == label and p == label for t, p in zip(truth, predicted, strict=True)
        )
        predicted_count = sum(p == label for p in predicted)
        actual_count = sum(t == label for t in truth)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / actual_count
        total = precision + recall
        scores.append(2 * precision * recall / total if total else 0.0)
    return round(float(np.mean(scores)), 4) if scores else 0.0


def coverage_at(
    confidence: NDArray[np.floating], correct: NDArray[np.bool_], threshold: float
) -> tuple[float, float]:
    """(share of answers at or above ``threshold``, accuracy of those answers)."""
    accepted = confidence >= threshold
    share = float(accepted.mean()) if len(accepted) else 0.0
    precision = float(correct[accepted].mean()) if accepted.any() else 1.0
    return round(share, 4), round(precision, 4)


def threshold_for_precision(
    confidence: NDArray[np.floating], correct: NDArray[np.bool_], target: float
) -> float:
    """The lowest confidence threshold whose accepted answers are right at least ``target``.

    >>> threshold_for_precision(np.array([0.9, 0.8, 0.4, 0.3]), np.array([1, 1, 0, 1], bool), 0.99)
    0.8
    """
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = np.nonzero(precision >= target)[0]
    if len(ok) == 0:
        return 1.0
    return round(float(confidence[order][ok[-1]]), 4)
