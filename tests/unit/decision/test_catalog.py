"""The action catalog: the built-in one is complete and valid; a broken one is refused whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nextbest.decision.catalog import CatalogError, load_catalog, parse_catalog
from nextbest.domain.candidate import ActionType, Category, SignalType


def test_the_built_in_catalog_answers_every_signal_and_action_type() -> None:
    catalog = load_catalog()
    for signal in SignalType:
        assert any(signal in action.signals for action in catalog.actions), signal
    for action_type in ActionType:
        assert any(a.action_type is action_type for a in catalog.actions), action_type
    assert catalog.get("sell-restricted-holding") is not None
    assert catalog.get("sell-restricted-holding").mandatory  # type: ignore[union-attr]
    content = [a for a in catalog.actions if a.content]
    assert {a.category for a in content} >= {Category.CONTENT}
    assert catalog.get("book-advisor-review") is not None
    assert catalog.for_signal(SignalType.GOAL_PROGRESS, ActionType.GOAL_ON_TRACK) is not None


def test_rules_in_the_catalog_decide() -> None:
    rebalance = load_catalog().get("rebalance")
    assert rebalance is not None
    cautious = {
        "client.risk_tolerance": "VERY_LOW",
        "signal.raises_equity": True,
        "signal.goal_years_to_target": 1,
    }
    failed = rebalance.check(cautious)
    assert failed is not None
    assert failed[0] == "suitability"
    assert rebalance.check({**cautious, "client.risk_tolerance": "HIGH"}) is None
    marketing = load_catalog().get("explore-sustainable-funds")
    assert marketing is not None
    assert marketing.check({"client.consent.marketing": False}) is not None
    assert marketing.check({"client.consent.marketing": True}) is None


def _catalog(**action: Any) -> dict[str, Any]:
    base = {
        "id": "a",
        "name": "A",
        "category": "GOAL",
        "channels": ["IN_APP"],
        "value": 10,
        "why": "because",
    }
    return {"version": 1, "actions": [{**base, **action}]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "GOLF"}, "actions[0] (a): 'GOLF' is not a valid Category"),
        ({"channels": []}, "channels must be a non-empty list"),
        ({"value": -5}, "value must be a positive amount"),
        ({"value": "lots"}, "value must be an amount or 'benefit'"),
        ({"lever": 0}, "lever must be a positive number"),
        ({"mandatory": "yes"}, "mandatory must be true or false"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"why": None}, "why is required text"),
        ({"rules": {"timing": []}}, "unknown rule stage(s) timing"),
        (
            {"rules": {"eligibility": [{"field": "client.shoe_size", "op": "eq", "value": 1}]}},
            "rules.eligibility[0].field: unknown field 'client.shoe_size'",
        ),
        ({"signals": ["GOAL_PROGRES"]}, "'GOAL_PROGRES' is not a valid SignalType"),
    ],
)
def test_a_broken_action_is_refused_with_its_place(change: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogError) as raised:
        parse_catalog(_catalog(**change))
    assert message in str(raised.value)


def test_duplicate_ids_and_bad_files_are_refused(tmp_path: Path) -> None:
    doubled = _catalog()
    doubled["actions"] *= 2
    with pytest.raises(CatalogError, match="used twice"):
        parse_catalog(doubled)
    broken = tmp_path / "actions.yaml"
    broken.write_text("actions: [unclosed")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(broken)
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.yaml")
    good = tmp_path / "mine.yaml"
    good.write_text(yaml.safe_dump(_catalog(value="benefit")))
    assert load_catalog(good).actions[0].value is None
