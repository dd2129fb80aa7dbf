"""Every detector finds something in the seeded demo book, and not for everyone."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from nextbest.domain.candidate import Candidate, SignalType
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.signals.base import Detector, SecurityMaster, SignalContext
from nextbest.signals.cash import CashDetector
from nextbest.signals.concentration import ConcentrationDetector
from nextbest.signals.constraint_violation import ConstraintViolationDetector
from nextbest.signals.preference_mismatch import PreferenceMismatchDetector
from nextbest.signals.savings_rate import SavingsRateDetector
from nextbest.signals.tax_loss_harvest import TaxLossHarvestDetector
from nextbest.sim.demo_book import build_demo_book

AS_OF = datetime(2026, 2, 1, tzinfo=UTC)
DETECTORS: list[Detector] = [
    ConstraintViolationDetector(),
    PreferenceMismatchDetector(),
    TaxLossHarvestDetector(),
    CashDetector(),
    ConcentrationDetector(),
    SavingsRateDetector(),
]

Findings = dict[str, list[list[Candidate]]]
"""Per detector name, each client's candidates in book order."""


@pytest.fixture(scope="module")
def findings() -> Findings:
    book = build_demo_book(clients=300, seed=7, days=10, as_of=AS_OF)
    master = SecurityMaster(book.securities)
    portfolios = {p.client_id: p for p in book.portfolios}
    result: Findings = {d.name: [] for d in DETECTORS}
    for client in book.clients:
        context = SignalContext(
            client, portfolios.get(client.client_id), master, DEFAULT_ASSUMPTIONS, AS_OF.date()
        )
        for detector in DETECTORS:
            result[detector.name].append(detector.detect(context))
    return result


@pytest.mark.parametrize("name", [d.name for d in DETECTORS])
def test_fires_for_some_clients_and_stays_quiet_for_others(findings: Findings, name: str) -> None:
    firing = sum(1 for found in findings[name] if found)
    assert 0 < firing < len(findings[name])


def test_both_cash_signals_occur(findings: Findings) -> None:
    signals = Counter(c.signal for found in findings["cash"] for c in found)
    assert signals[SignalType.EMERGENCY_FUND] > 0
    assert signals[SignalType.IDLE_CASH] > 0


def test_every_candidate_is_json_ready_and_keys_are_unique_per_client(
    findings: Findings,
) -> None:
    per_client: list[list[str]] = [[] for _ in findings["cash"]]
    for found_by_client in findings.values():
        for index, found in enumerate(found_by_client):
            for candidate in found:
                json.dumps(candidate.evidence)
                json.dumps(dict(candidate.detail))
                per_client[index].append(candidate.key)
    assert all(len(keys) == len(set(keys)) for keys in per_client)


def test_constraint_violations_are_all_mandatory(findings: Findings) -> None:
    violations = [c for found in findings["constraint_violation"] for c in found]
    assert violations
    assert all(c.mandatory and c.regulated for c in violations)
