"""One decision: from a client's findings to the few actions served, and why.

``DecisionEngine.decide`` is pure: it reads nothing and writes nothing. It considers every
catalog action (engagement and contact policies remove some, each with its reason), draws each
remaining action's propensity from the policy's models, arbitrates, and estimates by drawing
again how likely the policy was to serve each action it served — the probability an off-policy
evaluation needs. The services layer loads its inputs and stores the result as the decision log.

Policies:

- ``engine``: the learning models (segment Thompson sampling, then the contextual model past the
  data gate, the client's own history in it trusted by its personal weight);
- ``standard``: the non-personalised ranking (each action's book-wide acceptance), for a client
  who turned personalisation off or has not consented to it;
- ``baseline``: seed 002's interpretable weighted score, also the fallback when a model fails;
- ``random``: a uniformly random order of the eligible actions;
- ``oracle``: the true acceptance probabilities, which only a simulator knows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
import structlog
from numpy.typing import NDArray

from nextbest.behavior.profile import ProfileReport, Source
from nextbest.decision.catalog import Action, Catalog
from nextbest.decision.contact import ContactPolicy, ContactState, deliver_at
from nextbest.decision.features import action_vector, client_features
from nextbest.decision.models import DecisionModels, Sampler
from nextbest.decision.policy import (
    VALUE_SCALE,
    Considered,
    Removal,
    arbitrate,
    baseline_propensity,
    consider,
)
from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client
from nextbest.domain.enums import Channel, ConsentPurpose
from nextbest.domain.portfolio import Portfolio, PortfolioTotals
from nextbest.domain.recommendation import Recommendation, Status

__all__ = [
    "Decision",
    "DecisionEngine",
    "Oracle",
    "Policy",
    "Served",
    "inclusion_probabilities",
    "under_review",
]

log = structlog.get_logger("nextbest.decision")

_NO_KEYS: frozenset[str] = frozenset()
"""No keys: nothing approved or held."""
Oracle = Callable[[Action, Candidate | None], float]
"""The true acceptance probability of an action for the client decided for (simulators only)."""


class Policy(StrEnum):
    ENGINE = "engine"
    STANDARD = "standard"
    BASELINE = "baseline"
    RANDOM = "random"
    ORACLE = "oracle"


@dataclass(frozen=True, slots=True)
class Served:
    considered: Considered
    probability: float
    """How often the policy's own draws served this action: its inclusion probability."""
    source: str
    """Which model gave the propensity: standard, segment, contextual, baseline, random, oracle."""
    context: tuple[float, ...]
    deliver_at: datetime
    expires_at: datetime
    reuse: Recommendation | None = None
    """The client's still-open recommendation of the same finding on this pull channel, served
    again under its own id."""

    @property
    def action(self) -> Action:
        return self.considered.action


@dataclass(frozen=True, slots=True)
class Decision:
    policy: Policy
    channel: Channel
    decided_at: datetime
    segment: str
    considered: tuple[Considered, ...]
    served: tuple[Served, ...]
    features: Mapping[str, float]
    sources: Mapping[str, str]
    """Consideration key → the model that gave its propensity."""
    fallback: str | None = None
    """Why a model was not used, when one failed."""


@dataclass(slots=True)
class DecisionEngine:
    catalog: Catalog
    models: DecisionModels = field(default_factory=DecisionModels)
    contact: ContactPolicy = field(default_factory=ContactPolicy)
    value_scale: float = VALUE_SCALE
    per_category: int = 2
    draws: int = 100
    """Draws per decision to estimate the serving probabilities."""
    rng: np.random.Generator = field(default_factory=np.random.default_rng)

    def decide(
        self,
        *,
        client: Client,
        profile: ProfileReport,
        portfolio: Portfolio | PortfolioTotals | None,
        candidates: Sequence[Candidate],
        channel: Channel,
        limit: int,
        now: datetime,
        history: Sequence[Recommendation] = (),
        policy: Policy = Policy.ENGINE,
        oracle: Oracle | None = None,
        reviewed: bool = False,
    ) -> Decision:
        """Decide for one request. ``reviewed``: regulated suggestions in this deployment wait
        for an advisor (``under_review``): a new one goes to the review queue without taking a
        place in the client's answer; an approved one the client has not seen comes first."""
        personal = profile.personalization and client.has_consent(ConsentPurpose.PERSONALIZATION)
        if policy is Policy.ENGINE and not personal:
            policy = Policy.STANDARD
        if policy is Policy.ORACLE and oracle is None:
            raise ValueError("the oracle policy needs the true probabilities")
        contact = self.contact.state(
            history, channel=channel, frequency=profile.notification_frequency.value, now=now
        )
        segment = "none" if profile.segment is None else str(profile.segment)
        shared = client_features(client, profile, channel, year=now.year)
        samplers: dict[str, Sampler] = {}
        vectors: dict[str, NDArray[np.float64]] = {}
        fallback: list[str] = []

        def propensity(action: Action, candidate: Candidate | None, report: ProfileReport) -> float:
            key = action.action_id if candidate is None else candidate.key
            x = action_vector(shared, action, candidate, report)
            vectors[key] = x
            sampler = self._sampler(policy, action, candidate, report, segment, x, oracle)
            if sampler is None:
                fallback.append(f"{action.action_id}: model failed, seed 002 baseline used")
                sampler = Sampler("baseline", fixed=baseline_propensity(action, candidate, report))
            samplers[key] = sampler
            return float(sampler.draw(self.rng, 1)[0])

        considered = consider(
            self.catalog,
            candidates,
            client=client,
            profile=profile,
            portfolio=portfolio,
            channel=channel,
            now=now,
            done_recently=frozenset(
                a.action_id for a in self.catalog.actions if contact.accepted_recently(a)
            ),
            propensity=propensity,
            blocked=contact.blocked,
            value_scale=self.value_scale,
        )
        remaining = contact.remaining()
        if remaining == 0:
            considered = [_capped(c, contact) for c in considered]
        allowed = limit if remaining is None else min(limit, remaining)
        approved, held = under_review(considered, contact) if reviewed else (_NO_KEYS, _NO_KEYS)
        ranked = arbitrate(
            considered,
            limit=allowed,
            per_category=self.per_category,
            first=approved,
            held=held,
        )
        probabilities = self._probabilities(
            considered, samplers, ranked, allowed, approved=approved, held=held
        )
        ranks = {c.key: c for c in ranked}
        trace = tuple(ranks.get(c.key, c) for c in considered)
        preferred = profile.preferred_hour_utc
        hour = None if preferred.source is Source.SEGMENT else preferred.value
        served = tuple(
            Served(
                considered=c,
                probability=probabilities.get(c.key, 1.0),
                source=_source(c, samplers, approved),
                context=tuple(float(v) for v in vectors.get(c.key, ())),
                deliver_at=deliver_at(now, channel, hour),
                expires_at=now + timedelta(days=c.action.expiry_days),
                reuse=contact.open_on_channel(c.action.action_id, c.key),
            )
            for c in ranked
        )
        return Decision(
            policy=policy,
            channel=channel,
            decided_at=now,
            segment=segment,
            considered=trace,
            served=served,
            features=shared,
            sources={key: sampler.source for key, sampler in samplers.items()},
            fallback="; ".join(fallback) or None,
        )

    def _sampler(
        self,
        policy: Policy,
        action: Action,
        candidate: Candidate | None,
        profile: ProfileReport,
        segment: str,
        x: NDArray[np.float64],
        oracle: Oracle | None,
    ) -> Sampler | None:
        """The action's propensity distribution under ``policy``; None when the model failed."""
        try:
            if policy is Policy.ORACLE and oracle is not None:
                return Sampler("oracle", fixed=oracle(action, candidate))
            if policy is Policy.RANDOM:
                return Sampler("random")
            if policy is Policy.BASELINE:
                return Sampler("baseline", fixed=baseline_propensity(action, candidate, profile))
            if policy is Policy.STANDARD:
                return self.models.standard(action.action_id)
            return self.models.sampler(
                action.action_id,
                action.category.value,
                segment,
                baseline=baseline_propensity(action, candidate, profile),
                x=x,
            )
        except (ArithmeticError, ValueError, KeyError) as error:
            log.error("model_failed", action=action.action_id, error_type=type(error).__name__)
            return None

    def _probabilities(
        self,
        considered: Sequence[Considered],
        samplers: Mapping[str, Sampler],
        ranked: Sequence[Considered],
        limit: int,
        *,
        approved: frozenset[str] = frozenset(),
        held: frozenset[str] = frozenset(),
    ) -> dict[str, float]:
        """Each served action's inclusion probability under the policy's own draws; the first
        draw is the one that decided, so a served action's probability is never zero. Mandatory
        and approved suggestions are served whatever the draws (probability 1); the approved
        ones take their places and their categories' share first. ``held`` ones are chosen
        for review when they rank above the answer's last place, taking none."""
        first = [c for c in ranked if c.key in approved]
        scored = [
            c
            for c in considered
            if c.removed is None and c.score and not c.action.mandatory and c.key not in approved
        ]
        limit -= len(first)
        if not scored or limit <= 0:
            return {}
        priorities = np.empty((len(scored), self.draws))
        for i, c in enumerate(scored):
            assert c.score is not None
            factor = c.score.context_weight * c.score.value_weight * c.score.lever
            priorities[i, 0] = c.score.propensity * factor
            priorities[i, 1:] = samplers[c.key].draw(self.rng, self.draws - 1) * factor
        categories = [c.action.category.value for c in scored]
        share = inclusion_probabilities(
            priorities,
            categories,
            limit,
            self.per_category,
            reserved=[c.action.category.value for c in first],
            held=[c.key in held for c in scored],
        )
        served = {c.key for c in ranked}
        return {c.key: float(share[i]) for i, c in enumerate(scored) if c.key in served}


def inclusion_probabilities(
    priorities: NDArray[np.float64],
    categories: Sequence[str],
    limit: int,
    per_category: int,
    *,
    reserved: Sequence[str] = (),
    held: Sequence[bool] = (),
) -> NDArray[np.float64]:
    """For each row (action), the share of columns (draws) in which ``arbitrate`` chooses it:
    among the ``limit`` highest priorities with at most ``per_category`` of one category,
    counting the categories of suggestions already placed (``reserved``) against that limit;
    a ``held`` row (for review) is chosen when it ranks above the last place and takes none."""
    n, draws = priorities.shape
    order = np.argsort(-priorities, axis=0, kind="stable")
    codes = {name: i for i, name in enumerate(dict.fromkeys([*categories, *reserved]))}
    category = np.array([codes[name] for name in categories])
    taken = np.zeros((len(codes), draws), dtype=np.int64)
    for name in reserved:
        taken[codes[name]] += 1
    waits = np.zeros(n, dtype=bool) if not held else np.asarray(held, dtype=bool)
    served = np.zeros((n, draws), dtype=bool)
    count = np.zeros(draws, dtype=np.int64)
    columns = np.arange(draws)
    for position in range(n):
        if (count >= limit).all():
            break  # every draw's answer is full: nothing further down is chosen or queued
        rows = order[position]
        cats = category[rows]
        queued = waits[rows] & (count < limit)
        ok = ~waits[rows] & (count < limit) & (taken[cats, columns] < per_category)
        served[rows[ok | queued], columns[ok | queued]] = True
        taken[cats[ok], columns[ok]] += 1
        count += ok
    result: NDArray[np.float64] = served.mean(axis=1)
    return result


def under_review(
    considered: Sequence[Considered], contact: ContactState
) -> tuple[frozenset[str], frozenset[str]]:
    """Where regulated suggestions wait for an advisor: among the regulated, non-mandatory ones
    still eligible now, those approved and not yet seen by the client (open on the channel,
    DELIVERED), which on a pull channel come first (the firm decided the client should see them;
    the engine does not get to rank them away; once VIEWED they are ranked like any other open
    suggestion), and those that would be new on the channel, which go to the review queue and
    take no place in the answer. Mandatory ones are decided apart from the limit anyway."""
    approved: set[str] = set()
    held: set[str] = set()
    for c in considered:
        if c.removed is not None or not c.action.regulated or c.action.mandatory:
            continue
        waiting = contact.open_on_channel(c.action.action_id, c.key)
        if waiting is None:
            held.add(c.key)
        elif waiting.status is Status.DELIVERED and not contact.push:
            approved.add(c.key)
    return frozenset(approved), frozenset(held)


def _source(c: Considered, samplers: Mapping[str, Sampler], approved: frozenset[str]) -> str:
    if c.action.mandatory:
        return "mandatory"
    return "approved" if c.key in approved else samplers[c.key].source


def _capped(c: Considered, contact: ContactState) -> Considered:
    if c.removed is not None or c.action.mandatory:
        return c
    return Considered(c.action, c.candidate, Removal.CAPPED, contact.cap_text())
