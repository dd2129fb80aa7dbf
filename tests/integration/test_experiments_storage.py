"""Experiments on a real database (SQLite always, PostgreSQL when configured): definitions and
layers, sticky assignments, counting once, the daily statistics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.ids import ClientId
from nextbest.errors import ValidationFailed
from nextbest.experiments.assignment import Environment, assign
from nextbest.experiments.lifecycle import ExperimentStatus, Transition, TreatmentKind
from nextbest.experiments.sufficient import DayStats, Proportion
from nextbest.services.clients import put_client
from nextbest.services.experiment_treatments import place_client
from nextbest.services.experiments import (
    NewExperiment,
    NewVariant,
    change_status,
    create_experiment,
    get_experiment,
)
from nextbest.storage.repositories.experiment_results import StatIncrement
from nextbest.storage.unit_of_work import UnitOfWork
from tests.integration.test_repositories import a_client

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
PRODUCTION = Environment.PRODUCTION


def _new(name: str = "BENEFIT_EMPHASIS", **overrides: Any) -> NewExperiment:
    return replace(
        NewExperiment(
            name=name,
            hypothesis="money talks",
            kind=TreatmentKind.BENEFIT_EMPHASIS,
            variants=(
                NewVariant("CONTROL", Decimal("33.34"), description="as written"),
                NewVariant("MONETARY_FOCUS", Decimal("33.33")),
                NewVariant("PERCENTAGE_FOCUS", Decimal("33.33")),
            ),
            baseline_rate=0.12,
            guardrail_metrics=("dismissal_rate",),
            segments=("1", "2"),
            end_at=NOW + timedelta(days=14),
        ),
        **overrides,
    )


def _clients(uow: UnitOfWork, *ids: str) -> None:
    for client_id in ids:
        put_client(a_client(client_id), uow=uow, now=NOW)


def _running(uow: UnitOfWork, new: NewExperiment) -> None:
    create_experiment(new, uow=uow, now=NOW)
    change_status(new.name, Transition.START, uow=uow, now=NOW, environment=PRODUCTION)


def test_a_definition_reads_back_as_it_was_stored(uow: UnitOfWork) -> None:
    created = create_experiment(_new(), uow=uow, now=NOW)
    stored = get_experiment("BENEFIT_EMPHASIS", uow=uow)
    assert stored == created
    assert stored.spec.shares == {
        "CONTROL": Decimal("33.34"),
        "MONETARY_FOCUS": Decimal("33.33"),
        "PERCENTAGE_FOCUS": Decimal("33.33"),
    }
    assert stored.spec.segments == frozenset({"1", "2"})
    assert stored.treatments["MONETARY_FOCUS"] == "MONETARY"
    assert stored.descriptions == {"CONTROL": "as written"}
    assert [m.name for m in stored.plan.metrics] == ["acceptance_rate", "dismissal_rate"]
    assert stored.plan.guardrails[0].higher_is_better is False
    assert stored.status is ExperimentStatus.DRAFT
    assert stored.end_at == NOW + timedelta(days=14)


def test_layer_slots_are_disjoint_and_a_concluded_experiment_frees_its_slot(
    uow: UnitOfWork,
) -> None:
    first = create_experiment(
        _new("A", layer="wording", layer_percent=Decimal(60), segments=None), uow=uow, now=NOW
    )
    second = create_experiment(
        _new("B", layer="wording", layer_percent=Decimal(40), segments=None), uow=uow, now=NOW
    )
    assert first.placement is not None
    assert second.placement is not None
    assert (first.placement.start, first.placement.stop) == (0, 6_000)
    assert (second.placement.start, second.placement.stop) == (6_000, 10_000)
    with pytest.raises(ValidationFailed, match="no free 10 percent slot"):
        create_experiment(_new("C", layer="wording", layer_percent=Decimal(10)), uow=uow, now=NOW)
    change_status("A", Transition.START, uow=uow, now=NOW, environment=PRODUCTION)
    change_status(
        "A", Transition.CONCLUDE, uow=uow, now=NOW, environment=PRODUCTION, conclusion="done"
    )
    third = create_experiment(
        _new("C", layer="wording", layer_percent=Decimal(10), segments=None), uow=uow, now=NOW
    )
    assert third.placement is not None
    assert (third.placement.start, third.placement.stop) == (0, 1_000)
    assert get_experiment("A", uow=uow).placement == first.placement  # kept on record


def test_an_existing_assignment_wins_over_the_hash(uow: UnitOfWork) -> None:
    _clients(uow, "c-1")
    new = _new(segments=None)
    _running(uow, new)
    experiment = get_experiment(new.name, uow=uow)
    hashed = assign(experiment.spec, ClientId("c-1"), environment=PRODUCTION).variant
    other = next(v for v in experiment.spec.variant_names if v != hashed)
    with uow:
        stored = uow.experiment_results.add_assignments(
            ClientId("c-1"), PRODUCTION.value, [(new.name, other)], now=NOW
        )
        assert stored == 1
        # a second insert (another request racing) changes nothing
        assert (
            uow.experiment_results.add_assignments(
                ClientId("c-1"), PRODUCTION.value, [(new.name, hashed)], now=NOW
            )
            == 0
        )
        placed = place_client(
            uow,
            ClientId("c-1"),
            [experiment],
            {},
            environment=PRODUCTION,
            segment=None,
            now=NOW,
        )
        uow.commit()
    assert placed[new.name].assignment.variant == other


def test_a_racing_insert_is_read_back_and_wins(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clients(uow, "c-1")
    new = _new(segments=None)
    _running(uow, new)
    experiment = get_experiment(new.name, uow=uow)
    hashed = assign(experiment.spec, ClientId("c-1"), environment=PRODUCTION).variant
    other = next(v for v in experiment.spec.variant_names if v != hashed)
    with uow:
        uow.experiment_results.add_assignments(
            ClientId("c-1"), PRODUCTION.value, [(new.name, other)], now=NOW
        )
        uow.commit()
    with uow:
        real = uow.experiment_results.assignments
        calls: list[int] = []

        def stale_first(*args: Any) -> Any:
            calls.append(1)
            return {} if len(calls) == 1 else real(*args)  # this request read before the race

        monkeypatch.setattr(uow.experiment_results, "assignments", stale_first)
        placed = place_client(
            uow, ClientId("c-1"), [experiment], {}, environment=PRODUCTION, segment=None, now=NOW
        )
        uow.commit()
    assert len(calls) == 2
    assert placed[new.name].assignment.variant == other


def test_environments_keep_separate_assignments(uow: UnitOfWork) -> None:
    _clients(uow, "c-1")
    new = _new(segments=None)
    _running(uow, new)
    with uow:
        uow.experiment_results.add_assignments(
            ClientId("c-1"), "production", [(new.name, "CONTROL")], now=NOW
        )
        uow.experiment_results.add_assignments(
            ClientId("c-1"), "test", [(new.name, "MONETARY_FOCUS")], now=NOW
        )
        production = uow.experiment_results.assignments(ClientId("c-1"), "production", [new.name])
        test = uow.experiment_results.assignments(ClientId("c-1"), "test", [new.name])
        development = uow.experiment_results.assignments(ClientId("c-1"), "development", [new.name])
        uow.commit()
    assert production[new.name].variant == "CONTROL"
    assert test[new.name].variant == "MONETARY_FOCUS"
    assert development == {}


def test_exposure_and_conversion_are_counted_once_per_client(uow: UnitOfWork) -> None:
    _clients(uow, "c-1")
    new = _new(segments=None)
    _running(uow, new)
    client = ClientId("c-1")
    later = NOW + timedelta(hours=1)
    with uow:
        uow.experiment_results.add_assignments(
            client, "production", [(new.name, "CONTROL")], now=NOW
        )
        converted_early = uow.experiment_results.convert(
            client, "production", [new.name], metric="acceptance_rate", at=NOW, delivered_at=NOW
        )
        first = uow.experiment_results.expose(client, "production", [new.name], at=later)
        again = uow.experiment_results.expose(client, "production", [new.name], at=later)
        before_exposure = uow.experiment_results.convert(
            client,
            "production",
            [new.name],
            metric="acceptance_rate",
            at=later,
            delivered_at=NOW,  # served before the client was exposed: not under the experiment
        )
        accepted = uow.experiment_results.convert(
            client, "production", [new.name], metric="acceptance_rate", at=later, delivered_at=later
        )
        accepted_again = uow.experiment_results.convert(
            client, "production", [new.name], metric="acceptance_rate", at=later, delivered_at=later
        )
        dismissed = uow.experiment_results.convert(
            client, "production", [new.name], metric="dismissal_rate", at=later, delivered_at=later
        )
        stored = uow.experiment_results.assignments(client, "production", [new.name])
        uow.commit()
    assert converted_early == []  # not exposed yet
    assert first == [(new.name, "CONTROL")]
    assert again == []
    assert before_exposure == []
    assert accepted == [(new.name, "CONTROL")]
    assert accepted_again == []
    assert dismissed == [(new.name, "CONTROL")]  # each metric converts once
    assert stored[new.name].exposed_at == later


def test_daily_statistics_add_up_as_increments(uow: UnitOfWork) -> None:
    create_experiment(_new(), uow=uow, now=NOW)
    day_1, day_2 = date(2026, 2, 1), date(2026, 2, 2)

    def increment(day: date, stat: Proportion, environment: str = "production") -> StatIncrement:
        return StatIncrement(
            "BENEFIT_EMPHASIS", environment, day, "CONTROL", "acceptance_rate", stat
        )

    with uow:
        uow.experiment_results.add_stats(
            [
                increment(day_1, Proportion.exposure()),
                increment(day_1, Proportion.exposure()),
                increment(day_1, Proportion.conversion()),  # the same key twice in one call
                increment(day_2, Proportion.exposure()),
                increment(day_2, Proportion(5, 2), environment="test"),
            ]
        )
        uow.experiment_results.add_stats([increment(day_2, Proportion.conversion())])
        production = uow.experiment_results.daily("BENEFIT_EMPHASIS", environment="production")
        test = uow.experiment_results.daily("BENEFIT_EMPHASIS", environment="test")
        uow.commit()
    assert production == [
        DayStats(day_1, "CONTROL", "acceptance_rate", Proportion(2, 1)),
        DayStats(day_2, "CONTROL", "acceptance_rate", Proportion(1, 1)),
    ]
    assert test == [DayStats(day_2, "CONTROL", "acceptance_rate", Proportion(5, 2))]


def test_running_reads_the_running_experiments_with_their_layers(uow: UnitOfWork) -> None:
    _running(uow, _new("A", layer="wording", layer_percent=Decimal(30), segments=None))
    create_experiment(_new("B", layer="wording", layer_percent=Decimal(30)), uow=uow, now=NOW)
    with uow:
        experiments, layers = uow.experiments.running()
    assert [e.name for e in experiments] == ["A"]
    assert set(layers) == {"wording"}
    slot = layers["wording"].slot_of("A")
    assert slot is not None
    assert (slot.start, slot.stop) == (0, 3_000)
    assert layers["wording"].salt == "wording"
