"""Engagement rules: parsed and type-checked when loaded, evaluated without eval."""

from __future__ import annotations

from typing import Any

import pytest

from nextbest.decision.rules import RuleError, parse_rule
from nextbest.domain.enums import RiskTolerance

CAUTIOUS_NEAR_GOAL = {
    "not": {
        "all": [
            {"field": "client.risk_tolerance", "op": "in", "value": ["VERY_LOW", "LOW"]},
            {"field": "signal.raises_equity", "op": "eq", "value": True},
            {"field": "signal.goal_years_to_target", "op": "le", "value": 2},
        ]
    }
}


@pytest.mark.parametrize(
    ("facts", "passed"),
    [
        (
            {
                "client.risk_tolerance": RiskTolerance.LOW,
                "signal.raises_equity": True,
                "signal.goal_years_to_target": 1.5,
            },
            False,
        ),
        (
            {
                "client.risk_tolerance": "LOW",
                "signal.raises_equity": True,
                "signal.goal_years_to_target": 2,
            },
            False,
        ),
        (
            {
                "client.risk_tolerance": "LOW",
                "signal.raises_equity": True,
                "signal.goal_years_to_target": 2.5,
            },
            True,
        ),
        (
            {
                "client.risk_tolerance": "HIGH",
                "signal.raises_equity": True,
                "signal.goal_years_to_target": 1,
            },
            True,
        ),
        (
            {
                "client.risk_tolerance": "LOW",
                "signal.raises_equity": False,
                "signal.goal_years_to_target": 1,
            },
            True,
        ),
    ],
)
def test_the_suitability_rule_of_the_issue(facts: dict[str, Any], passed: bool) -> None:
    outcome = parse_rule(CAUTIOUS_NEAR_GOAL).check(facts)
    assert outcome.passed is passed
    assert "client.risk_tolerance" in outcome.reason or "signal" in outcome.reason


@pytest.mark.parametrize(
    ("rule", "facts", "passed"),
    [
        ({"field": "profile.literacy", "op": "ge", "value": 3}, {"profile.literacy": 3}, True),
        ({"field": "profile.literacy", "op": "gt", "value": 3}, {"profile.literacy": 3}, False),
        ({"field": "profile.literacy", "op": "lt", "value": 3}, {"profile.literacy": 2}, True),
        ({"field": "client.country", "op": "ne", "value": "GB"}, {"client.country": "ZA"}, True),
        (
            {"field": "client.country", "op": "not_in", "value": ["GB"]},
            {"client.country": "GB"},
            False,
        ),
        ({"field": "profile.literacy", "op": "exists", "value": True}, {}, False),
        ({"field": "profile.literacy", "op": "exists", "value": False}, {}, True),
        (
            {
                "any": [
                    {"field": "client.age", "op": "ge", "value": 60},
                    {"field": "client.goal_count", "op": "eq", "value": 0},
                ]
            },
            {"client.age": 40, "client.goal_count": 0},
            True,
        ),
        ({"any": [{"field": "client.age", "op": "ge", "value": 60}]}, {"client.age": 40}, False),
    ],
)
def test_every_operator(rule: dict[str, Any], facts: dict[str, Any], passed: bool) -> None:
    assert parse_rule(rule).check(facts).passed is passed


def test_a_missing_fact_fails_a_comparison_and_says_so() -> None:
    outcome = parse_rule({"field": "profile.literacy", "op": "ge", "value": 3}).check({})
    assert not outcome.passed
    assert outcome.reason == "profile.literacy is not known"


def test_a_number_rule_never_passes_on_a_non_number_fact() -> None:
    rule = parse_rule({"field": "client.age", "op": "ge", "value": 3})
    assert not rule.check({"client.age": "old"}).passed
    assert not rule.check({"client.age": True}).passed


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"field": "client.wealth", "op": "eq", "value": 1}, "unknown field 'client.wealth'"),
        ({"field": "client.age", "op": "like", "value": 1}, "unknown operator 'like'"),
        ({"field": "client.age", "op": "in", "value": [1]}, "'in' does not apply to client.age"),
        ({"field": "client.age", "op": "ge", "value": "40"}, "'40' is not a valid number"),
        ({"field": "client.risk_tolerance", "op": "eq", "value": "BRAVE"}, "one of VERY_LOW"),
        ({"field": "client.country", "op": "in", "value": []}, "non-empty list"),
        ({"all": []}, "rule.all: expected a non-empty list"),
        ({"all": [{"field": "client.age", "op": "ge"}]}, "rule.all[0]: expected all/any/not"),
        ({"not": {"any": [{"field": "x", "op": "eq", "value": 1}]}}, "rule.not.any[0].field"),
        ("__import__('os')", "expected a mapping"),
        ({"field": "client.age", "op": "exists", "value": 1}, "exists takes true or false"),
    ],
)
def test_bad_rules_are_refused_with_where_and_why(rule: Any, message: str) -> None:
    with pytest.raises(RuleError, match=None) as raised:
        parse_rule(rule)
    assert message in str(raised.value)
