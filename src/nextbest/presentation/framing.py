"""How a suggestion is framed: the treatments an A/B test may vary, each CONTROL by default.

Framing changes emphasis and adds at most one short sentence each; it never changes the
suggestion, its numbers or its compliance wording.

* ``BenefitEmphasis``: CONTROL leaves the template as written; MONETARY adds the action's
  benefit as an amount, PERCENTAGE as a percentage (when the action has one to show).
* ``UrgencyFraming``: HIGH_URGENCY adds a prompt (with the deadline when there is one);
  LOW_PRESSURE says there is no rush — except for a mandatory action, where a breach of the
  client's own restrictions should not be played down, so it is left out.
* Social proof: ``social_proof`` is a real count of similar clients who acted on the same
  suggestion; it is shown only from ``social_proof_floor`` upwards, so a handful of clients is
  never presented as a crowd.

>>> Framing().is_control
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DEFAULT_SOCIAL_PROOF_FLOOR", "BenefitEmphasis", "Framing", "UrgencyFraming"]

DEFAULT_SOCIAL_PROOF_FLOOR = 25


class BenefitEmphasis(StrEnum):
    CONTROL = "CONTROL"
    MONETARY = "MONETARY"
    PERCENTAGE = "PERCENTAGE"


class UrgencyFraming(StrEnum):
    CONTROL = "CONTROL"
    HIGH_URGENCY = "HIGH_URGENCY"
    LOW_PRESSURE = "LOW_PRESSURE"


@dataclass(frozen=True, slots=True)
class Framing:
    emphasis: BenefitEmphasis = BenefitEmphasis.CONTROL
    urgency: UrgencyFraming = UrgencyFraming.CONTROL
    social_proof: int | None = None
    """How many similar clients acted on this suggestion (a real count), or None."""
    social_proof_floor: int = DEFAULT_SOCIAL_PROOF_FLOOR

    def __post_init__(self) -> None:
        if self.social_proof is not None and self.social_proof < 0:
            raise ValueError("social_proof is a count of clients")
        if self.social_proof_floor < 1:
            raise ValueError("social_proof_floor must be at least 1")

    @property
    def shows_social_proof(self) -> bool:
        return self.social_proof is not None and self.social_proof >= self.social_proof_floor

    @property
    def is_control(self) -> bool:
        return (
            self.emphasis is BenefitEmphasis.CONTROL
            and self.urgency is UrgencyFraming.CONTROL
            and not self.shows_social_proof
        )
