"""The life of an experiment: legal moves, when it applies, what it plans to expose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nextbest.domain.recommendation import Status
from nextbest.experiments.assignment import ExperimentSpec, Variant
from nextbest.experiments.comparison import AnalysisPlan
from nextbest.experiments.lifecycle import (
    CONVERTS,
    RATE_METRICS,
    Experiment,
    ExperimentStatus,
    Transition,
    TreatmentKind,
    next_status,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
S = ExperimentStatus
T = Transition


def _experiment(
    status: ExperimentStatus = S.RUNNING,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
) -> Experiment:
    spec = ExperimentSpec("E", (Variant("CONTROL", 50), Variant("B", 25), Variant("C", 25)))
    plan = AnalysisPlan(RATE_METRICS["acceptance_rate"], minimum_sample_size=1_000)
    return Experiment(
        spec=spec,
        plan=plan,
        kind=TreatmentKind.BENEFIT_EMPHASIS,
        treatments={"CONTROL": "CONTROL", "B": "MONETARY", "C": "PERCENTAGE"},
        hypothesis="h",
        status=status,
        created_at=NOW,
        updated_at=NOW,
        start_at=start_at,
        end_at=end_at,
    )


@pytest.mark.parametrize(
    ("current", "transition", "expected"),
    [
        (S.DRAFT, T.START, S.RUNNING),
        (S.DRAFT, T.STOP, None),
        (S.DRAFT, T.CONCLUDE, None),
        (S.RUNNING, T.START, None),
        (S.RUNNING, T.STOP, S.STOPPED),
        (S.RUNNING, T.CONCLUDE, S.CONCLUDED),
        (S.STOPPED, T.START, S.RUNNING),
        (S.STOPPED, T.STOP, None),
        (S.STOPPED, T.CONCLUDE, S.CONCLUDED),
        (S.CONCLUDED, T.START, None),
        (S.CONCLUDED, T.STOP, None),
        (S.CONCLUDED, T.CONCLUDE, None),
    ],
)
def test_only_the_listed_moves_are_legal(
    current: ExperimentStatus, transition: Transition, expected: ExperimentStatus | None
) -> None:
    assert next_status(current, transition) is expected


def test_an_experiment_applies_only_while_running_and_inside_its_window() -> None:
    assert _experiment().applies(NOW)
    assert not _experiment(S.STOPPED).applies(NOW)
    assert not _experiment(S.DRAFT).applies(NOW)
    week = _experiment(start_at=NOW, end_at=NOW + timedelta(days=7))
    assert week.applies(NOW)
    assert not week.applies(NOW - timedelta(seconds=1))
    assert not week.applies(NOW + timedelta(days=7))


def test_the_planned_total_lets_the_smallest_arm_reach_the_minimum() -> None:
    assert _experiment().planned_total() == 4_000  # the 25% arms need 1,000 each


def test_outcomes_convert_the_metrics_seed_002_counts() -> None:
    assert CONVERTS[Status.ACCEPTED] == ("acceptance_rate", "engagement_rate")
    assert CONVERTS[Status.VIEWED] == ("engagement_rate",)
    assert CONVERTS[Status.DISMISSED] == ("dismissal_rate",)
    assert Status.IGNORED not in CONVERTS
    assert Status.EXPIRED not in CONVERTS
    assert RATE_METRICS["dismissal_rate"].higher_is_better is False
