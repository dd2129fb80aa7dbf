"""The staff explanation: every score component, the evidence, the versions and the arbitration
trace of one served recommendation, from its decision log entry.

>>> entry = {"key": "read-article", "action_id": "read-article", "category": "CONTENT",
...          "score": {"propensity": 0.5, "context_weight": 1.0, "value_weight": 1.0,
...                    "lever": 0.8, "priority": 0.4}}
>>> [(c.name, c.value) for c in score_components(entry)]
[('propensity', 0.5), ('context_weight', 1.0), ('value_weight', 1.0), ('lever', 0.8)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nextbest.services.explanation_log import (
    COMPONENT_MEANINGS,
    CONTACT_REMOVALS,
    NOT_RECORDED,
    Logged,
    floats,
    mapping,
    number,
    text,
    texts,
)
from nextbest.storage.repositories.recommendations import StatusChange

__all__ = [
    "Component",
    "StaffExplanation",
    "TraceEntry",
    "arbitration_trace",
    "score_components",
    "staff_explanation",
]

# -- staff --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Component:
    """One factor of the priority. The factors' natural logs add up to ln(priority); ``share``
    is this factor's part of the sum of their absolute logs (how much it moved the priority)."""

    name: str
    value: float | None
    log_value: float | None
    share: float | None
    meaning: str


def score_components(entry: Mapping[str, Any]) -> tuple[Component, ...]:
    """The four factors of a logged score, each with its exact value and contribution."""
    score = mapping(entry.get("score"))
    values = {name: number(score.get(name)) for name in COMPONENT_MEANINGS}
    logs = {n: math.log(v) if v is not None and v > 0 else None for n, v in values.items()}
    total = sum(abs(v) for v in logs.values() if v is not None)

    def share(log: float | None) -> float | None:
        return None if log is None else (abs(log) / total if total else 0.0)

    return tuple(
        Component(name, values[name], logs[name], share(logs[name]), meaning)
        for name, meaning in COMPONENT_MEANINGS.items()
    )


@dataclass(frozen=True, slots=True)
class TraceEntry:
    key: str
    action_id: str
    category: str
    mandatory: bool
    outcome: str
    """SERVED, NOT_SERVED (scored but outranked) or REMOVED (by a policy)."""
    policy: str | None
    """``engagement`` or ``contact`` for a removal."""
    removed: str | None
    reason: str
    priority: float | None
    source: str | None
    rank: int | None
    recommendation_id: str | None
    explained: bool


def arbitration_trace(
    considered: Sequence[Mapping[str, Any]], explained_key: str | None = None
) -> tuple[TraceEntry, ...]:
    """Every action considered: the served ones by rank, then the outranked ones by priority,
    then the removed ones with the policy and reason. Why an action was outranked is worked out
    from the logged priorities (the log does not store the answer's limit)."""
    priorities = [_priority(c) for c in considered]
    served = [c for c in considered if type(c.get("rank")) is int]
    floor = min(
        (
            p
            for c, p in zip(considered, priorities, strict=True)
            if p is not None and type(c.get("rank")) is int and not c.get("mandatory")
        ),
        default=None,
    )
    entries = []
    for c, priority in zip(considered, priorities, strict=True):
        key, removed, rank = str(c.get("key", NOT_RECORDED)), text(c.get("removed")), c.get("rank")
        if removed is not None:
            outcome, reason = "REMOVED", text(c.get("reason")) or NOT_RECORDED
        elif type(rank) is int:
            outcome, reason = "SERVED", f"rank {rank}"
        else:
            outcome, reason = "NOT_SERVED", _outranked(c, priority, served, floor)
        entries.append(
            TraceEntry(
                key=key,
                action_id=str(c.get("action_id", NOT_RECORDED)),
                category=str(c.get("category", NOT_RECORDED)),
                mandatory=c.get("mandatory") is True,
                outcome=outcome,
                policy=None
                if removed is None
                else ("contact" if removed in CONTACT_REMOVALS else "engagement"),
                removed=removed,
                reason=reason,
                priority=priority,
                source=text(c.get("source")),
                rank=rank if type(rank) is int else None,
                recommendation_id=text(c.get("recommendation_id")),
                explained=key == explained_key,
            )
        )
    order = {"SERVED": 0, "NOT_SERVED": 1, "REMOVED": 2}
    return tuple(
        sorted(
            entries,
            key=lambda e: (
                order[e.outcome],
                e.rank or 0,
                -(e.priority or 0.0) if e.outcome == "NOT_SERVED" else 0.0,
            ),
        )
    )


def _either(logged: float | None, stored: float) -> float:
    """The decision log's value, or the recommendation row's copy when the log lacks it."""
    return stored if logged is None else logged


def _priority(entry: Mapping[str, Any]) -> float | None:
    return number(mapping(entry.get("score")).get("priority"))


def _outranked(
    entry: Mapping[str, Any],
    priority: float | None,
    served: Sequence[Mapping[str, Any]],
    floor: float | None,
) -> str:
    if priority is None:
        return f"not served; its priority was {NOT_RECORDED}"
    if floor is None:
        return "not served: the answer had no room beyond its mandatory items"
    if priority > floor:
        same = sum(1 for c in served if c.get("category") == entry.get("category"))
        return f"not served: the category limit ({same} {entry.get('category')} already served)"
    return f"not served: priority {priority:.6g} below the last served ({floor:.6g})"


@dataclass(frozen=True, slots=True)
class StaffExplanation:
    recommendation_id: str
    decision_id: str
    client_id: str
    action_id: str
    key: str
    category: str
    channel: str
    policy: str | None
    decided_at: datetime | None
    status: str
    history: tuple[StatusChange, ...]
    mandatory: bool | None
    regulated: bool
    rank: int
    probability: float
    source: str | None
    priority: float
    product: float | None
    value: str | None
    components: tuple[Component, ...]
    signal: str | None
    urgency: float | None
    evidence: Mapping[str, Any]
    numbers: Mapping[str, Mapping[str, str]]
    title: str | None
    text: str | None
    reasons: tuple[str, ...]
    client_features: Mapping[str, float]
    served_features: Mapping[str, float]
    profile_status: str | None
    personal_weight: float | None
    segment: str | None
    versions: Mapping[str, Any]
    experiments: tuple[Mapping[str, Any], ...]
    arbitration: tuple[TraceEntry, ...]
    not_recorded: tuple[str, ...]


def staff_explanation(logged: Logged) -> StaffExplanation:
    """Every score component with its exact contribution, the evidence, the model versions and
    the arbitration trace, as the decision stored them."""
    r, entry, features = logged.recommendation, logged.entry, logged.features
    missing = [] if logged.record is not None else ["decision"]
    if logged.record is not None and not entry:
        missing.append("considered entry")
    components = score_components(entry)
    missing += [f"score.{c.name}" for c in components if c.value is None and entry]
    values = [c.value for c in components]
    product = math.prod(v for v in values if v is not None) if None not in values else None
    presented = logged.presented
    if entry and not presented:
        missing.append("presented")
    numbers = {
        name: {k: str(v) for k, v in mapping(shown).items()}
        for name, shown in mapping(presented.get("numbers")).items()
    }
    versions = logged.versions
    missing += [f"versions.{k}" for k in ("models", "catalog", "signals") if k not in versions]
    experiments = versions.get("experiments")
    return StaffExplanation(
        recommendation_id=r.recommendation_id,
        decision_id=r.decision_id,
        client_id=r.client_id,
        action_id=r.action_id,
        key=r.candidate_key,
        category=r.category.value,
        channel=r.channel.value,
        policy=None if logged.record is None else logged.record.policy,
        decided_at=None if logged.record is None else logged.record.decided_at,
        status=r.status.value,
        history=logged.changes,
        mandatory=entry["mandatory"] if isinstance(entry.get("mandatory"), bool) else None,
        regulated=r.regulated,
        rank=r.rank,
        probability=_either(number(entry.get("probability")), r.probability),
        source=text(entry.get("source")),
        priority=_either(_priority(entry), r.score),
        product=product,
        value=text(logged.score.get("value")),
        components=components,
        signal=text(entry.get("signal")),
        urgency=number(entry.get("urgency")),
        evidence=mapping(entry.get("evidence")),
        numbers=numbers,
        title=text(presented.get("title")),
        text=text(presented.get("text")),
        reasons=texts(presented.get("reasons")),
        client_features=floats(features.get("client")),
        served_features=logged.served_features,
        profile_status=text(features.get("profile_status")),
        personal_weight=number(features.get("personal_weight")),
        segment=text(features.get("segment")),
        versions={k: v for k, v in versions.items() if k != "experiments"},
        experiments=tuple(mapping(e) for e in experiments if isinstance(e, Mapping))
        if isinstance(experiments, list)
        else (),
        arbitration=arbitration_trace(logged.considered, text(entry.get("key"))),
        not_recorded=tuple(missing),
    )
