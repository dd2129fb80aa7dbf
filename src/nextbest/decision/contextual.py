"""The contextual model: linear Thompson sampling, one ridge regression per arm.

For each arm (the decision loop uses one per category) the model keeps the sufficient statistics
of a Bayesian ridge regression of the reward (1 accepted, 0.5 partly, 0 not) on the client's
feature vector: A = ridge * I + sum x x' and b = sum r x. The posterior of the weights is
N(A^-1 b, noise^2 A^-1), so the predicted acceptance for a client x is normal with mean
x' A^-1 b and variance noise^2 x' A^-1 x: one scalar draw per action is a Thompson sample
(Agrawal and Goyal, 2013), and many draws are cheap, which is what the decision log's serving
probabilities need.

A and b are sums, so the statistics of two processes merge by adding them; A^-1 is kept up to
date with the Sherman-Morrison formula, O(d^2) per outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["ArmStats", "LinearThompson"]

Vector = NDArray[np.float64]


@dataclass(slots=True)
class ArmStats:
    """One action's regression statistics."""

    a_inv: NDArray[np.float64]
    b: Vector
    outcomes: int = 0
    _theta: Vector | None = field(default=None, repr=False)

    @classmethod
    def empty(cls, dim: int, ridge: float) -> ArmStats:
        return cls(a_inv=np.eye(dim) / ridge, b=np.zeros(dim))

    @property
    def theta(self) -> Vector:
        if self._theta is None:
            self._theta = self.a_inv @ self.b
        return self._theta

    def update(self, x: Vector, reward: float) -> None:
        a_inv_x = self.a_inv @ x
        self.a_inv -= np.outer(a_inv_x, a_inv_x) / (1.0 + x @ a_inv_x)
        self.b += reward * x
        self.outcomes += 1
        self._theta = None


@dataclass(slots=True)
class LinearThompson:
    dim: int
    ridge: float = 1.0
    """Prior precision of the weights: how many outcomes' worth of doubt each starts with."""
    noise: float = 0.15
    """Scale of the posterior draws; larger explores more."""
    arms: dict[str, ArmStats] = field(default_factory=dict)

    def update(self, action_id: str, x: Vector, reward: float) -> None:
        if x.shape != (self.dim,):
            raise ValueError(f"feature vector of shape {x.shape}, expected ({self.dim},)")
        arm = self.arms.get(action_id)
        if arm is None:
            arm = self.arms[action_id] = ArmStats.empty(self.dim, self.ridge)
        arm.update(x, reward)

    def outcomes(self, action_id: str) -> int:
        arm = self.arms.get(action_id)
        return 0 if arm is None else arm.outcomes

    def predictive(self, action_id: str, x: Vector) -> tuple[float, float]:
        """Mean and standard deviation of the predicted reward of ``action_id`` for ``x``."""
        arm = self.arms.get(action_id)
        if arm is None:
            return 0.0, self.noise * float(np.sqrt(x @ x / self.ridge))
        mean = float(x @ arm.theta)
        variance = float(x @ arm.a_inv @ x)
        return mean, self.noise * float(np.sqrt(max(variance, 0.0)))
