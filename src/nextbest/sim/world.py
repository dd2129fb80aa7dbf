"""The simulated world's hidden tastes: how much clients differ in what they accept.

A simulated client's chance of accepting a suggestion of a category is
``logistic(base_logit + affinity[category] - fatigue + urgency)``. Its affinity has two parts:

- a *shared* taste, the same for every client of its age band, country and risk tolerance (what
  the engine could learn from observable attributes), hand-written below and multiplied by the
  world's ``shared_scale``;
- an *individual* taste, normal with spread ``individual`` on the logit scale, each client's own
  (what the engine can only learn from the client's own history and reading).

Two worlds are kept. ``HAND_SET`` is the one chosen by hand when the simulator was written (the
figures of ``docs/benchmarks.md`` section 8). ``CALIBRATED`` sets the base acceptance and the two
spreads so that a model fitted on the simulated clients' observable attributes (and, for the
individual part, one earlier outcome of the same offer for a share of the clients) spreads its
predictions as widely as the same model does on real offer-acceptance data (UCI Bank Marketing);
``benchmarks/simulation_calibration.py`` measures both and finds these numbers.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from nextbest.domain.candidate import Category
from nextbest.domain.client import Client
from nextbest.domain.enums import RiskTolerance

__all__ = [
    "CALIBRATED",
    "HAND_SET",
    "WORLDS",
    "World",
    "age_band",
    "hidden_affinity",
    "risk_band",
    "shared_taste",
]


@dataclass(frozen=True, slots=True)
class World:
    """The spreads of the hidden response model (all on the logit scale)."""

    name: str
    base_logit: float
    """Acceptance of a neutral suggestion by a neutral client."""
    shared_scale: float
    """Multiplies the shared tastes of age band, country and risk tolerance."""
    individual: float
    """Spread of a client's own taste per category."""


HAND_SET = World("hand-set", base_logit=-2.4, shared_scale=1.0, individual=1.0)
"""The world chosen by hand (neutral acceptance about 8%)."""
CALIBRATED = World("calibrated", base_logit=-3.926, shared_scale=1.740, individual=1.784)
"""Set from real offer-acceptance data by ``benchmarks/simulation_calibration.py`` (its
"found" world, 16,000 clients, seed 5, two rounds): a random offer is accepted 11.2% of the
time, attributes alone rank acceptance with AUC 0.672, and one earlier success says as much
about the next answer (log odds ratio 1.77) as in the UCI Bank Marketing calls."""
WORLDS: Mapping[str, World] = {world.name: world for world in (HAND_SET, CALIBRATED)}

# Shared tastes: what clients of an age band, country or risk tolerance tend to act on.
_BY_AGE: Mapping[str, Mapping[Category, float]] = {
    "young": {Category.CASH: 1.2, Category.SAVINGS: 1.2, Category.CONTENT: 0.6, Category.TAX: -0.8},
    "middle": {Category.GOAL: 1.0, Category.TAX: 0.9, Category.REBALANCING: 0.3},
    "older": {Category.RISK: 1.2, Category.RETIREMENT: 1.0, Category.CONTENT: -0.8},
}
_BY_COUNTRY: Mapping[str, Mapping[Category, float]] = {
    "GB": {Category.TAX: 0.6, Category.ESG: 0.5},
    "ZA": {Category.CASH: 0.7, Category.SAVINGS: 0.5, Category.ESG: -0.5},
    "US": {Category.RETIREMENT: 0.6, Category.REBALANCING: 0.5, Category.GOAL: -0.3},
}
_BY_RISK: Mapping[str, Mapping[Category, float]] = {
    "cautious": {Category.RISK: 0.6, Category.CASH: 0.5, Category.REBALANCING: -0.4},
    "bold": {Category.REBALANCING: 0.7, Category.ESG: 0.4, Category.CASH: -0.6},
}


def age_band(age: int) -> str:
    return "young" if age < 35 else "middle" if age < 55 else "older"


def risk_band(risk: RiskTolerance) -> str | None:
    if risk in (RiskTolerance.VERY_LOW, RiskTolerance.LOW):
        return "cautious"
    if risk in (RiskTolerance.HIGH, RiskTolerance.VERY_HIGH):
        return "bold"
    return None


def shared_taste(client: Client, *, year: int) -> dict[Category, float]:
    """The unscaled taste the client shares with its age band, country and risk tolerance.

    >>> from nextbest.domain.ids import ClientId
    >>> young = Client(ClientId("c"), 2000, "ZA", "ZAR", RiskTolerance.MEDIUM)
    >>> round(shared_taste(young, year=2026)[Category.CASH], 2)
    1.9
    """
    taste = dict.fromkeys(Category, 0.0)
    for shared in (
        _BY_AGE[age_band(client.age_in(year))],
        _BY_COUNTRY.get(client.country, {}),
        _BY_RISK.get(risk_band(client.risk_tolerance) or "", {}),
    ):
        for category, lift in shared.items():
            taste[category] += lift
    return taste


def hidden_affinity(
    client: Client, rng: random.Random, world: World, *, year: int
) -> dict[Category, float]:
    """The client's hidden affinity per category: its own taste (one normal draw from ``rng``
    per category, in ``Category`` order) plus the scaled shared taste."""
    own = {category: world.individual * rng.gauss(0.0, 1.0) for category in Category}
    shared = shared_taste(client, year=year)
    return {category: own[category] + world.shared_scale * shared[category] for category in own}
