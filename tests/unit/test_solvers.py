"""The planner's levers, each confirmed by simulating again with the answer."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nextbest.domain.enums import AssetClass, Priority, RiskTolerance
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.finance.glide_path import DEFAULT_GLIDE_PATH
from nextbest.finance.projection import project_goal
from nextbest.finance.simulation import LaterTargetSimulations, simulate_goal
from nextbest.finance.solvers import (
    PRIORITY_THRESHOLDS,
    later_target_year,
    required_contribution,
    smaller_target,
)

BALANCED = {AssetClass.EQUITY: 0.6, AssetClass.BOND: 0.4}
MIXES: list[dict[str, object]] = [
    {"allocation": BALANCED},
    {"glide_path": DEFAULT_GLIDE_PATH, "risk_tolerance": RiskTolerance.HIGH},
]
MIX_IDS = ["constant", "glide"]


def _probability(
    *, contribution: float, months: int, target: float, initial: float, mix: dict[str, object]
) -> float:
    """Simulate from scratch, as a caller checking the answer would."""
    return project_goal(
        initial_value=initial,
        monthly_contribution=contribution,
        months=months,
        target_amount=target,
        assumptions=DEFAULT_ASSUMPTIONS,
        seed=17,
        **mix,  # type: ignore[arg-type]
    ).probability_real


def test_priority_thresholds_ask_more_confidence_of_more_important_goals() -> None:
    assert PRIORITY_THRESHOLDS == {Priority.HIGH: 0.85, Priority.MEDIUM: 0.75, Priority.LOW: 0.60}


@pytest.mark.parametrize("mix", MIXES, ids=MIX_IDS)
@pytest.mark.parametrize("priority", list(Priority))
def test_required_contribution_reaches_the_threshold_and_one_unit_less_does_not(
    mix: dict[str, object], priority: Priority
) -> None:
    threshold = PRIORITY_THRESHOLDS[priority]
    simulation = simulate_goal(
        months=180,
        assumptions=DEFAULT_ASSUMPTIONS,
        seed=17,
        **mix,  # type: ignore[arg-type]
    )
    answer = required_contribution(
        simulation, initial_value=20_000, target_amount=150_000, threshold=threshold
    )
    assert answer.monthly_contribution == math.floor(answer.monthly_contribution) > 0
    assert answer.threshold == threshold
    again = _probability(
        contribution=answer.monthly_contribution,
        months=180,
        target=150_000,
        initial=20_000,
        mix=mix,
    )
    assert again == answer.probability >= threshold
    short = _probability(
        contribution=answer.monthly_contribution - 1,
        months=180,
        target=150_000,
        initial=20_000,
        mix=mix,
    )
    assert short < threshold


def test_required_contribution_is_zero_when_the_goal_is_already_on_track() -> None:
    simulation = simulate_goal(months=120, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED)
    answer = required_contribution(
        simulation, initial_value=100_000, target_amount=50_000, threshold=0.85
    )
    assert answer.monthly_contribution == 0.0
    assert answer.probability >= 0.85


def test_required_contribution_works_from_nothing_in_a_single_month() -> None:
    simulation = simulate_goal(months=1, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED)
    answer = required_contribution(simulation, initial_value=0, target_amount=500, threshold=0.6)
    # One month of saving is not invested, so the goal needs the target plus one month's
    # inflation, rounded up.
    assert answer.monthly_contribution == math.ceil(500 * 1.025 ** (1 / 12))
    assert answer.probability == 1.0


@settings(deadline=None, max_examples=40)
@given(
    initial=st.floats(min_value=0, max_value=200_000),
    target=st.floats(min_value=1, max_value=2_000_000),
    months=st.integers(min_value=1, max_value=360),
    threshold=st.floats(min_value=0.05, max_value=1.0),
)
def test_required_contribution_is_the_least_whole_amount_that_meets_any_threshold(
    initial: float, target: float, months: int, threshold: float
) -> None:
    simulation = simulate_goal(
        months=months, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED, paths=400, seed=1
    )

    def probability(contribution: float) -> float:
        return simulation.success_probability(
            initial_value=initial, monthly_contribution=contribution, target_amount=target
        )

    answer = required_contribution(
        simulation, initial_value=initial, target_amount=target, threshold=threshold
    )
    assert answer.monthly_contribution == math.floor(answer.monthly_contribution) >= 0
    assert probability(answer.monthly_contribution) == answer.probability >= threshold
    if answer.monthly_contribution > 0:
        assert probability(answer.monthly_contribution - 1) < threshold


@pytest.mark.parametrize("mix", MIXES, ids=MIX_IDS)
def test_smaller_target_is_met_at_the_threshold_and_one_unit_more_is_not(
    mix: dict[str, object],
) -> None:
    simulation = simulate_goal(
        months=240,
        assumptions=DEFAULT_ASSUMPTIONS,
        seed=17,
        **mix,  # type: ignore[arg-type]
    )
    answer = smaller_target(
        simulation, initial_value=30_000, monthly_contribution=400, threshold=0.75
    )
    assert answer.target_amount == math.floor(answer.target_amount) > 0
    again = _probability(
        contribution=400, months=240, target=answer.target_amount, initial=30_000, mix=mix
    )
    assert again == answer.probability >= 0.75
    more = _probability(
        contribution=400, months=240, target=answer.target_amount + 1, initial=30_000, mix=mix
    )
    assert more < 0.75


@settings(deadline=None, max_examples=40)
@given(
    initial=st.floats(min_value=0, max_value=500_000),
    contribution=st.floats(min_value=0, max_value=5_000),
    months=st.integers(min_value=1, max_value=360),
    threshold=st.floats(min_value=0.05, max_value=1.0),
)
def test_smaller_target_is_the_largest_whole_amount_met_at_any_threshold(
    initial: float, contribution: float, months: int, threshold: float
) -> None:
    simulation = simulate_goal(
        months=months, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED, paths=400, seed=2
    )
    answer = smaller_target(
        simulation, initial_value=initial, monthly_contribution=contribution, threshold=threshold
    )
    assert answer.target_amount == math.floor(answer.target_amount) >= 0
    assert answer.probability >= threshold
    more = simulation.success_probability(
        initial_value=initial,
        monthly_contribution=contribution,
        target_amount=answer.target_amount + 1,
    )
    assert more < threshold


def test_smaller_target_is_zero_with_no_money_and_no_saving() -> None:
    simulation = simulate_goal(months=60, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED)
    answer = smaller_target(simulation, initial_value=0, monthly_contribution=0, threshold=0.6)
    assert answer.target_amount == 0.0


@pytest.mark.parametrize("mix", MIXES, ids=MIX_IDS)
def test_later_target_year_is_the_earliest_year_that_meets_the_threshold(
    mix: dict[str, object],
) -> None:
    later = LaterTargetSimulations(
        months=120,
        max_extra_years=15,
        assumptions=DEFAULT_ASSUMPTIONS,
        seed=17,
        **mix,  # type: ignore[arg-type]
    )
    answer = later_target_year(
        later, initial_value=20_000, monthly_contribution=500, target_amount=140_000, threshold=0.8
    )
    assert answer is not None
    assert answer.extra_years > 0
    assert answer.months == 120 + 12 * answer.extra_years
    again = _probability(
        contribution=500, months=answer.months, target=140_000, initial=20_000, mix=mix
    )
    assert again == answer.probability >= 0.8
    year_before = _probability(
        contribution=500, months=answer.months - 12, target=140_000, initial=20_000, mix=mix
    )
    assert year_before < 0.8


def test_later_target_year_is_zero_when_the_goal_is_already_on_track() -> None:
    later = LaterTargetSimulations(
        months=60, max_extra_years=5, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED
    )
    answer = later_target_year(
        later, initial_value=50_000, monthly_contribution=0, target_amount=10_000, threshold=0.85
    )
    assert answer is not None
    assert (answer.extra_years, answer.months) == (0, 60)


def test_later_target_year_is_none_when_no_year_in_range_is_enough() -> None:
    later = LaterTargetSimulations(
        months=24,
        max_extra_years=15,
        assumptions=DEFAULT_ASSUMPTIONS,
        glide_path=DEFAULT_GLIDE_PATH,
        risk_tolerance=RiskTolerance.MEDIUM,
    )
    answer = later_target_year(
        later, initial_value=0, monthly_contribution=0, target_amount=1_000, threshold=0.6
    )
    assert answer is None


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.01, math.nan])
def test_a_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    simulation = simulate_goal(months=12, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED)
    later = LaterTargetSimulations(
        months=12, max_extra_years=1, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED
    )
    with pytest.raises(ValueError, match="threshold"):
        required_contribution(simulation, initial_value=0, target_amount=1, threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        smaller_target(simulation, initial_value=0, monthly_contribution=1, threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        later_target_year(
            later, initial_value=0, monthly_contribution=1, target_amount=1, threshold=threshold
        )


def test_a_target_that_is_not_positive_is_refused_by_the_solvers() -> None:
    simulation = simulate_goal(months=12, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED)
    with pytest.raises(ValueError, match="target_amount"):
        required_contribution(simulation, initial_value=10, target_amount=0, threshold=0.6)
