"""Propensity that learns: Beta-Bernoulli per action and segment, Thompson sampling, a data gate.

Each (action, segment) keeps the outcomes it has had: accepted, and not accepted (dismissed,
ignored, expired). Scoring draws from its Beta posterior (Thompson sampling), so an action with
few outcomes gets wide draws and is explored, and a proven one is exploited. Until an action has
enough outcomes of both kinds (the data gate, 50 and 50 by default, as Amazon Personalize waits
for data) it is not personalised further; ``decision.models`` puts the levels together.

The counts are plain, mergeable sums, so they can be kept per process and added up, or stored.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["DataGate", "Outcomes", "ThompsonPropensity"]


@dataclass(slots=True)
class Outcomes:
    """Accepted and not-accepted outcomes; a partial acceptance counts half of each."""

    accepted: float = 0.0
    not_accepted: float = 0.0

    def add(self, accepted: bool) -> None:
        self.add_reward(1.0 if accepted else 0.0)

    def add_reward(self, reward: float) -> None:
        self.accepted += reward
        self.not_accepted += 1.0 - reward

    @property
    def total(self) -> float:
        return self.accepted + self.not_accepted

    def posterior(self, prior_mean: float, prior_strength: float) -> tuple[float, float]:
        """Beta(alpha, beta) with the prior worth ``prior_strength`` outcomes at ``prior_mean``."""
        return (
            prior_strength * prior_mean + self.accepted,
            prior_strength * (1 - prior_mean) + self.not_accepted,
        )


@dataclass(frozen=True, slots=True)
class DataGate:
    """How many outcomes of each kind an action needs before its learned propensity is used."""

    accepted: int = 50
    not_accepted: int = 50

    def open_for(self, outcomes: Outcomes) -> bool:
        return outcomes.accepted >= self.accepted and outcomes.not_accepted >= self.not_accepted


@dataclass(slots=True)
class ThompsonPropensity:
    gate: DataGate = field(default_factory=DataGate)
    prior_strength: float = 2.0
    counts: dict[tuple[str, str], Outcomes] = field(default_factory=dict)
    """(action id, segment) → outcomes."""

    _totals: dict[str, Outcomes] = field(default_factory=dict, repr=False)
    """action id → every segment's outcomes, kept beside ``counts`` for the data gate."""

    def record(self, action_id: str, segment: str, *, accepted: bool) -> None:
        self.record_reward(action_id, segment, 1.0 if accepted else 0.0)

    def record_reward(self, action_id: str, segment: str, reward: float) -> None:
        self.counts.setdefault((action_id, segment), Outcomes()).add_reward(reward)
        self._totals.setdefault(action_id, Outcomes()).add_reward(reward)

    def outcomes(self, action_id: str, segment: str) -> Outcomes:
        return self.counts.get((action_id, segment), Outcomes())

    def action_outcomes(self, action_id: str) -> Outcomes:
        """Every segment's outcomes of one action: what the data gate looks at."""
        total = self._totals.get(action_id)
        return Outcomes() if total is None else Outcomes(total.accepted, total.not_accepted)

    def book_rate(self, default: float = 0.1, strength: float = 10.0) -> float:
        """The acceptance share over every action and segment, shrunk towards ``default``."""
        accepted = sum(o.accepted for o in self._totals.values())
        total = sum(o.total for o in self._totals.values())
        return (accepted + default * strength) / (total + strength)

    def gated(self, action_id: str) -> bool:
        """True while the action must stay on the non-personalised baseline."""
        return not self.gate.open_for(self.action_outcomes(action_id))

    def draw(self, action_id: str, segment: str, prior_mean: float, rng: random.Random) -> float:
        """One Thompson sample of the acceptance probability."""
        alpha, beta = self.outcomes(action_id, segment).posterior(prior_mean, self.prior_strength)
        return rng.betavariate(alpha, beta)

    def merge(self, other: Mapping[tuple[str, str], Outcomes]) -> None:
        """Add another process's counts to these."""
        for key, outcomes in other.items():
            mine = self.counts.setdefault(key, Outcomes())
            mine.accepted += outcomes.accepted
            mine.not_accepted += outcomes.not_accepted
            total = self._totals.setdefault(key[0], Outcomes())
            total.accepted += outcomes.accepted
            total.not_accepted += outcomes.not_accepted
