"""The treatments an experiment's variants may apply, by kind, and how a variant's name implies one.

An experiment of each kind changes one thing about the answers its clients get (the framing of
the benefit, the urgency wording, a count of how many clients took the action, the ranking
policy, or no personalisation at all for the global holdout). Here is what each kind may set,
seed 002's variant names that imply a treatment, and the checks a new experiment's treatments
must pass; ``experiment_treatments`` applies them in the decision loop.
"""

from __future__ import annotations

from collections.abc import Mapping

from nextbest.decision.engine import Policy
from nextbest.errors import Problem
from nextbest.experiments.lifecycle import TreatmentKind
from nextbest.presentation.framing import BenefitEmphasis, UrgencyFraming

__all__ = [
    "HOLDOUT",
    "SHOWN",
    "TREATMENT_VALUES",
    "default_treatment",
    "treatment_problems",
]

HOLDOUT = "HOLDOUT"
"""The holdout's treatment value that withholds personalisation (its other is PERSONALISED)."""
SHOWN = "SOCIAL_PROOF"
"""The social-proof treatment value that shows the count (seed 002's variant name)."""

TREATMENT_VALUES: Mapping[TreatmentKind, tuple[str, ...]] = {
    TreatmentKind.BENEFIT_EMPHASIS: tuple(e.value for e in BenefitEmphasis),
    TreatmentKind.URGENCY_FRAMING: tuple(u.value for u in UrgencyFraming),
    TreatmentKind.SOCIAL_PROOF: ("CONTROL", SHOWN),
    TreatmentKind.RANKING_POLICY: tuple(p.value for p in Policy if p not in (Policy.ORACLE,)),
    TreatmentKind.HOLDOUT: (HOLDOUT, "PERSONALISED"),
}
"""What a variant of each kind may apply."""

_BY_NAME: Mapping[str, str] = {
    "MONETARY_FOCUS": BenefitEmphasis.MONETARY.value,
    "PERCENTAGE_FOCUS": BenefitEmphasis.PERCENTAGE.value,
    "PERSONALIZED": "PERSONALISED",
}


def default_treatment(kind: TreatmentKind, variant: str) -> str | None:
    """The treatment a variant's name implies (seed 002's names: CONTROL, MONETARY_FOCUS,
    HIGH_URGENCY, SOCIAL_PROOF ...; a ranking test's CONTROL is the engine), or None.

    >>> default_treatment(TreatmentKind.BENEFIT_EMPHASIS, "MONETARY_FOCUS")
    'MONETARY'
    >>> default_treatment(TreatmentKind.RANKING_POLICY, "CONTROL")
    'engine'
    """
    name = variant.strip().upper()
    allowed = TREATMENT_VALUES[kind]
    if kind is TreatmentKind.RANKING_POLICY:
        wanted = Policy.ENGINE.value if name == "CONTROL" else name.lower()
        return wanted if wanted in allowed else None
    wanted = _BY_NAME.get(name, name)
    return wanted if wanted in allowed else None


def treatment_problems(
    kind: TreatmentKind, treatments: Mapping[str, str | None], *, targeted: bool, layered: bool
) -> list[Problem]:
    """What is wrong with the variants' treatments for ``kind``, one problem per breach."""
    problems: list[Problem] = []
    allowed = TREATMENT_VALUES[kind]
    for index, (variant, value) in enumerate(treatments.items()):
        if value is None:
            problems.append(
                (
                    f"variants.{index}.treatment",
                    f"say which {kind.value} treatment {variant!r} applies: "
                    f"one of {', '.join(allowed)}",
                )
            )
        elif value not in allowed:
            problems.append(
                (
                    f"variants.{index}.treatment",
                    f"{value!r} is not a {kind.value} treatment: one of {', '.join(allowed)}",
                )
            )
    if kind is TreatmentKind.HOLDOUT:
        if HOLDOUT not in treatments.values():
            problems.append(("variants", "a holdout needs a variant with the HOLDOUT treatment"))
        if targeted:
            problems.append(("segments", "the global holdout covers every client: no targeting"))
        if layered:
            problems.append(("layer", "the global holdout stands above layers: leave layer out"))
    return problems
