"""The glide path: growth share and mix by years to the target, per risk tolerance."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextbest.domain.enums import AssetClass, RiskTolerance
from nextbest.finance.assumptions import ASSET_CLASSES
from nextbest.finance.glide_path import (
    DEFAULT_GLIDE_PATH,
    GROWTH_ASSETS,
    GlidePath,
    GlideSchedule,
)

TOLERANCES = list(RiskTolerance)
years = st.floats(min_value=-5, max_value=60, allow_nan=False)


@pytest.mark.parametrize("tolerance", TOLERANCES)
def test_growth_share_is_the_far_share_beyond_the_window_and_the_target_share_at_the_date(
    tolerance: RiskTolerance,
) -> None:
    schedule = DEFAULT_GLIDE_PATH.schedules[tolerance]
    window = DEFAULT_GLIDE_PATH.derisking_window_years(tolerance)
    assert DEFAULT_GLIDE_PATH.growth_share(window, tolerance) == schedule.far_growth_share
    assert DEFAULT_GLIDE_PATH.growth_share(window + 30, tolerance) == schedule.far_growth_share
    assert DEFAULT_GLIDE_PATH.growth_share(0, tolerance) == schedule.target_growth_share


def test_growth_share_falls_in_a_straight_line_inside_the_window() -> None:
    share = DEFAULT_GLIDE_PATH.growth_share
    assert share(5, RiskTolerance.VERY_HIGH) == pytest.approx((0.95 + 0.30) / 2)
    assert share(2.5, RiskTolerance.VERY_HIGH) == pytest.approx(0.30 + 0.65 / 4)


def test_defaults_follow_the_documented_figures() -> None:
    very_high = DEFAULT_GLIDE_PATH.schedules[RiskTolerance.VERY_HIGH]
    very_low = DEFAULT_GLIDE_PATH.schedules[RiskTolerance.VERY_LOW]
    assert (very_high.far_growth_share, very_high.target_growth_share) == (0.95, 0.30)
    assert very_high.derisking_window_years == 10
    assert (very_low.far_growth_share, very_low.target_growth_share) == (0.30, 0.05)


def test_riskier_tolerances_hold_at_least_as_much_growth_at_every_horizon() -> None:
    for horizon in (0, 1, 3, 6, 9, 20):
        shares = [DEFAULT_GLIDE_PATH.growth_share(horizon, t) for t in TOLERANCES]
        assert shares == sorted(shares), horizon


@given(tolerance=st.sampled_from(TOLERANCES), nearer=years, further=years)
def test_growth_share_never_rises_as_the_target_nears(
    tolerance: RiskTolerance, nearer: float, further: float
) -> None:
    nearer, further = sorted((nearer, further))
    assert DEFAULT_GLIDE_PATH.growth_share(nearer, tolerance) <= DEFAULT_GLIDE_PATH.growth_share(
        further, tolerance
    )


@given(tolerance=st.sampled_from(TOLERANCES), nearer=years, further=years)
def test_cash_never_falls_as_the_target_nears(
    tolerance: RiskTolerance, nearer: float, further: float
) -> None:
    nearer, further = sorted((nearer, further))
    near = DEFAULT_GLIDE_PATH.allocation(nearer, tolerance)[AssetClass.CASH]
    far = DEFAULT_GLIDE_PATH.allocation(further, tolerance)[AssetClass.CASH]
    assert near >= far - 1e-15


@given(tolerance=st.sampled_from(TOLERANCES), horizon=years)
def test_allocation_sums_to_one_and_splits_growth_in_the_documented_proportions(
    tolerance: RiskTolerance, horizon: float
) -> None:
    mix = DEFAULT_GLIDE_PATH.allocation(horizon, tolerance)
    growth = DEFAULT_GLIDE_PATH.growth_share(horizon, tolerance)
    assert set(mix) == set(ASSET_CLASSES)
    assert math.fsum(mix.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(weight >= 0 for weight in mix.values())
    assert math.fsum(mix[a] for a in GROWTH_ASSETS) == pytest.approx(growth, abs=1e-12)
    assert mix[AssetClass.EQUITY] == pytest.approx(0.70 * growth)
    assert mix[AssetClass.PROPERTY] == pytest.approx(0.15 * growth)
    assert mix[AssetClass.ALTERNATIVE] == pytest.approx(0.15 * growth)


def test_cash_is_a_tenth_of_the_defensive_part_far_out_and_half_at_the_target() -> None:
    far = DEFAULT_GLIDE_PATH.allocation(30, RiskTolerance.MEDIUM)
    at_target = DEFAULT_GLIDE_PATH.allocation(0, RiskTolerance.MEDIUM)
    assert far[AssetClass.CASH] == pytest.approx(0.10 * 0.40)
    assert far[AssetClass.BOND] == pytest.approx(0.90 * 0.40)
    assert at_target[AssetClass.CASH] == pytest.approx(0.50 * 0.80)
    assert at_target[AssetClass.BOND] == pytest.approx(0.50 * 0.80)


def test_a_goal_past_its_date_counts_as_zero_years_away() -> None:
    assert DEFAULT_GLIDE_PATH.allocation(-3, RiskTolerance.HIGH) == DEFAULT_GLIDE_PATH.allocation(
        0, RiskTolerance.HIGH
    )


def test_allocation_matrix_matches_allocation_row_by_row() -> None:
    horizons = [0.0, 1 / 12, 2.5, 7.9, 40.0]
    matrix = DEFAULT_GLIDE_PATH.allocation_matrix(horizons, RiskTolerance.LOW)
    for row, horizon in zip(matrix, horizons, strict=True):
        mix = DEFAULT_GLIDE_PATH.allocation(horizon, RiskTolerance.LOW)
        assert list(row) == [mix[a] for a in ASSET_CLASSES]


def test_a_custom_glide_path_changes_only_what_it_names() -> None:
    schedules = dict(DEFAULT_GLIDE_PATH.schedules)
    schedules[RiskTolerance.MEDIUM] = GlideSchedule(
        far_growth_share=0.5, target_growth_share=0.5, derisking_window_years=1
    )
    path = GlidePath(schedules=schedules, growth_split={AssetClass.EQUITY: 1.0})
    assert path.growth_share(0, RiskTolerance.MEDIUM) == 0.5
    assert path.allocation(0, RiskTolerance.MEDIUM)[AssetClass.EQUITY] == 0.5
    assert path.allocation(0, RiskTolerance.MEDIUM)[AssetClass.PROPERTY] == 0.0


@pytest.mark.parametrize(
    ("far", "target", "window"),
    [(0.3, 0.5, 5), (1.2, 0.5, 5), (0.5, -0.1, 5), (0.5, 0.2, 0), (0.5, 0.2, math.inf)],
)
def test_rejects_a_schedule_that_would_add_risk_or_has_no_window(
    far: float, target: float, window: float
) -> None:
    with pytest.raises(ValueError, match=r"growth shares|window"):
        GlideSchedule(
            far_growth_share=far, target_growth_share=target, derisking_window_years=window
        )


def test_rejects_a_glide_path_missing_a_risk_tolerance() -> None:
    schedules = dict(DEFAULT_GLIDE_PATH.schedules)
    del schedules[RiskTolerance.VERY_LOW]
    with pytest.raises(ValueError, match="no schedule"):
        GlidePath(schedules=schedules)


@pytest.mark.parametrize(
    "split",
    [
        {AssetClass.EQUITY: 0.5, AssetClass.BOND: 0.5},
        {AssetClass.EQUITY: 0.5, AssetClass.PROPERTY: 0.4},
        {AssetClass.EQUITY: 1.2, AssetClass.PROPERTY: -0.2},
    ],
)
def test_rejects_a_growth_split_that_is_not_a_mix_of_growth_assets(
    split: dict[AssetClass, float],
) -> None:
    with pytest.raises(ValueError, match="growth"):
        GlidePath(growth_split=split)


def test_rejects_cash_that_falls_towards_the_target() -> None:
    with pytest.raises(ValueError, match="cash"):
        GlidePath(far_cash_share=0.6, target_cash_share=0.2)


def test_rejects_years_that_are_not_a_number() -> None:
    with pytest.raises(ValueError, match="number"):
        DEFAULT_GLIDE_PATH.growth_share(math.nan, RiskTolerance.LOW)
    with pytest.raises(ValueError, match="number"):
        DEFAULT_GLIDE_PATH.allocation(math.nan, RiskTolerance.LOW)
