"""Experiments in the decision loop, against an in-memory repository: which treatments a client
gets, the holdout, what counts as an exposure and a conversion, the cache."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from nextbest.behavior.profile import ProfileReport
from nextbest.decision.engine import Policy
from nextbest.domain.candidate import Category
from nextbest.domain.client import Client
from nextbest.domain.enums import Channel, ConsentPurpose, RiskTolerance
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Recommendation, Status
from nextbest.experiments.assignment import Environment, ExperimentSpec, Layer, Variant
from nextbest.experiments.comparison import AnalysisPlan
from nextbest.experiments.lifecycle import (
    RATE_METRICS,
    Experiment,
    ExperimentStatus,
    TreatmentKind,
)
from nextbest.presentation.framing import BenefitEmphasis, UrgencyFraming
from nextbest.services.experiment_treatments import NO_TREATMENTS, ExperimentTreatments
from nextbest.services.profiles import ProfileConfig, profile_for
from nextbest.services.treatment_values import default_treatment, treatment_problems
from nextbest.settings import BehaviourSettings
from nextbest.storage.repositories.experiment_results import StatIncrement, StoredAssignment
from nextbest.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
K = TreatmentKind


@dataclass
class FakeExperiments:
    """The repository's experiment methods over dictionaries, counting its queries."""

    experiments: list[Experiment] = field(default_factory=list)
    layers: dict[str, Layer] = field(default_factory=dict)
    stored: dict[tuple[str, str, str], StoredAssignment] = field(default_factory=dict)
    converted: set[tuple[str, str, str, str]] = field(default_factory=set)
    stats: list[StatIncrement] = field(default_factory=list)
    acted: dict[tuple[str, str], int] = field(default_factory=dict)
    queries: int = 0

    def running(self) -> tuple[list[Experiment], dict[str, Layer]]:
        self.queries += 1
        return [e for e in self.experiments if e.status is ExperimentStatus.RUNNING], self.layers

    def assignments(
        self, client_id: str, environment: str, names: Collection[str]
    ) -> dict[str, StoredAssignment]:
        self.queries += 1
        return {n: a for (c, e, n), a in self.stored.items() if c == client_id and e == environment}

    def add_assignments(
        self, client_id: str, environment: str, pairs: list[tuple[str, str]], *, now: datetime
    ) -> int:
        added = 0
        for name, variant in pairs:
            key = (client_id, environment, name)
            if key not in self.stored:
                self.stored[key] = StoredAssignment(name, variant, None)
                added += 1
        return added

    def expose(
        self, client_id: str, environment: str, names: Collection[str], *, at: datetime
    ) -> list[tuple[str, str]]:
        done = []
        for name in names:
            key = (client_id, environment, name)
            found = self.stored.get(key)
            if found is not None and found.exposed_at is None:
                self.stored[key] = replace(found, exposed_at=at)
                done.append((name, found.variant))
        return done

    def convert(
        self,
        client_id: str,
        environment: str,
        names: Collection[str],
        *,
        metric: str,
        at: datetime,
        delivered_at: datetime,
    ) -> list[tuple[str, str]]:
        done = []
        for name in names:
            found = self.stored.get((client_id, environment, name))
            key = (client_id, environment, name, metric)
            if (
                found is not None
                and found.exposed_at is not None
                and found.exposed_at <= delivered_at
                and key not in self.converted
            ):
                self.converted.add(key)
                done.append((name, found.variant))
        return done

    def add_stats(self, increments: Iterable[StatIncrement]) -> None:
        self.stats.extend(increments)

    def acted_counts(self) -> dict[tuple[str, str], int]:
        self.queries += 1
        return dict(self.acted)


@dataclass
class FakeUow:
    experiments: FakeExperiments

    @property
    def experiment_results(self) -> FakeExperiments:
        """One fake stands for both repositories: definitions and what clients were given."""
        return self.experiments


def _experiment(
    name: str,
    kind: TreatmentKind,
    treatments: Mapping[str, str],
    shares: Mapping[str, int],
    *,
    status: ExperimentStatus = ExperimentStatus.RUNNING,
    **spec: Any,
) -> Experiment:
    return Experiment(
        spec=ExperimentSpec(name, tuple(Variant(v, s) for v, s in shares.items()), **spec),
        plan=AnalysisPlan(RATE_METRICS["acceptance_rate"], (RATE_METRICS["dismissal_rate"],)),
        kind=kind,
        treatments=treatments,
        hypothesis="h",
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


def _all_in(name: str, kind: TreatmentKind, variant: str, treatment: str) -> Experiment:
    """Every client in ``variant`` (the control holds no share)."""
    return _experiment(
        name,
        kind,
        {"CONTROL": default_treatment(kind, "CONTROL") or "CONTROL", variant: treatment},
        {"CONTROL": 0, variant: 100},
    )


def _client(personal: bool = True) -> tuple[Client, ProfileReport]:
    client = Client(
        ClientId("c-1"),
        1985,
        "GB",
        "GBP",
        RiskTolerance.MEDIUM,
        consents={ConsentPurpose.PERSONALIZATION: personal},
    )
    config = ProfileConfig.from_settings(BehaviourSettings())
    return client, profile_for(client, None, model=None, config=config, now=NOW)


def _recommendation(status: Status = Status.DELIVERED, at: datetime = NOW) -> Recommendation:
    return Recommendation(
        recommendation_id="r-1",
        decision_id="d-1",
        client_id=ClientId("c-1"),
        action_id="build-emergency-fund",
        candidate_key="k",
        category=Category.CASH,
        channel=Channel.IN_APP,
        rank=1,
        score=0.5,
        probability=1.0,
        regulated=False,
        status=status,
        status_at=at,
        delivered_at=at,
        deliver_at=at,
        expires_at=at + timedelta(days=7),
        segment="none",
    )


def _service(*experiments: Experiment, **options: Any) -> tuple[ExperimentTreatments, Any]:
    repository = FakeExperiments(list(experiments))
    service = ExperimentTreatments(Environment.PRODUCTION, refresh_seconds=0, **options)
    return service, cast(UnitOfWork, FakeUow(repository))


def test_seed_002_variant_names_imply_their_treatments() -> None:
    assert default_treatment(K.BENEFIT_EMPHASIS, "PERCENTAGE_FOCUS") == "PERCENTAGE"
    assert default_treatment(K.URGENCY_FRAMING, "high_urgency") == "HIGH_URGENCY"
    assert default_treatment(K.SOCIAL_PROOF, "SOCIAL_PROOF") == "SOCIAL_PROOF"
    assert default_treatment(K.RANKING_POLICY, "Standard") == "standard"
    assert default_treatment(K.RANKING_POLICY, "ORACLE") is None  # only a simulator knows it
    assert default_treatment(K.HOLDOUT, "PERSONALIZED") == "PERSONALISED"
    assert default_treatment(K.BENEFIT_EMPHASIS, "LOUD") is None


def test_treatment_problems_name_each_variant() -> None:
    problems = treatment_problems(
        K.HOLDOUT, {"A": None, "B": "PERSONALISED"}, targeted=True, layered=False
    )
    assert [where for where, _ in problems] == ["variants.0.treatment", "variants", "segments"]
    assert (
        treatment_problems(
            K.URGENCY_FRAMING,
            {"CONTROL": "CONTROL", "X": "LOW_PRESSURE"},
            targeted=False,
            layered=True,
        )
        == []
    )


def test_nothing_running_costs_one_cached_query_and_treats_nothing() -> None:
    service, uow = _service()
    service.refresh_seconds = 60
    client, profile = _client()
    for _ in range(3):
        assert (
            service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW) is NO_TREATMENTS
        )
    assert uow.experiments.queries == 1
    service.invalidate()
    service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    assert uow.experiments.queries == 2


def test_framing_experiments_set_the_framing_and_are_logged() -> None:
    service, uow = _service(
        _all_in("BENEFIT", K.BENEFIT_EMPHASIS, "MONETARY_FOCUS", "MONETARY"),
        _all_in("URGENCY", K.URGENCY_FRAMING, "LOW_PRESSURE", "LOW_PRESSURE"),
    )
    client, profile = _client()
    treatments = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    framing = treatments.framing("build-emergency-fund")
    assert (framing.emphasis, framing.urgency) == (
        BenefitEmphasis.MONETARY,
        UrgencyFraming.LOW_PRESSURE,
    )
    assert treatments.policy_for(Policy.ENGINE) is Policy.ENGINE
    assert [(e["experiment"], e["variant"]) for e in treatments.logged()] == [
        ("BENEFIT", "MONETARY_FOCUS"),
        ("URGENCY", "LOW_PRESSURE"),
    ]


def test_a_ranking_variant_replaces_only_the_engine_for_a_personalised_client() -> None:
    ranking = _all_in("RANKING", K.RANKING_POLICY, "BASELINE", "baseline")
    service, uow = _service(ranking)
    client, profile = _client()
    treated = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    assert treated.policy_for(Policy.ENGINE) is Policy.BASELINE
    asked = service.treatments(uow, client, profile, policy=Policy.RANDOM, now=NOW)
    assert asked.policy_for(Policy.RANDOM) is Policy.RANDOM
    assert asked.arms == ()
    off, off_profile = _client(personal=False)
    untouched = service.treatments(uow, off, off_profile, policy=Policy.ENGINE, now=NOW)
    assert untouched.arms == ()


def test_the_holdout_gets_the_standard_policy_and_joins_nothing_else() -> None:
    holdout = _all_in("GLOBAL_HOLDOUT", K.HOLDOUT, "HOLDOUT", "HOLDOUT")
    benefit = _all_in("BENEFIT", K.BENEFIT_EMPHASIS, "MONETARY_FOCUS", "MONETARY")
    service, uow = _service(benefit, holdout)
    client, profile = _client()
    treatments = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    assert treatments.policy_for(Policy.ENGINE) is Policy.STANDARD
    assert [arm.experiment for arm in treatments.arms] == ["GLOBAL_HOLDOUT"]
    assert treatments.framing("x").emphasis is BenefitEmphasis.CONTROL
    assert set(uow.experiments.stored) == {("c-1", "production", "GLOBAL_HOLDOUT")}
    # asked for another policy, the holdout still keeps the client out of other experiments
    other = service.treatments(uow, client, profile, policy=Policy.RANDOM, now=NOW)
    assert other.policy_for(Policy.RANDOM) is Policy.RANDOM
    assert [arm.experiment for arm in other.arms] == ["GLOBAL_HOLDOUT"]


def test_a_personalised_holdout_arm_changes_nothing() -> None:
    holdout = _all_in("GLOBAL_HOLDOUT", K.HOLDOUT, "PERSONALISED", "PERSONALISED")
    benefit = _all_in("BENEFIT", K.BENEFIT_EMPHASIS, "MONETARY_FOCUS", "MONETARY")
    service, uow = _service(holdout, benefit)
    client, profile = _client()
    treatments = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    assert treatments.policy is None
    assert {arm.experiment for arm in treatments.arms} == {"GLOBAL_HOLDOUT", "BENEFIT"}


def test_exposure_is_a_delivered_answer_counted_once() -> None:
    service, uow = _service(_all_in("BENEFIT", K.BENEFIT_EMPHASIS, "MONETARY_FOCUS", "MONETARY"))
    client, profile = _client()
    treatments = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    held = [_recommendation(Status.PENDING_REVIEW)]
    service.delivered(uow, treatments, client.client_id, held, now=NOW)
    assert uow.experiments.stats == []  # waiting for review: not delivered yet
    service.delivered(uow, treatments, client.client_id, [_recommendation()], now=NOW)
    service.delivered(uow, treatments, client.client_id, [_recommendation()], now=NOW)
    assert [(s.variant, s.metric, s.stat.n) for s in uow.experiments.stats] == [
        ("MONETARY_FOCUS", "acceptance_rate", 1),
        ("MONETARY_FOCUS", "dismissal_rate", 1),
    ]
    again = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    assert all(arm.exposed for arm in again.arms)


def test_an_outcome_converts_its_metrics_once_and_only_while_running() -> None:
    experiment = _all_in("BENEFIT", K.BENEFIT_EMPHASIS, "MONETARY_FOCUS", "MONETARY")
    service, uow = _service(experiment)
    client, profile = _client()
    treatments = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    service.delivered(uow, treatments, client.client_id, [_recommendation()], now=NOW)
    uow.experiments.stats.clear()
    service.outcome(uow, _recommendation(), Status.VIEWED, now=NOW)  # engagement: not planned
    service.outcome(uow, _recommendation(), Status.ACCEPTED, now=NOW)
    service.outcome(uow, _recommendation(), Status.ACCEPTED, now=NOW)
    assert [(s.metric, s.stat.conversions) for s in uow.experiments.stats] == [
        ("acceptance_rate", 1)
    ]
    uow.experiments.experiments = [replace(experiment, status=ExperimentStatus.STOPPED)]
    service.invalidate()
    service.outcome(uow, _recommendation(), Status.DISMISSED, now=NOW)
    assert len(uow.experiments.stats) == 1  # a stopped experiment counts nothing


@pytest.mark.parametrize(
    ("segment", "count", "shown"),
    [(2, 30, 30), (2, 24, None), (None, 30, None)],
)
def test_social_proof_is_a_real_count_shown_from_the_floor(
    segment: int | None, count: int, shown: int | None
) -> None:
    experiment = _all_in("PROOF", K.SOCIAL_PROOF, "SOCIAL_PROOF", "SOCIAL_PROOF")
    service, uow = _service(experiment, social_proof_floor=25)
    uow.experiments.acted = {("build-emergency-fund", "2"): count, ("rebalance", "2"): 99}
    client, profile = _client()
    profile = replace(profile, segment=segment)
    treatments = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW)
    framing = treatments.framing("build-emergency-fund")
    assert (framing.social_proof if framing.shows_social_proof else None) == shown
    assert treatments.framing("never-accepted").shows_social_proof is False


def test_layers_give_a_client_one_experiment_of_the_layer() -> None:
    layer = Layer("wording", "wording").with_experiment("A", 50).with_experiment("B", 50)
    a = _experiment(
        "A",
        K.BENEFIT_EMPHASIS,
        {"CONTROL": "CONTROL", "M": "MONETARY"},
        {"CONTROL": 50, "M": 50},
        layer="wording",
    )
    b = _experiment(
        "B",
        K.BENEFIT_EMPHASIS,
        {"CONTROL": "CONTROL", "P": "PERCENTAGE"},
        {"CONTROL": 50, "P": 50},
        layer="wording",
    )
    service, uow = _service(a, b)
    uow.experiments.layers = {"wording": layer}
    _, profile = _client()
    seen: set[str] = set()
    for n in range(200):
        client = replace(_client()[0], client_id=ClientId(f"c-{n}"))
        arms = service.treatments(uow, client, profile, policy=Policy.ENGINE, now=NOW).arms
        assert len(arms) == 1
        seen.add(arms[0].experiment)
    assert seen == {"A", "B"}
