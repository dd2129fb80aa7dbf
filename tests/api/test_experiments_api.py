"""Experiments over HTTP: define, start/stop/conclude, variants, the decision loop, results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from nextbest.api.deps import current_time
from nextbest.experiments.power import sample_size
from nextbest.presentation import default_presenter
from nextbest.storage.tables import DecisionRow, ExperimentAssignmentRow
from tests import factories as f
from tests.conftest import FIXED_NOW, make_test_client


@pytest.fixture
def api(sqlite_url: str) -> Iterator[TestClient]:
    """The API reading the running experiments on every request (no cache delay)."""
    with make_test_client(sqlite_url, experiments={"refresh_seconds": 0}) as client:
        yield client


def _book(api: TestClient, *clients: str, **client: Any) -> None:
    assert api.put("/v1/securities", json={"securities": [f.security()]}).status_code == 200
    for client_id in clients or ("c-1",):
        response = api.put(f"/v1/clients/{client_id}", json=f.client_body(**client))
        assert response.status_code in (200, 201), response.text
        response = api.put(f"/v1/clients/{client_id}/portfolio", json=f.portfolio_body())
        assert response.status_code in (200, 201), response.text


def _experiment(name: str = "BENEFIT_EMPHASIS", **overrides: Any) -> dict[str, Any]:
    return {
        "name": name,
        "hypothesis": "Stating the benefit in money makes clients act more often",
        "treatment": "BENEFIT_EMPHASIS",
        "variants": [
            {"name": "CONTROL", "share": 34},
            {"name": "MONETARY_FOCUS", "share": 33},
            {"name": "PERCENTAGE_FOCUS", "share": 33},
        ],
        "baseline_rate": 0.1,
        **overrides,
    }


def _create(api: TestClient, body: dict[str, Any], start: bool = True) -> dict[str, Any]:
    response = api.post("/v1/experiments", json=body)
    assert response.status_code == 201, response.text
    if start:
        response = api.patch(f"/v1/experiments/{body['name']}", json={"action": "start"})
        assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def _variant(api: TestClient, name: str, client_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/experiments/{name}/variant", params={"client_id": client_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _answer(
    api: TestClient, client_id: str = "c-1", channel: str = "IN_APP", limit: int = 3
) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, "channel": channel}
    response = api.get(f"/v1/clients/{client_id}/recommendations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _outcome(api: TestClient, recommendation_id: str, status: str) -> None:
    response = api.post(f"/v1/recommendations/{recommendation_id}/outcome", json={"status": status})
    assert response.status_code == 200, response.text


def _results(api: TestClient, name: str, **params: str) -> dict[str, Any]:
    response = api.get(f"/v1/experiments/{name}/results", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _decision(api: TestClient, decision_id: str) -> tuple[str, dict[str, Any]]:
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    with engine.connect() as connection:
        row = connection.execute(
            select(DecisionRow.policy, DecisionRow.versions).where(
                DecisionRow.decision_id == decision_id
            )
        ).one()
    engine.dispose()
    return row.policy, orjson.loads(row.versions)


def _arm(api: TestClient, experiment: str, variant: str) -> str:
    """A client id the hash puts in ``variant`` (the ids are tried in a fixed order)."""
    for n in range(500):
        client_id = f"probe-{n}"
        _book(api, client_id)
        if _variant(api, experiment, client_id)["variant"] == variant:
            return client_id
    raise AssertionError(f"no client in {variant} among 500")


# -- defining -------------------------------------------------------------------------------------


def test_an_experiment_is_stored_as_a_draft_with_its_planned_sample_size(
    api_on_each_database: TestClient,
) -> None:
    api = api_on_each_database
    body = _create(api, _experiment(minimum_detectable_effect=0.2, power=0.9), start=False)
    assert body["status"] == "DRAFT"
    assert [(v["name"], v["treatment"]) for v in body["variants"]] == [
        ("CONTROL", "CONTROL"),
        ("MONETARY_FOCUS", "MONETARY"),
        ("PERCENTAGE_FOCUS", "PERCENTAGE"),
    ]
    planned = sample_size(0.1, 0.2, relative=True, alpha=0.05 / 2, power=0.9)
    assert body["minimum_sample_size"] == planned.per_arm
    assert body["planned_total"] == planned.total({"A": 34, "B": 33, "C": 33})
    assert api.get("/v1/experiments/BENEFIT_EMPHASIS").json() == body
    listed = api.get("/v1/experiments", params={"status": "DRAFT"}).json()["experiments"]
    assert [e["name"] for e in listed] == ["BENEFIT_EMPHASIS"]
    assert api.get("/v1/experiments", params={"status": "RUNNING"}).json()["experiments"] == []
    assert api.post("/v1/experiments", json=_experiment()).status_code == 409


def test_a_given_minimum_sample_size_is_kept(api: TestClient) -> None:
    body = _create(api, _experiment(minimum_sample_size=500, baseline_rate=None), start=False)
    assert body["minimum_sample_size"] == 500
    assert body["planned_total"] == 1516  # the 33% arms must reach 500: 500 x 100 / 33


def test_bad_definitions_are_422_with_every_problem(api: TestClient) -> None:
    body = _experiment(
        variants=[
            {"name": "CONTROL", "share": 50},
            {"name": "LOUD", "share": 40},
        ],
        start_at="2026-03-01T00:00:00Z",
        end_at="2026-02-01T00:00:00Z",
    )
    response = api.post("/v1/experiments", json=body)
    assert response.status_code == 422
    problems = {p["loc"]: p["message"] for p in response.json()["problems"]}
    assert problems["variants"] == "traffic shares sum to 90, not 100"
    assert "say which BENEFIT_EMPHASIS treatment 'LOUD' applies" in problems["variants.1.treatment"]
    assert problems["end_at"] == "the experiment must end after it starts"
    wrong = _experiment(
        variants=[{"name": "CONTROL", "share": 50}, {"name": "B", "share": 50, "treatment": "x"}]
    )
    response = api.post("/v1/experiments", json=wrong)
    assert response.status_code == 422
    assert "'x' is not a BENEFIT_EMPHASIS treatment" in response.json()["detail"]
    assert api.post("/v1/experiments", json=_experiment(name="has space")).status_code == 422
    assert api.post("/v1/experiments", json={"name": "X"}).status_code == 422


def test_without_history_or_a_baseline_the_sample_size_cannot_be_planned(api: TestClient) -> None:
    response = api.post("/v1/experiments", json=_experiment(baseline_rate=None))
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["loc"] == "baseline_rate"
    assert "give baseline_rate or minimum_sample_size" in problem["message"]


def test_unknown_experiments_are_404(api: TestClient) -> None:
    _book(api)
    assert api.get("/v1/experiments/NOPE").status_code == 404
    assert api.patch("/v1/experiments/NOPE", json={"action": "start"}).status_code == 404
    assert api.get("/v1/experiments/NOPE/results").status_code == 404
    assert api.get("/v1/experiments/NOPE/results.png").status_code == 404
    response = api.get("/v1/experiments/NOPE/variant", params={"client_id": "c-1"})
    assert response.status_code == 404
    _create(api, _experiment())
    response = api.get("/v1/experiments/BENEFIT_EMPHASIS/variant", params={"client_id": "x"})
    assert response.status_code == 404
    assert response.json()["detail"] == "client 'x' does not exist"


# -- the life of an experiment --------------------------------------------------------------------


def test_illegal_transitions_are_409_and_legal_ones_are_recorded(api: TestClient) -> None:
    _create(api, _experiment(), start=False)

    def patch(action: str) -> Any:
        return api.patch("/v1/experiments/BENEFIT_EMPHASIS", json={"action": action})

    assert patch("stop").status_code == 409
    assert patch("conclude").status_code == 409
    assert patch("start").json()["status"] == "RUNNING"
    response = patch("start")
    assert response.status_code == 409
    assert response.json()["detail"] == "experiment 'BENEFIT_EMPHASIS' is RUNNING: it cannot start"
    assert patch("stop").json()["status"] == "STOPPED"
    assert patch("start").json()["status"] == "RUNNING"  # a stop is a pause
    done = api.patch(
        "/v1/experiments/BENEFIT_EMPHASIS", json={"action": "conclude", "conclusion": "keep it"}
    ).json()
    assert (done["status"], done["conclusion"]) == ("CONCLUDED", "keep it")
    assert (
        done["started_at"] == done["concluded_at"] == FIXED_NOW.isoformat().replace("+00:00", "Z")
    )
    for action in ("start", "stop", "conclude"):
        assert patch(action).status_code == 409
    assert api.patch("/v1/experiments/X", json={"action": "pause"}).status_code == 422


def test_concluding_without_a_conclusion_records_the_verdict(api: TestClient) -> None:
    _create(api, _experiment())
    done = api.patch("/v1/experiments/BENEFIT_EMPHASIS", json={"action": "conclude"}).json()
    assert done["conclusion"].startswith("no variant is a significant winner yet")


def test_two_tests_of_one_kind_run_together_only_in_one_layer(api: TestClient) -> None:
    _create(api, _experiment("A"))
    _create(api, _experiment("B"), start=False)
    response = api.patch("/v1/experiments/B", json={"action": "start"})
    assert response.status_code == 409
    assert "put both in one layer" in response.json()["detail"]
    other = _experiment("URGENCY", treatment="URGENCY_FRAMING", variants=[
        {"name": "CONTROL", "share": 50}, {"name": "HIGH_URGENCY", "share": 50}
    ])  # fmt: skip
    _create(api, other)  # another kind: no clash
    assert api.patch("/v1/experiments/A", json={"action": "stop"}).status_code == 200
    _create(api, _experiment("L1", layer="wording", layer_percent=50))
    _create(api, _experiment("L2", layer="wording", layer_percent=50))  # disjoint slots
    response = api.post("/v1/experiments", json=_experiment("L3", layer="wording"))
    assert response.status_code == 422
    assert response.json()["detail"] == "layer: layer 'wording' has no free 100 percent slot"


# -- variants -------------------------------------------------------------------------------------


def test_the_variant_is_sticky_and_stored_once_in_this_environment(api: TestClient) -> None:
    _book(api)
    _create(api, _experiment())
    first = _variant(api, "BENEFIT_EMPHASIS", "c-1")
    assert first["enrolled"] is True
    assert first["environment"] == "test"
    assert all(_variant(api, "BENEFIT_EMPHASIS", "c-1") == first for _ in range(3))
    engine = create_engine(str(api.app.state.settings.database_url))  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(
            select(ExperimentAssignmentRow.environment, ExperimentAssignmentRow.variant)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("test", first["variant"])]


def test_a_stopped_experiment_answers_the_control_unenrolled(api: TestClient) -> None:
    _book(api)
    _create(api, _experiment(variants=[
        {"name": "CONTROL", "share": 0}, {"name": "MONETARY_FOCUS", "share": 100}
    ]))  # fmt: skip
    assert _variant(api, "BENEFIT_EMPHASIS", "c-1")["variant"] == "MONETARY_FOCUS"
    api.patch("/v1/experiments/BENEFIT_EMPHASIS", json={"action": "stop"})
    answer = _variant(api, "BENEFIT_EMPHASIS", "c-1")
    assert (answer["variant"], answer["enrolled"]) == ("CONTROL", False)
    assert answer["reason"] == "the experiment is STOPPED"


def test_a_scheduled_experiment_waits_for_its_start(api: TestClient) -> None:
    _book(api)
    later = (FIXED_NOW + timedelta(days=1)).isoformat()
    _create(api, _experiment(start_at=later))
    answer = _variant(api, "BENEFIT_EMPHASIS", "c-1")
    assert answer["enrolled"] is False
    assert answer["reason"].startswith("the experiment is due to start at 2026-02-02")


def test_targeting_leaves_other_segments_out(api: TestClient) -> None:
    _book(api)
    _create(api, _experiment(segments=["3"]))  # a client without a segment model has none
    answer = _variant(api, "BENEFIT_EMPHASIS", "c-1")
    assert (answer["variant"], answer["enrolled"]) == ("CONTROL", False)
    assert answer["reason"] == "the experiment targets segments the client is not in"


def test_experiments_of_one_layer_never_share_a_client(api: TestClient) -> None:
    ids = [f"c-{n}" for n in range(40)]
    _book(api, *ids)
    for name in ("A", "B"):
        _create(api, _experiment(name, layer="wording", layer_percent=50))
    enrolled = {
        client_id: [name for name in ("A", "B") if _variant(api, name, client_id)["enrolled"]]
        for client_id in ids
    }
    assert all(len(names) == 1 for names in enrolled.values())  # 50 + 50: each in exactly one
    assert {names[0] for names in enrolled.values()} == {"A", "B"}


def test_test_and_production_assignments_never_mix(sqlite_url: str) -> None:
    with make_test_client(sqlite_url, experiments={"refresh_seconds": 0}) as test_api:
        _book(test_api)
        _create(test_api, _experiment())
        answer = _answer(test_api)
        _outcome(test_api, answer["recommendations"][0]["recommendation_id"], "ACCEPTED")
        tested = _variant(test_api, "BENEFIT_EMPHASIS", "c-1")
    production: dict[str, Any] = {
        "environment": "production",
        "security": {"pseudonym_key": "k" * 32},
    }
    with make_test_client(sqlite_url, **production) as production_api:
        produced = _variant(production_api, "BENEFIT_EMPHASIS", "c-1")
        in_production = _results(production_api, "BENEFIT_EMPHASIS")
        in_test = _results(production_api, "BENEFIT_EMPHASIS", environment="test")
    assert (tested["environment"], produced["environment"]) == ("test", "production")
    assert sum(v["units"] for v in in_production["variants"]) == 0  # nothing leaks across
    assert sum(v["units"] for v in in_test["variants"]) == 1
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        rows = connection.execute(select(ExperimentAssignmentRow.environment)).scalars().all()
    engine.dispose()
    assert sorted(rows) == ["production", "test"]


# -- the decision loop ----------------------------------------------------------------------------


def test_the_served_framing_follows_the_variant_and_is_logged(api: TestClient) -> None:
    _book(api)
    # long answers, so the same actions appear before and after whatever the exploration draws
    # (regulated ones wait for review and appear in neither)
    plain = [_answer(api, limit=10) for _ in range(3)]
    _create(api, _experiment(variants=[
        {"name": "CONTROL", "share": 0}, {"name": "MONETARY_FOCUS", "share": 100}
    ]))  # fmt: skip
    # Another pull channel: an open suggestion is served again only on its own channel, so
    # these are new recommendations, each logged under its own decision.
    framed_answers = [_answer(api, channel="WEB", limit=10) for _ in range(3)]
    framed = framed_answers[0]
    library = default_presenter().library
    money = {
        item["action_id"]: item["text"]
        for answer in plain
        for item in answer["recommendations"]
        if "MONETARY" in library.action(item["action_id"]).emphasis
    }
    compared = [
        (money[item["action_id"]], item["text"])
        for answer in framed_answers
        for item in answer["recommendations"]
        if item["action_id"] in money
    ]
    assert compared, "no action with a monetary sentence was served before and after"
    for before, after in compared:
        assert after != before
        assert len(after) > len(before)  # a sentence added; nothing taken away
    policy, versions = _decision(api, framed["decision_id"])
    assert policy == "engine"
    assert versions["experiments"] == [
        {
            "experiment": "BENEFIT_EMPHASIS",
            "variant": "MONETARY_FOCUS",
            "kind": "BENEFIT_EMPHASIS",
            "treatment": "MONETARY",
        }
    ]
    explained = [
        api.get(
            f"/v1/recommendations/{item['recommendation_id']}/explanation",
            params={"audience": "staff"},
        ).json()
        for answer in framed_answers
        for item in answer["recommendations"]
    ]
    first = [e for e in explained if e["decision_id"] == framed["decision_id"]]
    assert first
    assert all(e["experiments"] == versions["experiments"] for e in first)
    _, before = _decision(api, plain[0]["decision_id"])
    assert before["experiments"] == []


def test_a_ranking_policy_variant_decides_with_its_policy(api: TestClient) -> None:
    _book(api, "c-1")
    _book(api, "c-off", consents={"PERSONALIZATION": False, "TRACKING": True})
    body = _experiment(
        "RANKING",
        treatment="RANKING_POLICY",
        variants=[{"name": "CONTROL", "share": 0}, {"name": "BASELINE", "share": 100}],
    )
    assert _create(api, body)["variants"][1]["treatment"] == "baseline"
    policy, versions = _decision(api, _answer(api, "c-1")["decision_id"])
    assert policy == "baseline"
    assert versions["experiments"][0]["variant"] == "BASELINE"
    policy, versions = _decision(api, _answer(api, "c-off")["decision_id"])
    assert (policy, versions["experiments"]) == ("standard", [])  # not personalised: untouched
    answer = _variant(api, "RANKING", "c-off")
    assert answer["reason"] == "the client's recommendations are not personalised"


def test_the_holdout_gets_the_standard_ranking_and_no_other_experiment(api: TestClient) -> None:
    _book(api)
    holdout = _experiment(
        "GLOBAL_HOLDOUT",
        treatment="HOLDOUT",
        variants=[{"name": "HOLDOUT", "share": 100}, {"name": "PERSONALISED", "share": 0}],
    )
    _create(api, holdout)
    _create(api, _experiment())
    policy, versions = _decision(api, _answer(api)["decision_id"])
    assert policy == "standard"
    assert [e["experiment"] for e in versions["experiments"]] == ["GLOBAL_HOLDOUT"]
    answer = _variant(api, "BENEFIT_EMPHASIS", "c-1")
    assert (answer["variant"], answer["enrolled"]) == ("CONTROL", False)
    assert answer["reason"] == "the client is in the global holdout"
    assert _variant(api, "GLOBAL_HOLDOUT", "c-1")["variant"] == "HOLDOUT"
    second = _experiment("SECOND", treatment="HOLDOUT", variants=holdout["variants"])
    _create(api, second, start=False)
    response = api.patch("/v1/experiments/SECOND", json={"action": "start"})
    assert response.status_code == 409
    assert "global holdout 'GLOBAL_HOLDOUT' is already running" in response.json()["detail"]


def test_a_holdout_with_targeting_or_a_layer_is_refused(api: TestClient) -> None:
    body = _experiment(
        "H",
        treatment="HOLDOUT",
        variants=[{"name": "HOLDOUT", "share": 5}, {"name": "PERSONALISED", "share": 95}],
        segments=["1"],
        layer="wording",
    )
    response = api.post("/v1/experiments", json=body)
    assert response.status_code == 422
    assert {p["loc"] for p in response.json()["problems"]} == {"segments", "layer"}


def test_exposures_and_conversions_count_once_per_client(api: TestClient) -> None:
    _book(api, "c-1", "c-2")
    _create(api, _experiment(guardrail_metrics=["dismissal_rate", "engagement_rate"]))
    first = _answer(api, "c-1")
    second = _answer(api, "c-1")  # the same client again: still one unit
    for answer in (first, second):
        for item in answer["recommendations"][:2]:
            _outcome(api, item["recommendation_id"], "VIEWED")
            _outcome(api, item["recommendation_id"], "ACCEPTED")
    dismissed = _answer(api, "c-2")["recommendations"][0]["recommendation_id"]
    _outcome(api, dismissed, "DISMISSED")
    variant_1 = _variant(api, "BENEFIT_EMPHASIS", "c-1")["variant"]
    variant_2 = _variant(api, "BENEFIT_EMPHASIS", "c-2")["variant"]
    results = _results(api, "BENEFIT_EMPHASIS")
    stats = {v["name"]: v["stats"] for v in results["variants"]}
    one = stats[variant_1]
    two = stats[variant_2]
    if variant_1 == variant_2:
        assert one["acceptance_rate"]["n"] == 2
        assert (one["acceptance_rate"]["conversions"], one["dismissal_rate"]["conversions"]) == (
            1,
            1,
        )
    else:
        assert (one["acceptance_rate"]["n"], one["acceptance_rate"]["conversions"]) == (1, 1)
        assert (one["engagement_rate"]["conversions"], one["dismissal_rate"]["conversions"]) == (
            1,
            0,
        )
        assert (two["acceptance_rate"]["n"], two["acceptance_rate"]["conversions"]) == (1, 0)
        assert (two["dismissal_rate"]["conversions"], two["engagement_rate"]["conversions"]) == (
            1,
            0,
        )
    assert sum(v["units"] for v in results["variants"]) == 2


def test_looking_a_variant_up_records_no_exposure(api: TestClient) -> None:
    _book(api)
    _create(api, _experiment())
    _variant(api, "BENEFIT_EMPHASIS", "c-1")
    results = _results(api, "BENEFIT_EMPHASIS")
    assert sum(v["units"] for v in results["variants"]) == 0


def test_an_outcome_of_a_recommendation_served_before_the_experiment_is_not_counted(
    api: TestClient,
) -> None:
    _book(api)
    before = _answer(api)["recommendations"][0]["recommendation_id"]
    _create(api, _experiment())
    api.app.dependency_overrides[current_time] = lambda: FIXED_NOW + timedelta(hours=1)  # type: ignore[attr-defined]
    _answer(api)  # exposed now
    _outcome(api, before, "ACCEPTED")
    results = _results(api, "BENEFIT_EMPHASIS")
    assert sum(v["stats"]["acceptance_rate"]["conversions"] for v in results["variants"]) == 0
    assert sum(v["units"] for v in results["variants"]) == 1


# -- results --------------------------------------------------------------------------------------


def test_results_with_an_empty_arm_answer_with_a_reason(api: TestClient) -> None:
    _book(api)
    _create(api, _experiment())
    item = _answer(api)["recommendations"][0]
    _outcome(api, item["recommendation_id"], "ACCEPTED")
    results = _results(api, "BENEFIT_EMPHASIS")
    assert results["verdict"]["kind"] == "KEEP_TESTING"
    assert "an arm has no exposed units yet" in results["verdict"]["reason"]
    comparisons = [c for v in results["variants"] for c in v["comparisons"]]
    assert len(comparisons) == 2
    assert all(c["problem"] == "EMPTY_ARM" and c["p_value"] is None for c in comparisons)
    assert results["days"] == 1
    assert results["first_day"] == results["last_day"] == "2026-02-01"
    assert set(results["lift_over_time"]) == {"MONETARY_FOCUS", "PERCENTAGE_FOCUS"}
    for path, params in (("results.png", {}), ("results", {"format": "png"})):
        response = api.get(f"/v1/experiments/BENEFIT_EMPHASIS/{path}", params=params)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_results_of_an_experiment_never_started_are_empty_not_an_error(api: TestClient) -> None:
    _create(api, _experiment(), start=False)
    results = _results(api, "BENEFIT_EMPHASIS")
    assert (results["days"], results["first_day"], results["at_horizon"]) == (0, None, False)
    assert results["verdict"]["kind"] == "KEEP_TESTING"
    assert api.get("/v1/experiments/BENEFIT_EMPHASIS/results.png").status_code == 200
