"""Engagement policies and arbitration: every action considered, each removal with its reason.

For one client and channel, every catalog action is considered — one per signal candidate it
answers, and each behaviour or content action once. An action is removed, with the reason kept
for the arbitration trace, when it is not offered on the channel, needs a consent the client has
not given, is in a category the client hid or keeps dismissing, or fails one of its rules
(eligibility, applicability, suitability). Mandatory actions (a constraint violation) skip all
of that and arbitration: they always come first.

The contact policy (``decision.contact``) may keep an action out too: accepted recently,
dismissed too often, already sent and unanswered, or the channel's cap reached.

The rest are ranked by priority = propensity * context weight * value * lever (Pega's
arbitration), ties broken by value, with at most k actions of one category. The value enters as
1 + ln(1 + value / scale): a large amount counts, but cannot swamp how likely the client is to
act. The default propensity is seed 002's interpretable weighted score; the learning models
(``decision.models``) supply theirs through ``consider``'s ``propensity``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from nextbest.behavior.profile import ProfileReport
from nextbest.decision.catalog import Action, Catalog
from nextbest.decision.facts import client_facts, facts_for
from nextbest.domain.candidate import Candidate, Category
from nextbest.domain.client import Client
from nextbest.domain.enums import Channel, LifeStage
from nextbest.domain.portfolio import Portfolio, PortfolioTotals

__all__ = [
    "Considered",
    "Removal",
    "ScoreParts",
    "arbitrate",
    "baseline_propensity",
    "consider",
]

MIN_VALUE = Decimal("1")
"""Value used when a signal action's candidate states no amount, so it still ranks."""
VALUE_SCALE = 1_000.0
"""Default scale of the value weight, in the client's currency."""


class Removal(StrEnum):
    CHANNEL = "CHANNEL"
    CONSENT = "CONSENT"
    HIDDEN = "HIDDEN"
    DISMISSED = "DISMISSED"
    ELIGIBILITY = "ELIGIBILITY"
    APPLICABILITY = "APPLICABILITY"
    SUITABILITY = "SUITABILITY"
    ACCEPTED = "ACCEPTED"
    SUPPRESSED = "SUPPRESSED"
    RESTING = "RESTING"
    OPEN = "OPEN"
    CAPPED = "CAPPED"


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """Each component of an action's priority, kept so a decision can be explained exactly."""

    propensity: float
    context_weight: float
    value: Decimal
    lever: float
    value_scale: float = VALUE_SCALE

    @property
    def value_weight(self) -> float:
        return 1.0 + math.log1p(float(self.value) / self.value_scale)

    @property
    def priority(self) -> float:
        return self.propensity * self.context_weight * self.value_weight * self.lever


@dataclass(frozen=True, slots=True)
class Considered:
    action: Action
    candidate: Candidate | None
    removed: Removal | None = None
    reason: str | None = None
    score: ScoreParts | None = None
    rank: int | None = None

    @property
    def key(self) -> str:
        """One consideration: the action, and the finding behind it if any."""
        return self.action.action_id if self.candidate is None else self.candidate.key


# -- the baseline propensity (seed 002's weighted score) ----------------------------------------

_LITERACY_NEEDED = {
    Category.TAX: 6,
    Category.REBALANCING: 5,
    Category.RISK: 5,
    Category.COMPLIANCE: 3,
    Category.ESG: 4,
    Category.RETIREMENT: 4,
    Category.GOAL: 3,
    Category.CASH: 3,
    Category.SAVINGS: 2,
    Category.PROTECTION: 3,
    Category.CONTENT: 1,
}
_LIFE_STAGE_RELEVANCE: dict[LifeStage, dict[Category, float]] = {
    LifeStage.EARLY_CAREER: {Category.SAVINGS: 1.0, Category.CASH: 0.9, Category.GOAL: 0.8},
    LifeStage.FAMILY_BUILDING: {Category.GOAL: 1.0, Category.PROTECTION: 1.0, Category.CASH: 0.8},
    LifeStage.MID_CAREER: {Category.RETIREMENT: 0.8, Category.TAX: 0.9, Category.GOAL: 0.8},
    LifeStage.PRE_RETIREMENT: {Category.RETIREMENT: 1.0, Category.RISK: 1.0, Category.TAX: 0.8},
    LifeStage.RETIRED: {Category.RISK: 1.0, Category.CASH: 0.9, Category.TAX: 0.8},
}


def baseline_propensity(
    action: Action, candidate: Candidate | None, profile: ProfileReport
) -> float:
    """Seed 002's weighted score in [0, 1]: category preference 40%, sophistication match 20%,
    life-stage relevance 20%, timing 10%, recent interactions 10%."""
    preference = profile.category(action.category.value)
    category = profile.default_category_mean if preference is None else preference.mean
    needed = _LITERACY_NEEDED.get(action.category, 3)
    sophistication = 1 - max(0, needed - profile.financial_literacy.value) / 9
    relevance = _LIFE_STAGE_RELEVANCE[profile.life_stage.value].get(action.category, 0.5)
    timing = 0.5 if candidate is None else candidate.urgency / 100
    recent = 0.0 if preference is None else min(1.0, preference.dismissed / 5)
    return (
        0.40 * category
        + 0.20 * sophistication
        + 0.20 * relevance
        + 0.10 * timing
        + 0.10 * (1 - recent)
    )


def _context_weight(candidate: Candidate | None) -> float:
    """Urgent findings weigh more: 0.5 for no urgency up to 1.5 at 100; actions without a
    finding weigh 1."""
    return 1.0 if candidate is None else 0.5 + candidate.urgency / 100


def _value(action: Action, candidate: Candidate | None) -> Decimal:
    if action.value is not None:
        return action.value
    amount = None if candidate is None else candidate.benefit.amount
    return MIN_VALUE if amount is None or amount < MIN_VALUE else amount


# -- consider and arbitrate -------------------------------------------------------------------

Propensity = Callable[[Action, Candidate | None, ProfileReport], float]
Blocked = Callable[[Action, str], tuple[Removal, str] | None]
"""The contact policy's verdict on an action for one consideration (its key)."""


def _never_blocked(action: Action, key: str) -> tuple[Removal, str] | None:
    return None


def consider(
    catalog: Catalog,
    candidates: Iterable[Candidate],
    *,
    client: Client,
    profile: ProfileReport,
    portfolio: Portfolio | PortfolioTotals | None,
    channel: Channel,
    now: datetime,
    done_recently: frozenset[str] = frozenset(),
    propensity: Propensity = baseline_propensity,
    blocked: Blocked = _never_blocked,
    value_scale: float = VALUE_SCALE,
) -> list[Considered]:
    """Every action considered for the client on ``channel``: removed ones with their reason,
    the others scored. ``done_recently`` holds action ids accepted within their cool-down;
    ``blocked`` is the contact policy's verdict on an action and finding."""
    pairs: list[tuple[Action, Candidate | None]] = []
    for found in candidates:
        answer = catalog.for_signal(found.signal, found.action_type)
        if answer is not None:
            pairs.append((answer, found))
    pairs += [(action, None) for action in catalog.actions if not action.signals]
    base = client_facts(client, profile, portfolio, now=now)
    considered = []
    for action, candidate in pairs:
        if action.mandatory:
            score = ScoreParts(
                1.0, _context_weight(candidate), _value(action, candidate), 1.0, value_scale
            )
            considered.append(Considered(action, candidate, score=score))
            continue
        facts = facts_for(
            base,
            action,
            candidate,
            client=client,
            channel=channel,
            done_recently=action.action_id in done_recently,
            now=now,
        )
        key = action.action_id if candidate is None else candidate.key
        removal = _removal(action, profile, channel, facts) or blocked(action, key)
        if removal is not None:
            considered.append(Considered(action, candidate, removed=removal[0], reason=removal[1]))
            continue
        score = ScoreParts(
            propensity=propensity(action, candidate, profile),
            context_weight=_context_weight(candidate),
            value=_value(action, candidate),
            lever=action.lever,
            value_scale=value_scale,
        )
        considered.append(Considered(action, candidate, score=score))
    return considered


def _removal(
    action: Action, profile: ProfileReport, channel: Channel, facts: dict[str, object]
) -> tuple[Removal, str] | None:
    category = action.category.value
    if channel not in action.channels:
        return Removal.CHANNEL, f"not offered on {channel.value}"
    if action.marketing and not facts["client.consent.marketing"]:
        return Removal.CONSENT, "marketing action without marketing consent"
    if category in profile.hidden_categories:
        return Removal.HIDDEN, f"the client hid {category}"
    if category in profile.dismissed_categories:
        return Removal.DISMISSED, f"the client keeps dismissing {category}"
    failed = action.check(facts)
    if failed is not None:
        stage, outcome = failed
        return Removal(stage.upper()), outcome.reason
    return None


def arbitrate(
    considered: Iterable[Considered],
    *,
    limit: int,
    per_category: int | None = None,
    first: frozenset[str] = frozenset(),
    held: frozenset[str] = frozenset(),
) -> list[Considered]:
    """Rank what was not removed: mandatory first, then the keys in ``first`` (suggestions an
    advisor approved), then priority, ties by value; at most ``limit`` besides the mandatory
    ones, and at most ``per_category`` of one category among those. The keys in ``held`` will
    wait for an advisor's review: one ranked above the last suggestion the client gets is
    chosen too (for the review queue) but takes no place in the answer nor in its category's
    share. Removed considerations keep no rank."""
    kept = [c for c in considered if c.removed is None and c.score is not None]
    ranked = sorted(
        kept,
        key=lambda c: (
            not c.action.mandatory,
            c.key not in first,
            -c.score.priority,  # type: ignore[union-attr]
            -c.score.value,  # type: ignore[union-attr]
            c.key,
        ),
    )
    chosen = [c for c in ranked if c.action.mandatory]
    per: dict[Category, int] = {}
    shown = 0
    for c in ranked:
        if shown >= limit:
            break
        if c.action.mandatory:
            continue
        if c.key in held:
            chosen.append(c)
            continue
        seen = per.get(c.action.category, 0)
        if per_category is not None and seen >= per_category:
            continue
        per[c.action.category] = seen + 1
        chosen.append(c)
        shown += 1
    return [
        Considered(c.action, c.candidate, c.removed, c.reason, c.score, rank)
        for rank, c in enumerate(chosen, start=1)
    ]
