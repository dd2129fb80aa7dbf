"""The sample-ratio check equals scipy's chi-square, the corrections equal statsmodels'
``multipletests``, and the sample size equals statsmodels' ``NormalIndPower``."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from nextbest.experiments.corrections import Correction, adjust, benjamini_hochberg, holm
from nextbest.experiments.power import power_two_proportions, sample_size
from nextbest.experiments.srm import sample_ratio_mismatch


@given(
    st.lists(st.integers(1, 100), min_size=2, max_size=6),
    st.lists(st.integers(0, 500_000), min_size=6, max_size=6),
)
@settings(max_examples=150, deadline=None)
def test_the_srm_check_equals_scipy_chisquare(weights: list[int], counts: list[int]) -> None:
    names = [f"v{i}" for i in range(len(weights))]
    observed = dict(zip(names, counts, strict=False))
    if sum(observed.values()) == 0:
        observed[names[0]] = 1
    check = sample_ratio_mismatch(observed, dict(zip(names, weights, strict=True)))
    total = sum(observed.values())
    expected = [total * w / sum(weights) for w in weights]
    reference = stats.chisquare([observed[n] for n in names], expected)
    assert check.statistic == pytest.approx(reference.statistic, rel=1e-9, abs=1e-9)
    assert check.p_value == pytest.approx(reference.pvalue, rel=1e-6, abs=1e-12)
    assert check.mismatch == (reference.pvalue < 0.001)


def test_srm_flags_a_broken_split_and_passes_a_healthy_one() -> None:
    shares = {"CONTROL": 50, "B": 50}
    assert not sample_ratio_mismatch({"CONTROL": 10_050, "B": 9_950}, shares).mismatch
    broken = sample_ratio_mismatch({"CONTROL": 10_400, "B": 9_600}, shares)
    assert broken.mismatch
    assert "check assignment" in broken.reason


@pytest.mark.parametrize(
    ("observed", "shares", "mismatch", "reason"),
    [
        ({"A": 0, "B": 0}, {"A": 50, "B": 50}, False, "no units exposed yet"),
        ({"A": 10}, {"A": 100}, False, "one variant: nothing to check"),
        ({"A": 10, "B": 3}, {"A": 100, "B": 0}, True, "no traffic share: B"),
        ({"A": 10, "B": 0}, {"A": 100, "B": 0}, False, "one live variant"),
    ],
)
def test_srm_degenerate_splits_give_a_reason(
    observed: dict[str, int], shares: dict[str, int], mismatch: bool, reason: str
) -> None:
    check = sample_ratio_mismatch(observed, shares)
    assert check.mismatch is mismatch
    assert reason in check.reason


p_values = st.lists(st.one_of(st.none(), st.floats(0, 1, allow_nan=False)), min_size=1, max_size=30)


@given(p_values)
@settings(max_examples=150, deadline=None)
def test_holm_and_benjamini_hochberg_equal_statsmodels(values: list[float | None]) -> None:
    present = [p for p in values if p is not None]
    for method, ours in (("holm", holm(values)), ("fdr_bh", benjamini_hochberg(values))):
        assert [p is None for p in ours] == [p is None for p in values]
        if present:
            # multipletests runs a full garbage collection on every call (65 ms here), which
            # would make this test the slowest of the suite; it changes no result.
            with mock.patch("gc.collect"):
                reference = multipletests(present, method=method)[1]
            got = [p for p in ours if p is not None]
            assert got == pytest.approx(list(reference), rel=1e-9, abs=1e-12)


def test_no_correction_leaves_p_values_alone() -> None:
    assert adjust([0.01, None, 0.2], Correction.NONE) == [0.01, None, 0.2]
    assert adjust([0.01, 0.04], Correction.HOLM) == [0.02, 0.04]


@given(
    st.floats(0.01, 0.9),
    st.floats(0.03, 0.5),
    st.sampled_from([0.01, 0.05, 0.1]),
    st.sampled_from([0.7, 0.8, 0.9]),
    st.sampled_from([0.5, 1.0, 2.0]),
)
@settings(max_examples=60, deadline=None)
def test_the_sample_size_equals_statsmodels_normal_ind_power(
    baseline: float, relative_effect: float, alpha: float, power: float, ratio: float
) -> None:
    target = baseline * (1 + relative_effect)
    if target >= 1:
        return
    size = sample_size(
        baseline, relative_effect, relative=True, alpha=alpha, power=power, ratio=ratio
    )
    effect = proportion_effectsize(target, baseline)
    reference = NormalIndPower().solve_power(effect, alpha=alpha, power=power, ratio=ratio)
    assert size.exact == pytest.approx(reference, rel=1e-6)
    assert power_two_proportions(baseline, target, size.exact, alpha=alpha, ratio=ratio) == (
        pytest.approx(NormalIndPower().power(effect, size.exact, alpha, ratio=ratio), rel=1e-9)
    )
    assert size.control == -(-size.exact // 1)


def test_the_total_covers_the_smallest_share() -> None:
    size = sample_size(0.10, 0.01)
    assert size.total({"A": 80, "B": 20}) == 5 * size.per_arm
    assert size.total({"A": 34, "B": 33, "C": 33}) >= 3 * size.per_arm


@pytest.mark.parametrize(
    ("baseline", "effect", "relative"),
    [(0.0, 0.01, False), (0.95, 0.1, False), (0.1, 0.0, False), (0.6, 1.0, True)],
)
def test_an_impossible_plan_is_refused(baseline: float, effect: float, relative: bool) -> None:
    with pytest.raises(ValueError, match="cannot plan"):
        sample_size(baseline, effect, relative=relative)
