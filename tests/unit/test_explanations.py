"""Explanations rebuilt from a stored decision: the staff trace, plain words, old logs."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nextbest.decision.contact import ContactPolicy
from nextbest.domain.candidate import Category
from nextbest.domain.enums import Channel
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Recommendation, Status
from nextbest.errors import NotFound
from nextbest.services.explanations import (
    NOT_RECORDED,
    Audience,
    ClientExplanation,
    Logged,
    StaffExplanation,
    arbitration_trace,
    client_explanation,
    explain,
    score_components,
    staff_explanation,
)
from nextbest.storage.repositories.recommendations import DecisionRecord, StatusChange

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
JARGON = ("propensity", "thompson", "priority", "lever", "segment", "contextual", "posterior")


def _score(propensity: float, context: float, value: str, weight: float, lever: float) -> Any:
    return {
        "propensity": propensity,
        "context_weight": context,
        "value": value,
        "value_weight": weight,
        "lever": lever,
        "priority": propensity * context * weight * lever,
    }


def _considered() -> list[dict[str, Any]]:
    return [
        {
            "key": "EMERGENCY_FUND:c-1",
            "action_id": "build-emergency-fund",
            "category": "CASH",
            "mandatory": False,
            "regulated": False,
            "score": _score(0.4, 1.3, "6999.99", 1 + math.log1p(6.99999), 1.0),
            "source": "contextual",
            "signal": "EMERGENCY_FUND",
            "urgency": 80,
            "evidence": {"shortfall": "6999.99", "emergency_months": "3"},
            "rank": 1,
            "recommendation_id": "r-1",
            "probability": 0.62,
            "reused": False,
            "presented": {
                "title": "Build your emergency fund",
                "text": "Setting aside £7,000 more in cash would give you a fuller emergency fund.",
                "reasons": ["It is time-sensitive.", "You are building a safety net."],
                "numbers": {
                    "shortfall": {
                        "source": "evidence.shortfall",
                        "exact": "6999.99",
                        "shown": "£7,000",
                    }
                },
            },
        },
        {
            "key": "read-article",
            "action_id": "read-article",
            "category": "CONTENT",
            "mandatory": False,
            "regulated": False,
            "score": _score(0.5, 1.0, "2", 1.002, 0.8),
            "source": "segment",
            "rank": 2,
            "recommendation_id": "r-2",
            "probability": 0.4,
            "reused": False,
            "presented": {"title": "Read", "text": "An article.", "reasons": [], "numbers": {}},
        },
        {
            "key": "SAVINGS_RATE:c-1",
            "action_id": "increase-savings-rate",
            "category": "SAVINGS",
            "mandatory": False,
            "regulated": False,
            "score": _score(0.01, 0.91, "375.00", 1.318, 1.0),
            "source": "segment",
            "signal": "SAVINGS_RATE",
            "urgency": 41,
        },
        {
            "key": "book-advisor-review",
            "action_id": "book-advisor-review",
            "category": "GOAL",
            "mandatory": False,
            "regulated": False,
            "removed": "ELIGIBILITY",
            "reason": "portfolio.market_value = 4210.0 fails ge 50000",
        },
        {
            "key": "welcome-back",
            "action_id": "welcome-back",
            "category": "CONTENT",
            "mandatory": False,
            "regulated": False,
            "removed": "SUPPRESSED",
            "reason": "dismissed 2 times in 30 days",
        },
    ]


def _record(considered: Any = None, **overrides: Any) -> DecisionRecord:
    fields: dict[str, Any] = {
        "decision_id": "d-1",
        "client_id": ClientId("c-1"),
        "channel": Channel.IN_APP,
        "policy": "engine",
        "decided_at": NOW,
        "features": {
            "client": {"bias": 1.0, "literacy": 0.5},
            "profile_status": "PERSONALIZED",
            "personal_weight": 1.0,
            "segment": "2",
            "served": {
                "r-1": {"bias": 1.0, "category.accepted": 0.3, "finding.urgency": 0.8},
                "r-2": {"bias": 1.0},
            },
        },
        "considered": _considered() if considered is None else considered,
        "versions": {
            "models": "outcomes-12",
            "catalog": 1,
            "signals": "1|abc|7|cash",
            "gate": [50, 50],
            "fallback": None,
        },
    }
    return DecisionRecord(**{**fields, **overrides})


def _recommendation(**overrides: Any) -> Recommendation:
    fields: dict[str, Any] = {
        "recommendation_id": "r-1",
        "decision_id": "d-1",
        "client_id": ClientId("c-1"),
        "action_id": "build-emergency-fund",
        "candidate_key": "EMERGENCY_FUND:c-1",
        "category": Category.CASH,
        "channel": Channel.IN_APP,
        "rank": 1,
        "score": 0.9,
        "probability": 0.62,
        "regulated": False,
        "status": Status.DELIVERED,
        "status_at": NOW,
        "delivered_at": NOW,
        "deliver_at": NOW,
        "expires_at": NOW + timedelta(days=30),
        "segment": "2",
    }
    return Recommendation(**{**fields, **overrides})


def _client(logged: Logged) -> ClientExplanation:
    return client_explanation(logged, contact=ContactPolicy(), now=NOW)


def _words(explanation: ClientExplanation) -> str:
    return " ".join(
        (
            *explanation.main_reasons,
            *explanation.contributing_factors,
            *explanation.what_would_change,
            *explanation.how_to_improve,
        )
    )


# -- staff ------------------------------------------------------------------------------------


def test_score_components_multiply_to_the_logged_priority_and_their_logs_add_up() -> None:
    entry = _considered()[0]
    components = score_components(entry)
    assert [c.name for c in components] == [
        "propensity",
        "context_weight",
        "value_weight",
        "lever",
    ]
    assert [c.value for c in components] == [
        entry["score"][c.name] for c in components
    ]  # exactly as logged
    priority = entry["score"]["priority"]
    assert math.prod(c.value or 0 for c in components) == pytest.approx(priority, rel=1e-12)
    assert sum(c.log_value or 0 for c in components) == pytest.approx(math.log(priority))
    assert sum(c.share or 0 for c in components) == pytest.approx(1.0)
    assert next(c for c in components if c.name == "lever").share == 0.0  # a lever of 1


def test_staff_see_every_component_the_evidence_the_versions_and_the_model_source() -> None:
    staff = staff_explanation(Logged.of(_recommendation(), _record()))
    entry = _considered()[0]
    assert staff.priority == entry["score"]["priority"]
    assert staff.product == pytest.approx(staff.priority, rel=1e-12)
    assert staff.value == "6999.99"
    assert staff.source == "contextual"
    assert staff.probability == 0.62
    assert staff.evidence == entry["evidence"]
    assert staff.numbers["shortfall"] == {
        "source": "evidence.shortfall",
        "exact": "6999.99",
        "shown": "£7,000",
    }
    assert staff.versions["models"] == "outcomes-12"
    assert staff.experiments == ()  # none logged: none invented
    assert staff.served_features["category.accepted"] == 0.3
    assert staff.not_recorded == ()


def test_the_arbitration_trace_shows_every_action_with_its_fate_and_reason() -> None:
    trace = arbitration_trace(_considered(), "EMERGENCY_FUND:c-1")
    assert {e.key for e in trace} == {c["key"] for c in _considered()}
    assert [(e.outcome, e.rank) for e in trace[:2]] == [("SERVED", 1), ("SERVED", 2)]
    assert [e.key for e in trace if e.explained] == ["EMERGENCY_FUND:c-1"]
    outranked = next(e for e in trace if e.outcome == "NOT_SERVED")
    assert outranked.key == "SAVINGS_RATE:c-1"
    assert "below the last served" in outranked.reason
    removed = {e.key: (e.policy, e.removed, e.reason) for e in trace if e.outcome == "REMOVED"}
    assert removed == {
        "book-advisor-review": (
            "engagement",
            "ELIGIBILITY",
            "portfolio.market_value = 4210.0 fails ge 50000",
        ),
        "welcome-back": ("contact", "SUPPRESSED", "dismissed 2 times in 30 days"),
    }


def test_an_action_above_the_last_served_priority_was_held_back_by_the_category_limit() -> None:
    considered = _considered()
    extra = {**considered[1], "key": "read-more", "rank": None, "recommendation_id": None}
    extra["score"] = _score(0.9, 1.0, "2", 1.002, 0.8)
    del extra["rank"], extra["recommendation_id"]
    trace = arbitration_trace([considered[0], extra, {**considered[1], "rank": 2}])
    held = next(e for e in trace if e.key == "read-more")
    assert held.outcome == "NOT_SERVED"
    assert "category limit" in held.reason


# -- the client -------------------------------------------------------------------------------


def test_the_client_reads_the_reasons_shown_and_plain_factors_without_jargon() -> None:
    client = _client(Logged.of(_recommendation(), _record()))
    assert client.main_reasons == ("It is time-sensitive.", "You are building a safety net.")
    assert client.title == "Build your emergency fund"
    factors = " ".join(client.contributing_factors)
    assert "£7,000" in factors  # the amount as the client saw it, not recomputed
    assert "accepted similar suggestions" in factors
    assert "time-sensitive" not in factors  # already among the reasons shown
    assert not any(word in _words(client).lower() for word in JARGON)
    assert any("dismiss" in line and "30 days" in line for line in client.what_would_change)
    assert any("preferences" in line for line in client.what_would_change)
    assert any("goals" in line for line in client.how_to_improve)
    assert {c.path for c in client.controls} >= {"/v1/clients/c-1/preferences"}


def test_a_dismissed_suggestion_says_what_dismissing_did() -> None:
    logged = Logged.of(_recommendation(status=Status.DISMISSED), _record())
    changes = _client(logged).what_would_change
    assert changes[0].startswith("You dismissed it")
    assert all(c.label != "Dismiss it" for c in _client(logged).controls)


def test_a_mandatory_suggestion_says_it_stays_until_the_limit_is_met() -> None:
    considered = _considered()
    considered[0] = {**considered[0], "mandatory": True, "source": "mandatory"}
    client = _client(Logged.of(_recommendation(), _record(considered)))
    assert client.contributing_factors[0].startswith("It is required")
    assert (
        client.what_would_change[0] == "It stays until your portfolio is back within your limits."
    )
    assert not any("turn off" in line for line in client.what_would_change)


def test_a_client_without_personalisation_is_told_how_to_turn_it_on() -> None:
    considered = _considered()
    considered[0] = {**considered[0], "source": "standard"}
    record = _record(considered, policy="standard")
    client = _client(Logged.of(_recommendation(), record))
    assert client.how_to_improve[0].startswith("Turn personalisation on")
    assert any("not personalised" in f for f in client.contributing_factors)


# -- which decision, and old or partial logs ------------------------------------------------


def test_the_entry_is_found_by_recommendation_id_and_else_by_finding() -> None:
    assert Logged.of(_recommendation(), _record()).entry["recommendation_id"] == "r-1"
    considered = _considered()
    del considered[0]["recommendation_id"]
    assert Logged.of(_recommendation(), _record(considered)).entry["key"] == "EMERGENCY_FUND:c-1"


@pytest.mark.parametrize(
    "considered",
    [
        [],
        [{"key": "EMERGENCY_FUND:c-1"}],
        [{"key": "EMERGENCY_FUND:c-1", "score": "high", "presented": ["x"], "rank": "1"}],
        [{"recommendation_id": "r-1", "score": {"propensity": None}, "evidence": 3}, 7, None],
        "not a list",
        None,
    ],
    ids=["empty", "bare", "wrong-types", "junk", "string", "null"],
)
def test_an_old_or_partial_log_says_not_recorded_instead_of_failing(considered: Any) -> None:
    record = _record([] if considered is None else considered)
    record = replace(record, features={"served": 3}, versions="v1")
    for logged in (Logged.of(_recommendation(), record), Logged.of(_recommendation(), None)):
        staff = staff_explanation(logged)
        client = _client(logged)
        assert staff.not_recorded
        assert staff.priority == 0.9  # the recommendation row's copy
        assert staff.rank == 1
        assert client.main_reasons == ("The reasons shown with this suggestion were not recorded.",)
        json.dumps([e.reason for e in staff.arbitration])
    partial = staff_explanation(Logged.of(_recommendation(), _record([{"key": "x", "rank": 1}])))
    assert partial.arbitration[0].action_id == NOT_RECORDED


# -- the service ----------------------------------------------------------------------------


class _FakeRepository:
    def __init__(self, recommendation: Recommendation | None, record: DecisionRecord) -> None:
        self._recommendation, self._record = recommendation, record

    def get(self, recommendation_id: str) -> Recommendation | None:
        r = self._recommendation
        return r if r is not None and r.recommendation_id == recommendation_id else None

    def decision(self, decision_id: str) -> DecisionRecord | None:
        return self._record if decision_id == self._record.decision_id else None

    def changes(self, recommendation_id: str) -> list[StatusChange]:
        return [StatusChange(1, Status.VIEWED, NOW, NOW)]


class _FakeUow:
    def __init__(self, recommendations: _FakeRepository) -> None:
        self.recommendations = recommendations

    def __enter__(self) -> _FakeUow:
        return self

    def __exit__(self, *args: object) -> None:
        return None


def test_explain_reads_the_first_decision_for_either_audience() -> None:
    uow: Any = _FakeUow(_FakeRepository(_recommendation(), _record()))
    staff = explain("r-1", audience=Audience.STAFF, uow=uow, contact=ContactPolicy(), now=NOW)
    assert isinstance(staff, StaffExplanation)
    assert staff.decision_id == "d-1"
    assert [c.status for c in staff.history] == [Status.VIEWED]
    client = explain("r-1", audience=Audience.CLIENT, uow=uow, contact=ContactPolicy(), now=NOW)
    assert isinstance(client, ClientExplanation)
    with pytest.raises(NotFound):
        explain("r-9", audience=Audience.CLIENT, uow=uow, contact=ContactPolicy(), now=NOW)
