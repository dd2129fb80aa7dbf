"""The built-in registry: all nine detectors, and together they find every signal in the demo book.

Every demo client has at least one goal, and GOAL_PROGRESS gives every goal a verdict (on track
or not), so that one signal is found for every client; its two verdicts are what varies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from nextbest.domain.candidate import ActionType, SignalType
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.signals.base import SecurityMaster, SignalContext
from nextbest.signals.builtin import builtin_registry
from nextbest.signals.engine import Detection, detect_all, rank_key
from nextbest.signals.goal_progress import GoalProgressDetector
from nextbest.sim.demo_book import build_demo_book

AS_OF = datetime(2026, 11, 21, tzinfo=UTC)
NAMES = {
    "constraint_violation",
    "goal_progress",
    "goal_funding_derisk",
    "preference_mismatch",
    "rebalancing_drift",
    "tax_loss_harvest",
    "cash",
    "concentration",
    "savings_rate",
}


@dataclass(frozen=True, slots=True)
class Book:
    detections: list[Detection]
    goal_counts: list[int]

    def signals(self) -> Iterator[set[SignalType]]:
        return ({c.signal for c in d.candidates} for d in self.detections)

    def actions(self) -> Iterator[set[ActionType]]:
        return ({c.action_type for c in d.candidates} for d in self.detections)


@pytest.fixture(scope="module")
def book() -> Book:
    demo = build_demo_book(clients=150, seed=7, days=5, as_of=AS_OF)
    master = SecurityMaster(demo.securities)
    portfolios = {p.client_id: p for p in demo.portfolios}
    registry = builtin_registry(paths=2_000)
    detections = [
        detect_all(
            SignalContext(
                client, portfolios.get(client.client_id), master, DEFAULT_ASSUMPTIONS, AS_OF.date()
            ),
            registry,
        )
        for client in demo.clients
    ]
    return Book(detections, [len(client.profile.goals) for client in demo.clients])


def test_the_registry_holds_all_nine_detectors_once() -> None:
    registry = builtin_registry(paths=2_000)
    names = [detector.name for detector in registry]
    assert len(names) == len(registry) == 9
    assert set(names) == NAMES
    [progress] = [d for d in registry if isinstance(d, GoalProgressDetector)]
    assert progress.paths == 2_000


def test_no_detector_fails_for_any_demo_client(book: Book) -> None:
    assert [d.failures for d in book.detections if d.failures] == []


@pytest.mark.parametrize("signal", list(SignalType))
def test_every_signal_is_found_for_some_demo_client(book: Book, signal: SignalType) -> None:
    assert any(signal in found for found in book.signals())


@pytest.mark.parametrize("signal", [s for s in SignalType if s is not SignalType.GOAL_PROGRESS])
def test_every_other_signal_is_absent_for_some_demo_client(book: Book, signal: SignalType) -> None:
    assert any(signal not in found for found in book.signals())


def test_goal_progress_judges_every_goal_and_both_verdicts_vary(book: Book) -> None:
    per_client = [
        [c for c in d.candidates if c.signal is SignalType.GOAL_PROGRESS] for d in book.detections
    ]
    assert [len(found) for found in per_client] == book.goal_counts
    for verdict in (ActionType.INCREASE_CONTRIBUTION, ActionType.GOAL_ON_TRACK):
        assert any(verdict in found for found in book.actions())
        assert any(verdict not in found for found in book.actions())


def test_candidates_are_json_ready_and_ranked_with_unique_keys(book: Book) -> None:
    for detection in book.detections:
        keys = [c.key for c in detection.candidates]
        assert len(keys) == len(set(keys))
        assert list(detection.candidates) == sorted(detection.candidates, key=rank_key)
        for candidate in detection.candidates:
            json.dumps(candidate.evidence)
            json.dumps(dict(candidate.detail))
