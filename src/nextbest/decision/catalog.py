"""The action catalog: what nextbest may suggest, loaded from YAML and checked when loaded.

The built-in catalog (``actions.yaml`` beside this module) holds one action per kind of signal
candidate plus behaviour-driven and content actions; a firm can point
``NEXTBEST_CATALOG_FILE`` at its own. Every field and rule is validated on load: a catalog with
a mistake is refused whole, with the action and field named, instead of half-working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from nextbest.decision.rules import Condition, Facts, Outcome, RuleError, parse_rule
from nextbest.domain.candidate import ActionType, Category, SignalType
from nextbest.domain.enums import Channel

__all__ = [
    "BENEFIT",
    "RULE_STAGES",
    "Action",
    "Catalog",
    "CatalogError",
    "load_catalog",
    "parse_catalog",
]

BENEFIT = "benefit"
"""``value: benefit``: the action is worth the signal's estimated benefit."""
RULE_STAGES = ("eligibility", "applicability", "suitability")
_KEYS = {
    "id",
    "name",
    "category",
    "action_type",
    "signals",
    "regulated",
    "mandatory",
    "content",
    "marketing",
    "channels",
    "value",
    "lever",
    "expiry_days",
    "rules",
    "why",
}


class CatalogError(ValueError):
    """The catalog file cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Action:
    action_id: str
    name: str
    category: Category
    channels: tuple[Channel, ...]
    value: Decimal | None
    """A fixed value in the client's currency, or None: the signal's estimated benefit."""
    lever: float
    expiry_days: int
    action_type: ActionType | None = None
    signals: tuple[SignalType, ...] = ()
    regulated: bool = False
    mandatory: bool = False
    content: bool = False
    marketing: bool = False
    rules: Mapping[str, tuple[Condition, ...]] = field(default_factory=dict)
    why: str | None = None
    """The client-facing reason of an action no finding stands behind (required for those)."""

    def check(self, facts: Facts) -> tuple[str, Outcome] | None:
        """The first rule (stage and outcome) the facts fail, or None when all pass."""
        for stage in RULE_STAGES:
            for rule in self.rules.get(stage, ()):
                outcome = rule.check(facts)
                if not outcome.passed:
                    return stage, outcome
        return None


@dataclass(frozen=True, slots=True)
class Catalog:
    version: int
    actions: tuple[Action, ...]

    def get(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.action_id == action_id), None)

    def for_signal(self, signal: SignalType, action_type: ActionType) -> Action | None:
        """The catalog action for a detector candidate of this signal and action type."""
        return next(
            (a for a in self.actions if signal in a.signals and a.action_type is action_type),
            None,
        )


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog at ``path``, or the built-in one."""
    if path is None:
        text = resources.files("nextbest.decision").joinpath("actions.yaml").read_text("utf-8")
        where = "built-in actions.yaml"
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as error:
            raise CatalogError(f"cannot read the catalog {path}: {error}") from error
        where = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CatalogError(f"{where} is not valid YAML: {error}") from error
    return parse_catalog(data, where=where)


def parse_catalog(data: Any, *, where: str = "catalog") -> Catalog:
    if not isinstance(data, Mapping) or not isinstance(data.get("actions"), list):
        raise CatalogError(f"{where}: expected a mapping with a list of actions")
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise CatalogError(f"{where}: version must be an integer")
    actions = []
    seen: set[str] = set()
    for index, item in enumerate(data["actions"]):
        action = _action(item, f"{where}: actions[{index}]")
        if action.action_id in seen:
            raise CatalogError(f"{where}: action id {action.action_id!r} is used twice")
        seen.add(action.action_id)
        actions.append(action)
    return Catalog(version=version, actions=tuple(actions))


def _action(item: Any, where: str) -> Action:
    if not isinstance(item, Mapping):
        raise CatalogError(f"{where}: expected a mapping")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(unknown)}")
    action_id = item.get("id")
    if not isinstance(action_id, str) or not action_id:
        raise CatalogError(f"{where}: id is required")
    where = f"{where} ({action_id})"
    try:
        return Action(
            action_id=action_id,
            name=_text(item, "name", where),
            category=Category(_text(item, "category", where)),
            channels=tuple(Channel(c) for c in _list(item, "channels", where, required=True)),
            value=_value(item.get("value"), where),
            lever=_positive(item.get("lever", 1.0), "lever", where),
            expiry_days=int(_positive(item.get("expiry_days", 30), "expiry_days", where)),
            action_type=None
            if item.get("action_type") is None
            else ActionType(item["action_type"]),
            signals=tuple(SignalType(s) for s in _list(item, "signals", where)),
            regulated=_flag(item, "regulated", where),
            mandatory=_flag(item, "mandatory", where),
            content=_flag(item, "content", where),
            marketing=_flag(item, "marketing", where),
            rules=_rules(item.get("rules", {}), where),
            why=_why(item, where),
        )
    except ValueError as error:  # an unknown enum value names itself in the message
        if isinstance(error, CatalogError):
            raise
        raise CatalogError(f"{where}: {error}") from error


def _why(item: Mapping[str, Any], where: str) -> str | None:
    """An action without signals must say why it is suggested; one with signals may."""
    if item.get("signals") and item.get("why") is None:
        return None
    return _text(item, "why", where)


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: {key} is required text")
    return value


def _list(item: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> list[Any]:
    value = item.get(key, [])
    if not isinstance(value, list) or (required and not value):
        raise CatalogError(f"{where}: {key} must be a {'non-empty ' if required else ''}list")
    return value


def _flag(item: Mapping[str, Any], key: str, where: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise CatalogError(f"{where}: {key} must be true or false")
    return value


def _positive(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise CatalogError(f"{where}: {key} must be a positive number")
    return float(value)


def _value(value: Any, where: str) -> Decimal | None:
    if value == BENEFIT:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise CatalogError(f"{where}: value must be an amount or {BENEFIT!r}") from error
    if not amount.is_finite() or amount <= 0 or isinstance(value, bool):
        raise CatalogError(f"{where}: value must be a positive amount or {BENEFIT!r}")
    return amount


def _rules(data: Any, where: str) -> dict[str, tuple[Condition, ...]]:
    if not isinstance(data, Mapping):
        raise CatalogError(f"{where}: rules must map a stage to a list of rules")
    unknown = sorted(set(data) - set(RULE_STAGES))
    if unknown:
        raise CatalogError(f"{where}: unknown rule stage(s) {', '.join(unknown)}")
    parsed: dict[str, tuple[Condition, ...]] = {}
    for stage, rules in data.items():
        if not isinstance(rules, Sequence) or isinstance(rules, str):
            raise CatalogError(f"{where}: rules.{stage} must be a list")
        try:
            parsed[stage] = tuple(
                parse_rule(rule, f"rules.{stage}[{i}]") for i, rule in enumerate(rules)
            )
        except RuleError as error:
            raise CatalogError(f"{where}: {error}") from error
    return parsed
