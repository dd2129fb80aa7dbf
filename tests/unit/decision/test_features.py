"""The contextual model's features: the attributes that carry taste, and the client's own
history weighed by the evidence it holds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nextbest.behavior.profile import CategoryPreference
from nextbest.decision.catalog import load_catalog
from nextbest.decision.features import AGE_BANDS, FEATURES, action_vector, age_band, client_features
from nextbest.domain.enums import Channel, RiskTolerance
from tests.behaviour_builders import NOW, client, daily_sessions, profile

CATALOG = load_catalog()
HARVEST = CATALOG.get("harvest-tax-loss")


def _value(vector: object, name: str) -> float:
    return float(vector[FEATURES.index(name)])  # type: ignore[index]


@pytest.mark.parametrize(
    ("age", "band"), [(22, "under-30"), (30, "30s"), (49, "40s"), (55, "50s"), (70, "70-plus")]
)
def test_each_client_falls_in_one_decade_band(age: int, band: str) -> None:
    assert age_band(age) == band
    assert band in AGE_BANDS


def test_age_band_and_risk_tolerance_are_indicators_the_model_can_bend() -> None:
    who = client(birth_year=NOW.year - 45, risk=RiskTolerance.LOW)
    features = client_features(
        who, profile(daily_sessions(5), who=who), Channel.IN_APP, year=NOW.year
    )
    assert features["age.40s"] == 1.0
    assert features["risk.LOW"] == 1.0
    assert not any(features.get(f"age.{band}") for band in AGE_BANDS if band != "40s")
    assert features.get("risk.HIGH", 0.0) == 0.0


def test_a_new_clients_own_dismissals_count_at_once() -> None:
    who = client()
    fresh = profile(daily_sessions(3), who=who)
    assert fresh.personal_weight < 0.5  # three days of history: mostly the segment's prior
    dismissed = CategoryPreference("TAX", mean=0.1, alpha=1, beta=9, accepted=0, dismissed=4)
    report = replace(fresh, categories=(dismissed,))
    shared = client_features(who, report, Channel.IN_APP, year=NOW.year)
    x = action_vector(shared, HARVEST, None, report)
    assert _value(x, "category.dismissed") == pytest.approx(0.5286, abs=1e-3)  # log(5)/log(21)
    assert _value(x, "category.accepted") == 0.0


def test_reading_counts_by_how_much_the_client_has_read() -> None:
    who = client()
    base = profile(daily_sessions(40), who=who)
    shared = client_features(who, base, Channel.IN_APP, year=NOW.year)
    once = replace(base, topics={"tax_wrappers": 1.0})
    habit = replace(base, topics={"tax_wrappers": 20.0})
    mixed = replace(base, topics={"tax_wrappers": 10.0, "esg": 10.0})
    one, many, half = (
        _value(action_vector(shared, HARVEST, None, p), "category.interest")
        for p in (once, habit, mixed)
    )
    assert one == pytest.approx(1 / 3)
    assert many == pytest.approx(20 / 22)
    assert half == pytest.approx(0.5 * 20 / 22)
    assert (
        _value(action_vector(shared, HARVEST, None, replace(base, topics={})), "category.interest")
        == 0.0
    )
