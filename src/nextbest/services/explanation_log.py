"""Reading a stored decision log entry defensively, for the explanations.

Logs written by older versions may lack keys; every reader here treats a missing or ill-typed
value as "not recorded", never as an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from nextbest.domain.recommendation import Recommendation
from nextbest.storage.repositories.recommendations import DecisionRecord, StatusChange

__all__ = [
    "COMPONENT_MEANINGS",
    "CONTACT_REMOVALS",
    "NOT_RECORDED",
    "Audience",
    "Logged",
    "decimal",
    "floats",
    "mapping",
    "number",
    "text",
    "texts",
]

NOT_RECORDED = "not recorded"

CONTACT_REMOVALS = frozenset({"ACCEPTED", "SUPPRESSED", "RESTING", "OPEN", "CAPPED"})
COMPONENT_MEANINGS = {
    "propensity": "how likely the client is to act, from the model named in source",
    "context_weight": "0.5 + urgency / 100 for a finding; 1 for an action without one",
    "value_weight": "1 + ln(1 + value / value scale), in the client's currency",
    "lever": "the business lever set in the action catalog",
}


class Audience(StrEnum):
    CLIENT = "client"
    STAFF = "staff"


# -- reading a stored log defensively ---------------------------------------------------------


# The log is JSON (orjson's dicts, lists, str, int, float), so exact type checks suffice; they
# are also several times cheaper than isinstance against the ABCs, on a path taken ~100 times
# per explanation.


def mapping(value: Any) -> Mapping[str, Any]:
    return value if type(value) is dict else {}


def number(value: Any) -> float | None:
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    return float(value) if kind is int else None  # a bool is not a number here


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def floats(value: Any) -> dict[str, float]:
    """The numeric values of a logged mapping (a named feature vector), by name."""
    found = {name: number(v) for name, v in mapping(value).items()}
    return {name: v for name, v in found.items() if v is not None}


def texts(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


@dataclass(frozen=True, slots=True)
class Logged:
    """One served recommendation with what its first decision stored about it.

    ``entry`` is the recommendation's line in the decision's ``considered`` list (empty when the
    log has none), ``considered`` every line of that list.
    """

    recommendation: Recommendation
    record: DecisionRecord | None
    changes: tuple[StatusChange, ...]
    entry: Mapping[str, Any]
    considered: tuple[Mapping[str, Any], ...]

    @classmethod
    def of(
        cls,
        recommendation: Recommendation,
        record: DecisionRecord | None,
        changes: Sequence[StatusChange] = (),
    ) -> Logged:
        lines = record.considered if record is not None else None
        considered = tuple(line for line in lines if type(line) is dict) if lines else ()
        rid, key = recommendation.recommendation_id, recommendation.candidate_key
        entry = next((c for c in considered if c.get("recommendation_id") == rid), None)
        if entry is None:  # an older log without ids on its lines: the same finding
            entry = next((c for c in considered if c.get("key") == key), {})
        return cls(recommendation, record, tuple(changes), entry, considered)

    @property
    def features(self) -> Mapping[str, Any]:
        return mapping(None if self.record is None else self.record.features)

    @property
    def versions(self) -> Mapping[str, Any]:
        return mapping(None if self.record is None else self.record.versions)

    @property
    def presented(self) -> Mapping[str, Any]:
        return mapping(self.entry.get("presented"))

    @property
    def score(self) -> Mapping[str, Any]:
        return mapping(self.entry.get("score"))

    @property
    def served_features(self) -> Mapping[str, float]:
        served = mapping(self.features.get("served"))
        return floats(served.get(self.recommendation.recommendation_id))
