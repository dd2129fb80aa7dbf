"""The simulated world's hidden tastes: a shared part scaled by the world, an own part."""

from __future__ import annotations

import random
import statistics

import pytest

from nextbest.domain.candidate import Category
from nextbest.domain.client import Client
from nextbest.domain.enums import RiskTolerance
from nextbest.domain.ids import ClientId
from nextbest.sim.world import CALIBRATED, HAND_SET, WORLDS, World, hidden_affinity, shared_taste

YOUNG_ZA = Client(ClientId("c-1"), 2000, "ZA", "ZAR", RiskTolerance.VERY_LOW)
OLDER_US = Client(ClientId("c-2"), 1955, "US", "USD", RiskTolerance.HIGH)


def test_the_shared_taste_adds_up_age_band_country_and_risk() -> None:
    young = shared_taste(YOUNG_ZA, year=2026)
    assert young[Category.CASH] == pytest.approx(1.2 + 0.7 + 0.5)
    assert young[Category.PROTECTION] == 0.0
    older = shared_taste(OLDER_US, year=2026)
    assert older[Category.RETIREMENT] == pytest.approx(1.0 + 0.6)
    assert older[Category.CASH] == pytest.approx(-0.6)


def test_a_world_without_own_taste_gives_every_client_of_a_kind_the_same_affinity() -> None:
    world = World("shared only", base_logit=-2.0, shared_scale=0.5, individual=0.0)
    first = hidden_affinity(YOUNG_ZA, random.Random(1), world, year=2026)
    second = hidden_affinity(YOUNG_ZA, random.Random(2), world, year=2026)
    assert first == second
    assert first[Category.CASH] == pytest.approx(0.5 * 2.4)


def test_the_own_taste_spreads_as_the_world_says() -> None:
    world = World("own only", base_logit=-2.0, shared_scale=0.0, individual=2.0)
    draws = [
        hidden_affinity(OLDER_US, random.Random(i), world, year=2026)[Category.TAX]
        for i in range(2_000)
    ]
    assert statistics.pstdev(draws) == pytest.approx(2.0, rel=0.1)
    assert abs(statistics.mean(draws)) < 0.15


def test_the_hand_set_world_is_kept_beside_the_calibrated_one() -> None:
    assert (HAND_SET.base_logit, HAND_SET.shared_scale, HAND_SET.individual) == (-2.4, 1.0, 1.0)
    assert WORLDS == {"hand-set": HAND_SET, "calibrated": CALIBRATED}
    assert (CALIBRATED.shared_scale, CALIBRATED.individual) != (1.0, 1.0)
