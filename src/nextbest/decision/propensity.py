"""Propensity that learns: Beta-Bernoulli per action and segment, Thompson sampling, a data gate.

Each (action, segment) keeps the outcomes it has had: accepted, and not accepted (dismissed,
ignored, expired). Scoring draws from its Beta posterior (Thompson sampling), so an action with
few outcomes gets wide draws and is explored, and a proven one is exploited. Until an action has
enough outcomes of both kinds (the data gate, 50 and 50 by default, as Amazon Personalize waits
for data) its propensity is the non-personalised baseline instead; past the gate the learned draw
is blended with the baseline by the client's personal weight (full after 30 days of history).

The counts are plain, mergeable sums, so they can be kept per process and added up, or stored.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["DataGate", "Outcomes", "ThompsonPropensity"]


@dataclass(slots=True)
class Outcomes:
    accepted: int = 0
    not_accepted: int = 0

    def add(self, accepted: bool) -> None:
        if accepted:
            self.accepted += 1
        else:
            self.not_accepted += 1

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

    def record(self, action_id: str, segment: str, *, accepted: bool) -> None:
        self.counts.setdefault((action_id, segment), Outcomes()).add(accepted)

    def outcomes(self, action_id: str, segment: str) -> Outcomes:
        return self.counts.get((action_id, segment), Outcomes())

    def action_outcomes(self, action_id: str) -> Outcomes:
        """Every segment's outcomes of one action: what the data gate looks at."""
        total = Outcomes()
        for (action, _), outcomes in self.counts.items():
            if action == action_id:
                total.accepted += outcomes.accepted
                total.not_accepted += outcomes.not_accepted
        return total

    def gated(self, action_id: str) -> bool:
        """True while the action must stay on the non-personalised baseline."""
        return not self.gate.open_for(self.action_outcomes(action_id))

    def draw(self, action_id: str, segment: str, prior_mean: float, rng: random.Random) -> float:
        """One Thompson sample of the acceptance probability."""
        alpha, beta = self.outcomes(action_id, segment).posterior(prior_mean, self.prior_strength)
        return rng.betavariate(alpha, beta)

    def propensity(
        self,
        action_id: str,
        segment: str,
        *,
        baseline: float,
        personal_weight: float,
        rng: random.Random,
    ) -> tuple[float, str]:
        """The propensity to rank with, and which policy gave it (``baseline`` or ``thompson``)."""
        if self.gated(action_id):
            return baseline, "baseline"
        drawn = self.draw(action_id, segment, baseline, rng)
        weight = min(1.0, max(0.0, personal_weight))
        return weight * drawn + (1 - weight) * baseline, "thompson"

    def merge(self, other: Mapping[tuple[str, str], Outcomes]) -> None:
        """Add another process's counts to these."""
        for key, outcomes in other.items():
            mine = self.counts.setdefault(key, Outcomes())
            mine.accepted += outcomes.accepted
            mine.not_accepted += outcomes.not_accepted
