"""Engagement rules: declarative conditions over known facts, checked when loaded, never ``eval``.

A rule is plain data (it comes from the action catalog's YAML)::

    {"all": [
        {"field": "client.risk_tolerance", "op": "in", "value": ["VERY_LOW", "LOW"]},
        {"not": {"field": "signal.raises_equity", "op": "eq", "value": true}},
    ]}

``all``, ``any`` and ``not`` combine conditions; a comparison names a field from :data:`FIELDS`,
an operator and a value of the field's type. Anything else is refused at load time with the
path of the offending part, so a typo in the catalog never reaches a client. A comparison on a
fact that is missing is false, and says so in its reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from nextbest.domain.candidate import Category, SignalType
from nextbest.domain.enums import (
    Channel,
    EngagementLevel,
    InvestmentStyle,
    LifeStage,
    RiskTolerance,
)

__all__ = ["FIELDS", "Comparison", "Condition", "Facts", "Outcome", "RuleError", "parse_rule"]

Facts = Mapping[str, Any]
"""Field path → value for one client, action and moment; missing keys are unknown facts."""


class RuleError(ValueError):
    """A rule that cannot be evaluated safely; the message names where it is wrong."""


@dataclass(frozen=True, slots=True)
class FieldType:
    kind: str
    """``number``, ``bool``, ``text`` or ``choice``."""
    choices: tuple[str, ...] = ()
    doc: str = ""


def _choice(values: type[StrEnum], doc: str) -> FieldType:
    return FieldType("choice", tuple(v.value for v in values), doc)


FIELDS: Mapping[str, FieldType] = {
    "client.age": FieldType("number", doc="age this year"),
    "client.country": FieldType("text", doc="ISO 3166 code"),
    "client.risk_tolerance": _choice(RiskTolerance, "stated risk tolerance"),
    "client.goal_count": FieldType("number", doc="goals on the client profile"),
    "client.consent.marketing": FieldType("bool", doc="marketing consent given"),
    "client.consent.personalization": FieldType("bool", doc="personalization consent given"),
    "profile.engagement_level": _choice(EngagementLevel, "from recency and frequency"),
    "profile.literacy": FieldType("number", doc="financial literacy 1-10"),
    "profile.life_stage": _choice(LifeStage, "from age and goals"),
    "profile.investment_style": _choice(InvestmentStyle, "from what the client uses"),
    "profile.completeness": FieldType("number", doc="share of the profile filled, 0-1"),
    "profile.sessions_per_week": FieldType("number", doc="decayed sessions per week"),
    "profile.days_since_active": FieldType("number", doc="days since the last event"),
    "portfolio.exists": FieldType("bool", doc="a portfolio is on file"),
    "portfolio.market_value": FieldType("number", doc="in the base currency"),
    "portfolio.monthly_contribution": FieldType("number", doc="in the base currency"),
    "signal.type": _choice(SignalType, "the detector's signal, for signal actions"),
    "signal.urgency": FieldType("number", doc="0-100"),
    "signal.raises_equity": FieldType("bool", doc="the suggested trades buy equities"),
    "signal.goal_years_to_target": FieldType("number", doc="years to the goal concerned"),
    "action.category": _choice(Category, "the action's category"),
    "action.done_recently": FieldType("bool", doc="accepted within its cool-down"),
    "request.channel": _choice(Channel, "where the answer is shown"),
}
"""Every fact a rule may use. Adding one here is the only way to make it usable."""

_OPERATORS = {
    "eq": ("number", "bool", "text", "choice"),
    "ne": ("number", "bool", "text", "choice"),
    "lt": ("number",),
    "le": ("number",),
    "gt": ("number",),
    "ge": ("number",),
    "in": ("text", "choice"),
    "not_in": ("text", "choice"),
    "exists": ("number", "bool", "text", "choice"),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    passed: bool
    reason: str
    """Why it passed or failed, in words a compliance reviewer can read."""


class Condition(ABC):
    """A parsed rule; :meth:`check` evaluates it over facts."""

    @abstractmethod
    def check(self, facts: Facts) -> Outcome:
        """Whether the facts meet the rule, and why."""


@dataclass(frozen=True, slots=True)
class Comparison(Condition):
    field: str
    op: str
    value: Any

    def check(self, facts: Facts) -> Outcome:
        present = self.field in facts and facts[self.field] is not None
        if self.op == "exists":
            return Outcome(
                present == self.value, f"{self.field} is {'' if present else 'not '}known"
            )
        if not present:
            return Outcome(False, f"{self.field} is not known")
        actual = facts[self.field]
        if isinstance(actual, StrEnum):
            actual = actual.value
        passed = _compare(self.op, actual, self.value)
        return Outcome(
            passed,
            f"{self.field} = {actual!r} {'meets' if passed else 'fails'} {self.op} {self.value!r}",
        )


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "in":
        return bool(actual in expected)
    if op == "not_in":
        return bool(actual not in expected)
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    if op == "lt":
        return bool(actual < expected)
    if op == "le":
        return bool(actual <= expected)
    if op == "gt":
        return bool(actual > expected)
    return bool(actual >= expected)


@dataclass(frozen=True, slots=True)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def check(self, facts: Facts) -> Outcome:
        for part in self.parts:
            outcome = part.check(facts)
            if not outcome.passed:
                return outcome
        return Outcome(True, "all of: " + "; ".join(p.check(facts).reason for p in self.parts))


@dataclass(frozen=True, slots=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def check(self, facts: Facts) -> Outcome:
        reasons = []
        for part in self.parts:
            outcome = part.check(facts)
            if outcome.passed:
                return outcome
            reasons.append(outcome.reason)
        return Outcome(False, "none of: " + "; ".join(reasons))


@dataclass(frozen=True, slots=True)
class Not(Condition):
    part: Condition

    def check(self, facts: Facts) -> Outcome:
        outcome = self.part.check(facts)
        return Outcome(not outcome.passed, f"not ({outcome.reason})")


def parse_rule(data: Any, where: str = "rule") -> Condition:
    """Turn rule data into a condition, or raise :class:`RuleError` naming the bad part."""
    if not isinstance(data, Mapping):
        raise RuleError(f"{where}: expected a mapping, got {type(data).__name__}")
    keys = set(data)
    for combinator, build in (("all", AllOf), ("any", AnyOf)):
        if keys == {combinator}:
            parts = data[combinator]
            if not isinstance(parts, Sequence) or isinstance(parts, str) or not parts:
                raise RuleError(f"{where}.{combinator}: expected a non-empty list of conditions")
            return build(
                tuple(parse_rule(p, f"{where}.{combinator}[{i}]") for i, p in enumerate(parts))
            )
    if keys == {"not"}:
        return Not(parse_rule(data["not"], f"{where}.not"))
    if keys != {"field", "op", "value"}:
        raise RuleError(
            f"{where}: expected all/any/not, or field/op/value; got {', '.join(sorted(keys))}"
        )
    return _comparison(data["field"], data["op"], data["value"], where)


def _comparison(field: Any, op: Any, value: Any, where: str) -> Comparison:
    kind = FIELDS.get(field) if isinstance(field, str) else None
    if kind is None:
        raise RuleError(f"{where}.field: unknown field {field!r}; known: {', '.join(FIELDS)}")
    if op not in _OPERATORS:
        raise RuleError(f"{where}.op: unknown operator {op!r}; known: {', '.join(_OPERATORS)}")
    if kind.kind not in _OPERATORS[op]:
        raise RuleError(f"{where}.op: {op!r} does not apply to {field} ({kind.kind})")
    if op == "exists":
        if not isinstance(value, bool):
            raise RuleError(f"{where}.value: exists takes true or false")
        return Comparison(field, op, value)
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise RuleError(f"{where}.value: {op} takes a non-empty list")
        for item in value:
            _check_value(kind, item, f"{where}.value", field)
        return Comparison(field, op, tuple(value))
    _check_value(kind, value, f"{where}.value", field)
    return Comparison(field, op, value)


def _check_value(kind: FieldType, value: Any, where: str, field: str) -> None:
    if kind.kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind.kind == "bool":
        ok = isinstance(value, bool)
    elif kind.kind == "choice":
        ok = value in kind.choices
    else:
        ok = isinstance(value, str)
    if not ok:
        hint = f" (one of {', '.join(kind.choices)})" if kind.kind == "choice" else ""
        raise RuleError(f"{where}: {value!r} is not a valid {kind.kind} for {field}{hint}")
