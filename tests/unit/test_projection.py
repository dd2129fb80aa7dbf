"""Goal projection and the simulation under it: exact where a closed form exists, lognormal
where it does not."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from nextbest.domain.enums import AssetClass, RiskTolerance
from nextbest.finance.assumptions import (
    ASSET_CLASSES,
    DEFAULT_ASSUMPTIONS,
    CapitalMarketAssumptions,
)
from nextbest.finance.glide_path import DEFAULT_GLIDE_PATH
from nextbest.finance.projection import project_goal
from nextbest.finance.simulation import (
    LaterTargetSimulations,
    simulate_goal,
    standard_normal_shocks,
)

BALANCED = {AssetClass.EQUITY: 0.6, AssetClass.BOND: 0.4}
EQUITY = {AssetClass.EQUITY: 1.0}


def _assumptions(
    *, mean: float = 0.06, volatility: float = 0.0, inflation: float = 0.02
) -> CapitalMarketAssumptions:
    """Every asset class alike, so any mix has exactly this mean and volatility."""
    return CapitalMarketAssumptions(
        expected_return={a: mean for a in ASSET_CLASSES},
        volatility={a: volatility for a in ASSET_CLASSES},
        correlation=tuple(tuple(1.0 for _ in ASSET_CLASSES) for _ in ASSET_CLASSES),
        inflation=inflation,
    )


def _closed_form(*, initial: float, contribution: float, months: int, mean: float) -> float:
    """A lump sum plus an ordinary annuity at the monthly rate exp(mean / 12) - 1."""
    rate = math.exp(mean / 12) - 1
    factor = (1 + rate) ** months
    return initial * factor + contribution * (factor - 1) / rate


def _reference_wealth(
    *,
    mixes: list[Mapping[AssetClass, float]],
    shocks: NDArray[np.float32],
    initial: float,
    contribution: float,
) -> NDArray[np.float64]:
    """Month by month, path by path in float64, straight from the model's definition."""
    wealth = np.full(shocks.shape[1], initial)
    for month, mix in enumerate(mixes):
        mean, vol = DEFAULT_ASSUMPTIONS.portfolio(mix)
        log_return = (mean - vol**2 / 2) / 12 + vol / math.sqrt(12) * shocks[month].astype(float)
        wealth = wealth * np.exp(log_return) + contribution
    return wealth


def _glide_shocks(
    *, seed: int, months: int, paths: int, tolerance: RiskTolerance
) -> NDArray[np.float32]:
    """The documented layout: calendar months from stream 0 until the derisking window, then
    the window's months from stream 1, row ``window - t`` for ``t`` months remaining."""
    window = math.ceil(12 * DEFAULT_GLIDE_PATH.derisking_window_years(tolerance))
    tail = min(months, window)
    approach = standard_normal_shocks(seed=seed, months=window, paths=paths, stream=1)
    if months == tail:
        return approach[window - tail :]
    before = standard_normal_shocks(seed=seed, months=months - tail, paths=paths)
    return np.concatenate([before, approach[window - tail :]])


@pytest.mark.parametrize("months", [1, 2, 11, 12, 13, 120, 480, 600])
def test_zero_volatility_equals_the_closed_form_to_the_cent(months: int) -> None:
    projection = project_goal(
        initial_value=250_000,
        monthly_contribution=1_234.56,
        months=months,
        target_amount=1_000_000,
        assumptions=_assumptions(mean=0.07),
        allocation=BALANCED,
        paths=8,
    )
    expected = _closed_form(initial=250_000, contribution=1_234.56, months=months, mean=0.07)
    for value in (projection.nominal.p10, projection.nominal.p50, projection.nominal.p90):
        assert abs(value - expected) < 0.005


@settings(deadline=None, max_examples=60)
@given(
    initial=st.floats(min_value=0, max_value=5e6),
    contribution=st.floats(min_value=0, max_value=2e4),
    months=st.integers(min_value=1, max_value=600),
    mean=st.floats(min_value=-0.05, max_value=0.15).filter(lambda m: abs(m) > 1e-3),
)
def test_zero_volatility_equals_the_closed_form_to_the_cent_for_any_inputs(
    initial: float, contribution: float, months: int, mean: float
) -> None:
    simulation = simulate_goal(
        months=months, assumptions=_assumptions(mean=mean), allocation=EQUITY, paths=4
    )
    wealth = simulation.wealth(initial_value=initial, monthly_contribution=contribution)
    expected = _closed_form(initial=initial, contribution=contribution, months=months, mean=mean)
    assert np.all(np.abs(wealth - expected) < 0.005)


def test_lognormal_median_matches_the_analytic_median_within_one_percent() -> None:
    mean, vol = DEFAULT_ASSUMPTIONS.portfolio(BALANCED)
    projection = project_goal(
        initial_value=100_000,
        monthly_contribution=0,
        months=60,
        target_amount=120_000,
        assumptions=DEFAULT_ASSUMPTIONS,
        allocation=BALANCED,
        seed=11,
    )
    analytic = 100_000 * math.exp((mean - vol**2 / 2) * 5)
    assert projection.nominal.p50 == pytest.approx(analytic, rel=0.01)


def test_lognormal_mean_growth_is_exp_of_the_arithmetic_mean_within_sampling_error() -> None:
    mean, vol = DEFAULT_ASSUMPTIONS.portfolio(EQUITY)
    years = 10
    simulation = simulate_goal(
        months=12 * years, assumptions=DEFAULT_ASSUMPTIONS, allocation=EQUITY, seed=5
    )
    expected = math.exp(mean * years)
    standard_error = expected * math.sqrt(math.expm1(vol**2 * years) / simulation.paths)
    assert abs(simulation.growth.mean() - expected) < 4 * standard_error


def test_contributions_arrive_at_the_end_of_each_month() -> None:
    simulation = simulate_goal(
        months=1, assumptions=DEFAULT_ASSUMPTIONS, allocation=EQUITY, paths=500, seed=2
    )
    with_saving = simulation.wealth(initial_value=1_000, monthly_contribution=300)
    without = simulation.wealth(initial_value=1_000, monthly_contribution=0)
    np.testing.assert_allclose(with_saving - without, 300, rtol=1e-6)


@pytest.mark.parametrize("months", [1, 7, 24, 150])
def test_a_constant_mix_matches_a_month_by_month_reference(months: int) -> None:
    simulation = simulate_goal(
        months=months, assumptions=DEFAULT_ASSUMPTIONS, allocation=BALANCED, paths=300, seed=4
    )
    reference = _reference_wealth(
        mixes=[BALANCED] * months,
        shocks=standard_normal_shocks(seed=4, months=months, paths=300),
        initial=20_000,
        contribution=250,
    )
    wealth = simulation.wealth(initial_value=20_000, monthly_contribution=250)
    np.testing.assert_allclose(wealth, reference, rtol=1e-5)


@pytest.mark.parametrize("tolerance", [RiskTolerance.VERY_LOW, RiskTolerance.VERY_HIGH])
@pytest.mark.parametrize("months", [1, 30, 119, 120, 121, 300])
def test_a_glide_path_is_re_evaluated_each_month_from_the_months_remaining(
    tolerance: RiskTolerance, months: int
) -> None:
    simulation = simulate_goal(
        months=months,
        assumptions=DEFAULT_ASSUMPTIONS,
        glide_path=DEFAULT_GLIDE_PATH,
        risk_tolerance=tolerance,
        paths=300,
        seed=9,
    )
    mixes: list[Mapping[AssetClass, float]] = [
        DEFAULT_GLIDE_PATH.allocation((months - month) / 12, tolerance) for month in range(months)
    ]
    reference = _reference_wealth(
        mixes=mixes,
        shocks=_glide_shocks(seed=9, months=months, paths=300, tolerance=tolerance),
        initial=50_000,
        contribution=400,
    )
    wealth = simulation.wealth(initial_value=50_000, monthly_contribution=400)
    np.testing.assert_allclose(wealth, reference, rtol=1e-5)


def test_derisking_narrows_the_spread_of_outcomes() -> None:
    common = {
        "initial_value": 100_000.0,
        "monthly_contribution": 0.0,
        "months": 120,
        "target_amount": 150_000.0,
        "assumptions": DEFAULT_ASSUMPTIONS,
        "seed": 3,
    }
    far_mix = DEFAULT_GLIDE_PATH.allocation(20, RiskTolerance.VERY_HIGH)
    constant = project_goal(**common, allocation=far_mix)  # type: ignore[arg-type]
    gliding = project_goal(
        **common,  # type: ignore[arg-type]
        glide_path=DEFAULT_GLIDE_PATH,
        risk_tolerance=RiskTolerance.VERY_HIGH,
    )
    assert gliding.nominal.p90 - gliding.nominal.p10 < constant.nominal.p90 - constant.nominal.p10


def test_today_s_money_deflates_by_inflation_over_the_horizon() -> None:
    projection = project_goal(
        initial_value=10_000,
        monthly_contribution=100,
        months=90,
        target_amount=25_000,
        assumptions=DEFAULT_ASSUMPTIONS,
        allocation=BALANCED,
        paths=2_000,
    )
    deflator = 1.025**7.5
    assert projection.deflator == pytest.approx(deflator)
    assert projection.real.p10 == pytest.approx(projection.nominal.p10 / deflator)
    assert projection.real.p50 == pytest.approx(projection.nominal.p50 / deflator)
    assert projection.real.p90 == pytest.approx(projection.nominal.p90 / deflator)
    assert projection.probability_nominal >= projection.probability_real


def test_success_in_today_s_money_compares_deflated_wealth_with_the_target() -> None:
    zero = _assumptions(mean=0.05, inflation=0.03)
    months = 120
    nominal = _closed_form(initial=10_000, contribution=0, months=months, mean=0.05)
    real = nominal / 1.03**10
    common = {
        "initial_value": 10_000.0,
        "monthly_contribution": 0.0,
        "months": months,
        "assumptions": zero,
        "allocation": EQUITY,
        "paths": 4,
    }
    between = project_goal(**common, target_amount=(real + nominal) / 2)  # type: ignore[arg-type]
    assert (between.probability_real, between.probability_nominal) == (0.0, 1.0)
    below = project_goal(**common, target_amount=real * 0.999)  # type: ignore[arg-type]
    assert (below.probability_real, below.probability_nominal) == (1.0, 1.0)


def test_no_money_and_no_saving_never_reaches_a_positive_target() -> None:
    projection = project_goal(
        initial_value=0,
        monthly_contribution=0,
        months=240,
        target_amount=1,
        assumptions=DEFAULT_ASSUMPTIONS,
        allocation=EQUITY,
    )
    assert (projection.probability_real, projection.probability_nominal) == (0.0, 0.0)
    assert projection.nominal == projection.real
    assert projection.nominal.p50 == 0.0


def test_the_same_seed_gives_the_same_projection_and_another_seed_does_not() -> None:
    def run(seed: int) -> object:
        return project_goal(
            initial_value=5_000,
            monthly_contribution=150,
            months=84,
            target_amount=25_000,
            assumptions=DEFAULT_ASSUMPTIONS,
            glide_path=DEFAULT_GLIDE_PATH,
            risk_tolerance=RiskTolerance.HIGH,
            paths=1_000,
            seed=seed,
        )

    assert run(21) == run(21)
    assert run(21) != run(22)


def test_the_projection_echoes_its_inputs() -> None:
    projection = project_goal(
        initial_value=1_000,
        monthly_contribution=10,
        months=13,
        target_amount=2_000,
        assumptions=DEFAULT_ASSUMPTIONS,
        glide_path=DEFAULT_GLIDE_PATH,
        risk_tolerance=RiskTolerance.LOW,
        paths=50,
        seed=8,
    )
    assert (projection.initial_value, projection.monthly_contribution) == (1_000, 10)
    assert (projection.months, projection.target_amount) == (13, 2_000)
    assert (projection.paths, projection.seed) == (50, 8)
    assert projection.glide_path is DEFAULT_GLIDE_PATH
    assert projection.risk_tolerance is RiskTolerance.LOW
    assert projection.allocation is None


@pytest.mark.parametrize(
    "mix",
    [
        {"allocation": EQUITY},
        {"glide_path": DEFAULT_GLIDE_PATH, "risk_tolerance": RiskTolerance.VERY_HIGH},
        {"glide_path": DEFAULT_GLIDE_PATH, "risk_tolerance": RiskTolerance.MEDIUM},
    ],
    ids=["constant", "glide-very-high", "glide-medium"],
)
@pytest.mark.parametrize("months", [5, 96, 131])
def test_later_targets_are_bit_for_bit_the_simulation_of_the_longer_horizon(
    mix: dict[str, object], months: int
) -> None:
    later = LaterTargetSimulations(
        months=months,
        max_extra_years=6,
        assumptions=DEFAULT_ASSUMPTIONS,
        paths=700,
        seed=13,
        **mix,  # type: ignore[arg-type]
    )
    for extra_years in (6, 0, 3, 1):
        direct = simulate_goal(
            months=months + 12 * extra_years,
            assumptions=DEFAULT_ASSUMPTIONS,
            paths=700,
            seed=13,
            **mix,  # type: ignore[arg-type]
        )
        assert later[extra_years].months == direct.months
        assert np.array_equal(later[extra_years].growth, direct.growth)
        assert np.array_equal(later[extra_years].annuity, direct.annuity)
        assert later[extra_years].deflator == direct.deflator


def test_later_targets_refuse_a_year_beyond_the_range() -> None:
    later = LaterTargetSimulations(
        months=12, max_extra_years=2, assumptions=DEFAULT_ASSUMPTIONS, allocation=EQUITY, paths=10
    )
    assert len(later) == 3
    with pytest.raises(IndexError):
        later[3]


def test_shocks_of_a_shorter_horizon_are_a_prefix_of_a_longer_one_and_read_only() -> None:
    long = standard_normal_shocks(seed=99, months=300, paths=64)
    short = standard_normal_shocks(seed=99, months=7, paths=64)
    assert np.array_equal(long[:7], short)
    assert np.array_equal(short, np.random.default_rng(99).standard_normal((7, 64), np.float32))
    with pytest.raises(ValueError, match="read-only"):
        short[0, 0] = 1.0


def test_the_derisking_window_draws_from_an_independent_child_stream_of_the_seed() -> None:
    window = standard_normal_shocks(seed=99, months=5, paths=64, stream=1)
    child = np.random.default_rng(np.random.SeedSequence(99, spawn_key=(0,)))
    assert np.array_equal(window, child.standard_normal((5, 64), np.float32))
    assert not np.array_equal(window, standard_normal_shocks(seed=99, months=5, paths=64))


def test_simulation_arrays_are_read_only() -> None:
    simulation = simulate_goal(months=3, assumptions=DEFAULT_ASSUMPTIONS, allocation=EQUITY)
    with pytest.raises(ValueError, match="read-only"):
        simulation.growth[0] = 0.0


@pytest.mark.parametrize("target", [0.0, -1.0, math.nan, math.inf])
def test_a_target_that_is_not_positive_is_refused(target: float) -> None:
    """A zero target is always met; refusing it keeps a data error from reading as success."""
    with pytest.raises(ValueError, match="target_amount"):
        project_goal(
            initial_value=1,
            monthly_contribution=1,
            months=12,
            target_amount=target,
            assumptions=DEFAULT_ASSUMPTIONS,
            allocation=EQUITY,
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("initial_value", -1.0),
        ("initial_value", math.nan),
        ("monthly_contribution", -0.01),
        ("months", 0),
        ("months", 1.5),
        ("paths", 0),
        ("seed", -1),
    ],
)
def test_inputs_out_of_range_are_refused(field: str, value: float) -> None:
    arguments: dict[str, object] = {
        "initial_value": 1.0,
        "monthly_contribution": 1.0,
        "months": 12,
        "target_amount": 10.0,
        "assumptions": DEFAULT_ASSUMPTIONS,
        "allocation": EQUITY,
        field: value,
    }
    with pytest.raises(ValueError, match=field):
        project_goal(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mix",
    [
        {},
        {"glide_path": DEFAULT_GLIDE_PATH},
        {"risk_tolerance": RiskTolerance.LOW},
        {"allocation": EQUITY, "glide_path": DEFAULT_GLIDE_PATH},
        {"allocation": {AssetClass.EQUITY: 0.5}},
        {"allocation": {AssetClass.EQUITY: 1.5, AssetClass.BOND: -0.5}},
    ],
    ids=["none", "glide-without-tolerance", "tolerance-alone", "both", "short", "negative"],
)
def test_the_mix_must_be_one_full_allocation_or_a_glide_path_with_a_tolerance(
    mix: dict[str, object],
) -> None:
    with pytest.raises(ValueError, match=r"allocation|glide"):
        simulate_goal(months=12, assumptions=DEFAULT_ASSUMPTIONS, **mix)  # type: ignore[arg-type]
