"""Where a template's numbers and words come from: paths into a candidate, read, never computed.

A template declares each number it may show as a path (``evidence.monthly_increase``,
``benefit.amount``, ``detail.smaller_target_amount``, ``candidate.deadline``) and a kind (see
:mod:`nextbest.presentation.figures`). Reading a path gives the evidence value itself, so the
test that every number in a text traces back to its evidence can follow the same path.

Words are read the same way, with a small fixed set of transforms (``goal``, ``restriction``,
``label``) so a template never needs logic to turn ``INFORMATION_TECHNOLOGY`` into words.

>>> from nextbest.domain.candidate import ActionType, Benefit, Candidate, Category, SignalType
>>> c = Candidate("k", SignalType.CONCENTRATION, ActionType.REDUCE_CONCENTRATION, Category.RISK,
...               40, Benefit("less risk", amount=Decimal("10")), {"weight": "0.31"})
>>> read(c, "evidence.weight"), read(c, "benefit.amount")
('0.31', Decimal('10'))
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client

__all__ = [
    "ROOTS",
    "WORD_TRANSFORMS",
    "WordTransform",
    "as_number",
    "label",
    "read",
    "word",
]

ROOTS = ("evidence", "benefit", "detail", "candidate")
WordTransform = Literal["text", "label", "goal", "restriction"]
WORD_TRANSFORMS: frozenset[str] = frozenset(get_args(WordTransform))
_MISSING = object()


def read(candidate: Candidate, path: str) -> Any:
    """The value at ``path`` in ``candidate``, or None when any step is missing."""
    root, _, rest = path.partition(".")
    value: Any
    if root == "evidence":
        value = candidate.evidence
    elif root == "detail":
        value = candidate.detail
    elif root == "benefit":
        value = {"amount": candidate.benefit.amount, "percentage": candidate.benefit.percentage}
    elif root == "candidate":
        value = {
            "deadline": candidate.deadline,
            "goal_id": candidate.goal_id,
            "urgency": candidate.urgency,
        }
    else:
        raise ValueError(f"{path!r} does not start with one of {', '.join(ROOTS)}")
    for step in rest.split(".") if rest else ():
        if not isinstance(value, Mapping):
            return None
        value = value.get(step, _MISSING)
        if value is _MISSING:
            return None
    return value


def as_number(value: Any) -> Decimal | date | None:
    """An evidence value as a number (decimals are strings in evidence) or a date; None if not."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def label(code: str) -> str:
    """``INFORMATION_TECHNOLOGY`` → ``information technology``."""
    return code.replace("_", " ").lower()


def word(transform: WordTransform, value: Any, client: Client) -> str | None:
    """A word or phrase for the reader, or None when the value is missing."""
    if value is None:
        return None
    if transform == "text":
        return str(value)
    if transform == "label":
        return label(str(value))
    if transform == "goal":
        goal = next((g for g in client.profile.goals if g.goal_id == value), None)
        if goal is None:
            return None
        return f"“{goal.name}” goal" if goal.name else f"{label(goal.goal_type)} goal"
    return _restriction(value)


def _restriction(reasons: Any) -> str | None:
    """What the client restricted, from CONSTRAINT_VIOLATION's ``reasons`` (first one wins)."""
    if not isinstance(reasons, list) or not reasons:
        return None
    kind, _, code = str(sorted(reasons, key=_restriction_order)[0]).partition(":")
    if kind == "INVOLVEMENT":
        return label(code)
    if kind == "SECTOR":
        return f"the {label(code)} sector"
    return "this holding"


def _restriction_order(reason: Any) -> int:
    # An involvement (tobacco) is what the client will recognise first, then a sector.
    text = str(reason)
    return 0 if text.startswith("INVOLVEMENT") else 1 if text.startswith("SECTOR") else 2
