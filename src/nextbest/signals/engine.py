"""Running every registered detector for one client; one failing detector never stops the rest."""

from __future__ import annotations

from dataclasses import dataclass

from nextbest.domain.candidate import Candidate
from nextbest.signals.base import DetectorRegistry, SignalContext

__all__ = ["Detection", "detect_all", "rank_key"]


@dataclass(frozen=True, slots=True)
class Detection:
    candidates: tuple[Candidate, ...]
    failures: tuple[tuple[str, str], ...] = ()
    """(detector name, exception type) for each detector that raised; its candidates are absent."""


def rank_key(candidate: Candidate) -> tuple[bool, int, str]:
    """Mandatory first, then by urgency, then by key so the order is stable."""
    return (not candidate.mandatory, -candidate.urgency, candidate.key)


def detect_all(context: SignalContext, registry: DetectorRegistry) -> Detection:
    found: list[Candidate] = []
    failures: list[tuple[str, str]] = []
    for detector in registry:
        try:
            found.extend(detector.detect(context))
        except Exception as error:  # a defect in one detector must not hide the others' findings
            failures.append((detector.name, type(error).__name__))
    return Detection(tuple(sorted(found, key=rank_key)), tuple(failures))
