"""The client explanation: in plain words, why it was suggested, what counted, what would change
it and how to make suggestions more relevant (seed 002's explain_personalization)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nextbest.decision.contact import ContactPolicy
from nextbest.domain.recommendation import Recommendation
from nextbest.services.explanation_log import (
    Logged,
    decimal,
    mapping,
    number,
    text,
    texts,
)

__all__ = ["ClientExplanation", "Control", "client_explanation"]

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
