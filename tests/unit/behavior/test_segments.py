"""Segments: k-means over robust features; priors that one extreme client cannot move."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from nextbest.behavior.profile import CategoryPreference, ProfileReport
from nextbest.behavior.segments import (
    OUTCOME_CAP,
    SegmentInput,
    SegmentModel,
    fit_segments,
    segment_priors,
)
from nextbest.domain.enums import EngagementLevel, EventType, RiskTolerance
from tests.behaviour_builders import NOW, client, daily_sessions, event, profile


def _with_outcomes(
    report: ProfileReport, category: str, accepted: int, dismissed: int
) -> ProfileReport:
    preference = CategoryPreference(category, 0.5, 1, 1, accepted, dismissed)
    return replace(report, categories=(preference,))


def test_one_extreme_client_barely_moves_a_segment_prior() -> None:
    base = profile(daily_sessions(5))
    normal = [_with_outcomes(base, "CASH", 1, 4) for _ in range(50)]
    calm = segment_priors(0, "calm", normal)
    extreme = _with_outcomes(base, "CASH", 100_000, 0)
    skewed = segment_priors(0, "skewed", [*normal, extreme])
    assert calm.category_mean("CASH") == pytest.approx(51 / 252, abs=1e-3)
    assert skewed.category_mean("CASH") - calm.category_mean("CASH") < 0.08
    uncapped_share = (50 + 100_000) / (50 + 200 + 100_000)  # what pooling without caps gives
    assert uncapped_share > 0.99 > 0.3 > skewed.category_mean("CASH")
    assert OUTCOME_CAP == 20


def _population() -> list[SegmentInput]:
    busy = profile(daily_sessions(40, per_day=2, feature="trade", topic="markets_weekly"))
    quiet = profile(daily_sessions(3, end=NOW - timedelta(days=80), feature="goal_planner"))
    young = client(birth_year=2001)
    planners = profile(daily_sessions(40, feature="goal_planner", topic="pensions"), who=young)
    items = []
    for index in range(30):
        items.append(SegmentInput(busy, RiskTolerance.HIGH))
        items.append(SegmentInput(quiet, RiskTolerance.LOW))
        items.append(
            SegmentInput(planners, RiskTolerance.MEDIUM if index % 2 else RiskTolerance.LOW)
        )
    return items


def test_clear_groups_are_found_and_labelled() -> None:
    items = _population()
    model = fit_segments(items, version=1, fitted_at=NOW, clusters=3)
    assert sorted(model.sizes) == [30, 30, 30]
    busy, quiet = items[0], items[1]
    assert model.assign(busy) != model.assign(quiet)
    assert model.priors[model.assign(busy)].label.startswith(EngagementLevel.HIGH.value)
    assert model.priors[model.assign(quiet)].label.startswith(EngagementLevel.LOW.value)
    assert model.outlier_events_per_week is not None


def test_the_number_of_segments_can_be_chosen_by_silhouette() -> None:
    model = fit_segments(_population(), version=1, fitted_at=NOW)
    assert 3 <= len(model.sizes) <= 8
    assert model.silhouette is not None
    assert model.silhouette > 0.5


def test_a_model_round_trips_through_json() -> None:
    items = _population()
    model = fit_segments(items, version=4, fitted_at=NOW, clusters=3)
    again = SegmentModel.from_json(4, NOW, model.to_json())
    assert again == model
    assert [again.assign(i) for i in items] == [model.assign(i) for i in items]


def test_too_few_clients_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        fit_segments(_population()[:2], version=1, fitted_at=NOW)


def test_an_outlier_client_gets_a_cluster_it_shares_with_others() -> None:
    items = _population()
    wild = profile(
        [
            *daily_sessions(40, per_day=60, feature="trade"),
            event(EventType.RECOMMENDATION_ACCEPTED, NOW, category="TAX"),
        ]
    )
    model = fit_segments(
        [*items, SegmentInput(wild, RiskTolerance.VERY_HIGH)], version=1, fitted_at=NOW, clusters=3
    )
    assert min(model.sizes) >= 30  # clipped features: the outlier joins a group, not its own
