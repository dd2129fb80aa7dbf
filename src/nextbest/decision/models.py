"""The learning models together: how each action's propensity is drawn for one client.

Three levels, from the least to the most personal:

- ``standard``: the action's book-wide acceptance (its Beta posterior mean over every segment),
  with no exploration and nothing about the client. It is the ranking of a client who turned
  personalisation off, and the simulator's non-personalised baseline.
- ``segment``: a Thompson draw from the Beta posterior of the action in the client's segment,
  its prior centred on seed 002's weighted score scaled to the book's acceptance rate. New and
  rare actions get wide draws and are explored. An action stays here until it has passed the
  data gate (enough accepted and not accepted outcomes).
- ``contextual``: past the gate, a linear Thompson draw from the client's features. The model
  has one arm per category, so what it learns about, say, tax suggestions serves every tax
  action, and it learns from every outcome in the book; the client's own history enters as
  features trusted by its personal weight (full after 30 days of history, seed 002).

Every propensity is a ``Sampler``: the decision takes one draw from each, and draws many more
to estimate how likely the policy was to serve what it served (for off-policy evaluation).
Outcomes update the models in place, so the next answer of this process already reflects them;
other processes' outcomes are added by ``sync`` from the outcome log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from nextbest.decision.contextual import LinearThompson
from nextbest.decision.features import FEATURES
from nextbest.decision.propensity import DataGate, ThompsonPropensity

__all__ = ["DecisionModels", "LearningOutcome", "Sampler"]

PRIOR_STRENGTH = 2.0
"""Outcomes' worth of belief in the baseline-shaped prior of a (action, segment) Beta."""
SYNC_OVERLAP = 200
"""Outcome ids re-read behind the newest one seen: a concurrent transaction may commit a lower
id after a higher one, so the tail is read again and ids already applied are skipped."""


@dataclass(frozen=True, slots=True)
class Sampler:
    """A propensity's distribution, by ``source``: a fixed value (standard, baseline, oracle),
    a uniform draw (random), a Beta draw (segment) or a normal draw clipped to [0, 1]
    (contextual)."""

    source: str
    fixed: float = 0.0
    alpha: float = 1.0
    beta: float = 1.0
    mean: float = 0.0
    sd: float = 0.0

    def draw(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        if self.source in ("standard", "baseline", "oracle"):
            return np.full(size, self.fixed)
        if self.source == "random":
            return rng.random(size)
        if self.source == "segment":
            return rng.beta(self.alpha, self.beta, size)
        return np.clip(rng.normal(self.mean, self.sd, size), 0.0, 1.0)

    @property
    def expected(self) -> float:
        """The mean of the segment part (what ``standard`` reports for the book)."""
        return self.alpha / (self.alpha + self.beta)


@dataclass(frozen=True, slots=True)
class LearningOutcome:
    """One resolved recommendation as the models learn from it."""

    outcome_id: int
    action_id: str
    category: str
    segment: str
    context: tuple[float, ...]
    reward: float


@dataclass(slots=True)
class DecisionModels:
    gate: DataGate = field(default_factory=DataGate)
    segments: ThompsonPropensity = field(init=False)
    contextual: LinearThompson = field(default_factory=lambda: LinearThompson(len(FEATURES)))
    applied: int = 0
    """Outcomes learned from: the models' version."""
    _newest: int = 0
    _seen: set[int] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        self.segments = ThompsonPropensity(gate=self.gate, prior_strength=PRIOR_STRENGTH)

    @property
    def version(self) -> str:
        return f"outcomes-{self.applied}"

    @property
    def sync_from(self) -> int:
        """Outcome ids above this one may still be unseen."""
        return max(0, self._newest - SYNC_OVERLAP)

    def learn(self, outcome: LearningOutcome) -> bool:
        """Add one outcome, once; False when it was already applied."""
        if outcome.outcome_id in self._seen:
            return False
        self._seen.add(outcome.outcome_id)
        self._newest = max(self._newest, outcome.outcome_id)
        self.segments.record_reward(outcome.action_id, outcome.segment, outcome.reward)
        if len(outcome.context) == self.contextual.dim:
            x = np.asarray(outcome.context, dtype=np.float64)
            self.contextual.update(outcome.category, x, outcome.reward)
        self.applied += 1
        if len(self._seen) > 4 * SYNC_OVERLAP:
            floor = self.sync_from
            self._seen = {i for i in self._seen if i > floor}
        return True

    def learn_all(self, outcomes: Iterable[LearningOutcome]) -> int:
        return sum(self.learn(outcome) for outcome in outcomes)

    # -- propensities ---------------------------------------------------------------------------

    def standard(self, action_id: str) -> Sampler:
        """The book-wide acceptance of the action: the same for every client."""
        book = self.segments.book_rate()
        outcomes = self.segments.action_outcomes(action_id)
        alpha, beta = outcomes.posterior(book, PRIOR_STRENGTH)
        return Sampler("standard", fixed=alpha / (alpha + beta), alpha=alpha, beta=beta)

    def sampler(
        self,
        action_id: str,
        category: str,
        segment: str,
        *,
        baseline: float,
        x: NDArray[np.float64],
    ) -> Sampler:
        """The propensity distribution of one action for one client (see the module doc)."""
        book = self.segments.book_rate()
        prior = min(0.95, max(0.005, book * baseline / 0.5))
        alpha, beta = self.segments.outcomes(action_id, segment).posterior(prior, PRIOR_STRENGTH)
        if self.segments.gated(action_id):
            return Sampler("segment", alpha=alpha, beta=beta)
        mean, sd = self.contextual.predictive(category, x)
        return Sampler("contextual", alpha=alpha, beta=beta, mean=mean, sd=sd)
