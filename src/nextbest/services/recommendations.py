"""The decision loop as a service: answer a recommendations request.

``Recommender`` is one per process. It holds the decision engine and its learning models; a
request reads the client, profile, portfolio, signals and recent recommendations in one unit of
work, decides, and stores the decision log in the same transaction. What clients then do with
the answer (outcomes, feedback, expiry) is ``services.learning``, which shares the engine: the
recommender's ``learning``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import structlog
from prometheus_client import Counter

from nextbest.behavior.profile import ProfileReport, ProfileStatus
from nextbest.decision.catalog import Catalog
from nextbest.decision.contact import ContactPolicy
from nextbest.decision.engine import Decision, DecisionEngine, Oracle, Policy, Served
from nextbest.decision.models import DecisionModels
from nextbest.decision.policy import Considered
from nextbest.decision.propensity import DataGate
from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client
from nextbest.domain.enums import Channel
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Recommendation, Status
from nextbest.errors import NotFound
from nextbest.presentation import (
    Framing,
    PresentationError,
    Presented,
    Presenter,
    Reader,
    default_presenter,
    reader_for,
    reasons_for,
)
from nextbest.services.audit import Batched, Write
from nextbest.services.decision_log import AnswerItem, decision_record
from nextbest.services.experiment_treatments import (
    NO_TREATMENTS,
    ExperimentTreatments,
    Treatments,
)
from nextbest.services.learning import Learning
from nextbest.services.profiles import ProfileConfig, profile_for, segment_model_at
from nextbest.services.signals import SignalEngine, signals_in
from nextbest.settings import DecisionSettings
from nextbest.storage.repositories.recommendations import DecisionRecord, NewRecommendation
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "Answer",
    "AnswerItem",
    "Candidates",
    "Recommender",
    "build_recommender",
]

log = structlog.get_logger("nextbest.decision")

FALLBACKS = Counter(
    "nextbest_model_fallbacks_total",
    "Recommendations scored by the seed 002 baseline because a model failed",
)

Candidates = Callable[[UnitOfWork, ClientId, datetime], Sequence[Candidate]]
"""Where a request's findings come from: the signal cache by default; a simulator may hold them."""

_PLAIN = Framing()


@dataclass(frozen=True, slots=True)
class Answer:
    decision_id: str
    client_id: ClientId
    channel: Channel
    policy: Policy
    profile_status: ProfileStatus
    message: str | None
    items: tuple[AnswerItem, ...]
    treatments: Treatments = NO_TREATMENTS
    """The experiment variants the answer was served under."""


@dataclass(slots=True)
class Recommender:
    engine: DecisionEngine
    profiles: ProfileConfig
    signals: SignalEngine
    sync_seconds: float = 1.0
    presenter: Presenter = field(default_factory=default_presenter)
    experiments: ExperimentTreatments = field(default_factory=ExperimentTreatments.off)
    hold_regulated: bool = True
    """Regulated suggestions wait in PENDING_REVIEW until an advisor approves them. Only the
    simulator turns this off: it has no advisor and stands for one who approves everything."""
    learning: Learning = field(init=False)
    """Outcomes, feedback and expiry, and the models' sync with the outcome log."""
    _lookback: timedelta = field(init=False, repr=False)
    """How far back a request reads the client's recommendations (the contact rules' reach)."""

    def __post_init__(self) -> None:
        longest = max((a.expiry_days for a in self.engine.catalog.actions), default=0)
        self._lookback = self.engine.contact.lookback(longest)
        self.learning = Learning(
            self.engine, self.profiles, self.experiments, sync_seconds=self.sync_seconds
        )

    # -- answering ----------------------------------------------------------------------------

    def recommend(
        self,
        client_id: ClientId,
        *,
        channel: Channel,
        limit: int,
        uow: UnitOfWork,
        now: datetime,
        policy: Policy = Policy.ENGINE,
        candidates: Candidates | None = None,
        oracle: Oracle | None = None,
        defer: list[Write] | None = None,
    ) -> Answer:
        """The client's answer on ``channel``, stored in the decision log in ``uow``'s
        transaction; with ``defer``, the decision log's writes are appended to it instead, and
        the caller commits them (the API does, with the request's audit entry) before the
        answer is shown to anyone."""
        with uow:
            self.learning.sync(uow)
            inputs = uow.decision_inputs.read(client_id)
            if inputs is None:
                raise NotFound("client", client_id)
            client, stored = inputs.client, inputs.profile
            if stored is not None and inputs.queued:
                stored = uow.profiles.fold_pending(stored, decay=self.profiles.decay)
            model = segment_model_at(uow, inputs.segment_version)
            profile = profile_for(client, stored, model=model, config=self.profiles, now=now)
            portfolio = inputs.totals
            found = (
                signals_in(
                    uow, client_id, engine=self.signals, now=now, probe=inputs.signals
                ).candidates
                if candidates is None
                else candidates(uow, client_id, now)
            )
            history = uow.recommendations.history(client_id, since=now - self._lookback)
            treatments = self.experiments.treatments(uow, client, profile, policy=policy, now=now)
            with self.learning.lock:
                decision = self.engine.decide(
                    client=client,
                    profile=profile,
                    portfolio=portfolio,
                    candidates=found,
                    channel=channel,
                    limit=limit,
                    now=now,
                    history=history,
                    policy=treatments.policy_for(policy),
                    oracle=oracle,
                    reviewed=self.hold_regulated,
                )
                version = self.engine.models.version
            if decision.fallback:
                FALLBACKS.inc()
            decision_id = str(uuid.uuid4())
            reader = reader_for(client, profile)
            items = [
                self._item(decision_id, client, decision, s, profile, reader, treatments)
                for s in decision.served
            ]
            versions = {
                "models": version,
                "catalog": self.engine.catalog.version,
                "signals": self.signals.fingerprint(),
                "gate": [self.engine.models.gate.accepted, self.engine.models.gate.not_accepted],
                "experiments": treatments.logged(),
            }
            record = decision_record(
                decision_id, client_id, decision, items, profile, versions=versions
            )
            new = [
                NewRecommendation(item.recommendation, served.context)
                for item, served in zip(items, decision.served, strict=True)
                if served.reuse is None
            ]
            shown = [i.recommendation for i in items]

            def delivered(into: UnitOfWork) -> None:
                self.experiments.delivered(into, treatments, client_id, shown, now=now)

            writes: list[Write] = [_DecisionLog(record, tuple(new)), delivered]
            if defer is None:
                for write in writes:
                    write(uow)
            else:
                defer.extend(writes)
            uow.commit()
        message = profile.message if profile.status is not ProfileStatus.PERSONALIZED else None
        return Answer(
            decision_id,
            client_id,
            channel,
            decision.policy,
            profile.status,
            message,
            tuple(i for i in items if i.recommendation.status is not Status.PENDING_REVIEW),
            treatments,
        )

    def _item(
        self,
        decision_id: str,
        client: Client,
        decision: Decision,
        served: Served,
        profile: ProfileReport,
        reader: Reader,
        treatments: Treatments = NO_TREATMENTS,
    ) -> AnswerItem:
        client_id = client.client_id
        c = served.considered
        assert c.score is not None
        assert c.rank is not None
        recommendation = served.reuse or Recommendation(
            recommendation_id=str(uuid.uuid4()),
            decision_id=decision_id,
            client_id=client_id,
            action_id=c.action.action_id,
            candidate_key=c.key,
            category=c.action.category,
            channel=decision.channel,
            rank=c.rank,
            score=c.score.priority,
            probability=served.probability,
            regulated=c.action.regulated,
            status=(
                Status.PENDING_REVIEW
                if c.action.regulated and self.hold_regulated
                else Status.DELIVERED
            ),
            status_at=decision.decided_at,
            delivered_at=decision.decided_at,
            deliver_at=served.deliver_at,
            expires_at=served.expires_at,
            segment=decision.segment,
        )
        return AnswerItem(
            recommendation,
            c.action,
            c.candidate,
            c.score,
            self._present(c, client, profile, reader, treatments.framing(c.action.action_id)),
            served.source,
        )

    def _present(
        self,
        c: Considered,
        client: Client,
        profile: ProfileReport,
        reader: Reader,
        framing: Framing = _PLAIN,
    ) -> Presented:
        """The action written for its reader; if a template cannot be filled (a custom
        detector without the evidence it reads) or fails in any other way, the plain name and
        finding, never an error."""
        reasons = tuple(
            dict.fromkeys(
                (*_decision_reasons(c), *reasons_for(c.action, c.candidate, client, profile))
            )
        )
        try:
            return self.presenter.render(
                c.action, c.candidate, client, reader, framing=framing, reasons=reasons
            )
        except PresentationError as error:
            log.error("presentation_failed", action=c.action.action_id, reason=str(error))
        except Exception as error:  # a template's bug costs the wording, never the answer
            log.error(
                "presentation_failed", action=c.action.action_id, error_type=type(error).__name__
            )
        plain = c.action.why if c.candidate is None else c.candidate.benefit.description
        return Presented(c.action.action_id, c.action.name, plain or "", reasons, (), {}, {})


@dataclass(frozen=True, slots=True)
class _DecisionLog(Batched):
    """One answer's decision log, written with the others the API's writer commits at once."""

    record: DecisionRecord
    new: tuple[NewRecommendation, ...]

    @classmethod
    def write_all(cls, uow: UnitOfWork, writes: Sequence[_DecisionLog]) -> None:
        uow.recommendations.add_decisions([(w.record, w.new) for w in writes])


def _decision_reasons(c: Considered) -> tuple[str, ...]:
    """Why the decision itself put the action here; the presentation adds the client's own."""
    reasons = []
    if c.action.mandatory:
        reasons.append("Required: it keeps your portfolio within the limits you set.")
    if c.action.why is not None:
        reasons.append(c.action.why)
    if c.candidate is not None and c.candidate.urgency >= 70:
        reasons.append("It is time-sensitive.")
    return tuple(reasons)


def build_recommender(
    catalog: Catalog,
    settings: DecisionSettings,
    *,
    profiles: ProfileConfig,
    signals: SignalEngine,
    experiments: ExperimentTreatments | None = None,
) -> Recommender:
    """The process's recommender, configured from the ``decision`` settings; ``experiments``
    applies the running experiments to its answers (none without it)."""
    engine = DecisionEngine(
        catalog,
        models=DecisionModels(gate=DataGate(settings.gate_accepted, settings.gate_not_accepted)),
        contact=ContactPolicy(
            suppress_after_dismissals=settings.suppress_after_dismissals,
            suppress_days=settings.suppress_days,
            rest_days_after_dismissal=settings.rest_days_after_dismissal,
            push_caps=dict(settings.push_caps),
        ),
        value_scale=settings.value_scale,
        per_category=settings.max_per_category,
        rng=np.random.default_rng(settings.seed),
    )
    return Recommender(
        engine,
        profiles,
        signals,
        sync_seconds=settings.model_sync_seconds,
        experiments=experiments or ExperimentTreatments.off(),
    )
