"""Why a recommendation was served, rebuilt from the decision log: for the client and for staff.

An explanation reads only what the decision stored when it was made (the score components, the
model behind each propensity, the evidence, the text shown, the arbitration trace and the
versions), so it says what was decided then, not what today's models would do. A recommendation
served again later keeps its first decision, and that is the one explained.

Logs written by older versions may lack keys; every reader here treats a missing or ill-typed
value as "not recorded" (staff see the list under ``not_recorded``), never as an error.

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
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from nextbest.decision.contact import ContactPolicy
from nextbest.domain.recommendation import Recommendation
from nextbest.errors import NotFound
from nextbest.storage.repositories.recommendations import DecisionRecord, StatusChange
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "NOT_RECORDED",
    "Audience",
    "ClientExplanation",
    "Component",
    "Control",
    "Logged",
    "StaffExplanation",
    "TraceEntry",
    "arbitration_trace",
    "client_explanation",
    "explain",
    "score_components",
    "staff_explanation",
]

NOT_RECORDED = "not recorded"

_CONTACT_REMOVALS = frozenset({"ACCEPTED", "SUPPRESSED", "RESTING", "OPEN", "CAPPED"})
_COMPONENTS = {
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
    values = {name: number(score.get(name)) for name in _COMPONENTS}
    logs = {n: math.log(v) if v is not None and v > 0 else None for n, v in values.items()}
    total = sum(abs(v) for v in logs.values() if v is not None)

    def share(log: float | None) -> float | None:
        return None if log is None else (abs(log) / total if total else 0.0)

    return tuple(
        Component(name, values[name], logs[name], share(logs[name]), meaning)
        for name, meaning in _COMPONENTS.items()
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
                else ("contact" if removed in _CONTACT_REMOVALS else "engagement"),
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


# -- the client ---------------------------------------------------------------------------------

_TOPICS = {
    "GOAL": "your goals",
    "RETIREMENT": "retirement",
    "ESG": "sustainable investing",
    "COMPLIANCE": "the limits you set",
    "RISK": "risk",
    "REBALANCING": "rebalancing",
    "TAX": "tax",
    "CASH": "cash",
    "SAVINGS": "saving",
    "PROTECTION": "protection",
    "CONTENT": "articles and tips",
}
_SOURCES = {
    "segment": "It reflects how clients in a similar situation have responded to suggestions "
    "like this.",
    "contextual": "It reflects how clients with circumstances like yours have responded to "
    "suggestions like this, and how you have responded yourself.",
    "standard": "Your suggestions are not personalised, so it is ranked by how often clients "
    "in general act on suggestions like this.",
    "baseline": "It is ranked by how well it fits your stage of life, your experience with "
    "investing and how you have responded to similar suggestions.",
}
_HOW_TO_IMPROVE = (
    "Complete your financial goals, so suggestions can aim at what you are saving for.",
    "Complete your profile, so suggestions fit your situation.",
    "Set your preferences: how much detail you like, how you want to hear from us and which "
    "kinds of suggestion you do not want.",
    "Rate suggestions, or tell us when one is not relevant: what you tell us shapes what you "
    "see next.",
)


@dataclass(frozen=True, slots=True)
class Control:
    """A request the host application can offer beside the explanation."""

    label: str
    method: str
    path: str
    field: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class ClientExplanation:
    recommendation_id: str
    title: str | None
    decided_at: datetime | None
    main_reasons: tuple[str, ...]
    contributing_factors: tuple[str, ...]
    what_would_change: tuple[str, ...]
    how_to_improve: tuple[str, ...]
    controls: tuple[Control, ...]


def client_explanation(
    logged: Logged, *, contact: ContactPolicy, now: datetime
) -> ClientExplanation:
    """The decision in plain words: the reasons shown, what else counted, what would change it
    and how to make suggestions more relevant (seed 002's ``explain_personalization``)."""
    r = logged.recommendation
    reasons = texts(logged.presented.get("reasons"))
    if not reasons:
        reasons = ("The reasons shown with this suggestion were not recorded.",)
    factors = [f for f in _factors(logged) if f not in reasons]
    return ClientExplanation(
        recommendation_id=r.recommendation_id,
        title=text(logged.presented.get("title")),
        decided_at=None if logged.record is None else logged.record.decided_at,
        main_reasons=reasons,
        contributing_factors=tuple(dict.fromkeys(factors)),
        what_would_change=_changes(logged, contact, now),
        how_to_improve=_improve(logged),
        controls=_controls(r),
    )


def _factors(logged: Logged) -> list[str]:
    entry, score = logged.entry, logged.score
    factors = []
    if entry.get("mandatory") is True:
        factors.append(
            "It is required: your portfolio is outside a limit you set, so it comes first."
        )
    urgency = number(entry.get("urgency"))
    if urgency is not None and urgency >= 70 and not _says_urgent(logged):
        factors.append("It is time-sensitive, which moved it up the list.")
    elif urgency is not None and urgency > 50:
        factors.append("It is fairly pressing, which moved it up a little.")
    amount = _shown_amount(logged)
    weight = number(score.get("value_weight"))
    if amount is not None and weight is not None and weight > 1.2:
        factors.append(
            f"It involves about {amount}, a sizeable sum for you, which counts in its favour."
        )
    served = logged.served_features
    if served.get("category.accepted", 0.0) > 0:
        factors.append("You have accepted similar suggestions before.")
    if served.get("category.dismissed", 0.0) > 0:
        factors.append("You have turned down some similar suggestions, which counts against it.")
    source = text(entry.get("source"))
    if source in _SOURCES:
        factors.append(_SOURCES[source])
    lever = number(score.get("lever"))
    if lever is not None and lever > 1:
        factors.append("Your provider gives this kind of suggestion extra weight.")
    elif lever is not None and lever < 1:
        factors.append("Your provider gives this kind of suggestion a little less weight.")
    return factors


def _says_urgent(logged: Logged) -> bool:
    """Whether the reasons shown already said so (the decision adds one for urgent findings)."""
    return any("time-sensitive" in reason for reason in texts(logged.presented.get("reasons")))


def _shown_amount(logged: Logged) -> str | None:
    """The value the score counted, as the client saw it in the text (rounded, in currency)."""
    value = decimal(logged.score.get("value"))
    if value is None:
        return None
    for shown in mapping(logged.presented.get("numbers")).values():
        shown = mapping(shown)
        if decimal(shown.get("exact")) == value and isinstance(shown.get("shown"), str):
            return str(shown["shown"])
    return None


def _changes(logged: Logged, contact: ContactPolicy, now: datetime) -> tuple[str, ...]:
    r, entry = logged.recommendation, logged.entry
    days = max(1, (r.expires_at - r.delivered_at).days)
    lines = []
    if entry.get("mandatory") is True:
        lines.append("It stays until your portfolio is back within your limits.")
    elif r.status.value in ("ACCEPTED", "PARTIALLY_ACCEPTED"):
        lines.append(f"You acted on it, so it is not suggested again within {days} days.")
    elif r.status.value == "DISMISSED":
        lines.append(_dismissal(contact, "You dismissed it"))
    elif r.open and r.expires_at > now:
        lines.append(f"If you act on it, it is not suggested again within {days} days.")
        lines.append(_dismissal(contact, "If you dismiss it"))
        closes = r.expires_at
        lines.append(f"If you do nothing, it closes on {closes.day} {closes:%B %Y}.")
    else:
        lines.append("It has closed; it may be suggested again if it still applies.")
    if entry.get("signal") is not None:
        lines.append(
            "It is based on your portfolio and plans as they were then; when they change "
            "(for example, once you act on it), the suggestion changes too."
        )
    if entry.get("mandatory") is not True:
        topic = _TOPICS.get(r.category.value, "this topic")
        lines.append(f"You can turn off suggestions about {topic} in your preferences.")
    return tuple(lines)


def _dismissal(contact: ContactPolicy, opening: str) -> str:
    rest, times, days = (
        contact.rest_days_after_dismissal,
        contact.suppress_after_dismissals,
        contact.suppress_days,
    )
    return (
        f"{opening}: it is not shown again for {rest} days, and after {times} dismissals "
        f"within {days} days it stops for {days} days."
    )


def _improve(logged: Logged) -> tuple[str, ...]:
    lines = list(_HOW_TO_IMPROVE)
    status = text(logged.features.get("profile_status"))
    if status == "BUILDING":
        lines.insert(
            0,
            "Keep using the service: the more you do, the more your suggestions "
            "follow your own choices rather than general ones.",
        )
    if status == "OFF" or (logged.record is not None and logged.record.policy == "standard"):
        lines.insert(
            0,
            "Turn personalisation on in your preferences, so suggestions fit you "
            "rather than clients in general.",
        )
    return tuple(lines)


def _controls(r: Recommendation) -> tuple[Control, ...]:
    client, rid = r.client_id, r.recommendation_id
    controls = [
        Control(
            "Hide this kind of suggestion",
            "PUT",
            f"/v1/clients/{client}/preferences",
            "hidden_categories",
            r.category.value,
        ),
        Control("Rate this suggestion", "POST", f"/v1/recommendations/{rid}/feedback", "rating"),
    ]
    if r.open:
        controls.insert(
            0,
            Control(
                "Dismiss it", "POST", f"/v1/recommendations/{rid}/outcome", "status", "DISMISSED"
            ),
        )
    return tuple(controls)


# -- the service ----------------------------------------------------------------------------


def explain(
    recommendation_id: str,
    *,
    audience: Audience,
    uow: UnitOfWork,
    contact: ContactPolicy,
    now: datetime,
) -> ClientExplanation | StaffExplanation:
    """The explanation of a served recommendation for ``audience``, from its first decision.
    ``contact`` holds today's contact rules (what dismissing would do from now on)."""
    with uow:
        recommendation = uow.recommendations.get(recommendation_id)
        if recommendation is None:
            raise NotFound("recommendation", recommendation_id)
        record = uow.recommendations.decision(recommendation.decision_id)
        changes = uow.recommendations.changes(recommendation_id)
    logged = Logged.of(recommendation, record, changes)
    if audience is Audience.STAFF:
        return staff_explanation(logged)
    return client_explanation(logged, contact=contact, now=now)
