"""Engagement policies and arbitration, each removal with its reason."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from nextbest.behavior.profile import ProfileReport
from nextbest.decision.catalog import load_catalog
from nextbest.decision.policy import (
    Considered,
    Removal,
    ScoreParts,
    arbitrate,
    baseline_propensity,
    consider,
)
from nextbest.domain.candidate import (
    ActionType,
    Benefit,
    Candidate,
    Category,
    SignalType,
    Trade,
    TradeSide,
)
from nextbest.domain.client import Client
from nextbest.domain.enums import (
    AccountType,
    AssetClass,
    Channel,
    ConsentPurpose,
    EventType,
    RiskTolerance,
)
from nextbest.domain.ids import AccountId, ClientId, GoalId, SecurityId
from nextbest.domain.portfolio import Account, Holding, Portfolio
from nextbest.domain.preferences import ExplicitPreferences
from tests.behaviour_builders import NOW, client, daily_sessions, event, profile, retirement_goal

CATALOG = load_catalog()


def _candidate(
    signal: SignalType, action: ActionType, category: Category, **extra: object
) -> Candidate:
    values: dict[str, object] = {
        "key": f"{signal}:{action}",
        "signal": signal,
        "action_type": action,
        "category": category,
        "urgency": 50,
        "benefit": Benefit("saves money", amount=Decimal("200")),
        "evidence": {},
    }
    values.update(extra)
    return Candidate(**values)  # type: ignore[arg-type]


RESTRICTED = _candidate(
    SignalType.CONSTRAINT_VIOLATION,
    ActionType.SELL_RESTRICTED_HOLDING,
    Category.COMPLIANCE,
    mandatory=True,
    regulated=True,
    urgency=10,
)
REBALANCE = _candidate(
    SignalType.REBALANCING_DRIFT,
    ActionType.REBALANCE,
    Category.REBALANCING,
    goal_id=GoalId("r-1"),
    trades=(Trade(TradeSide.BUY, Decimal("1000"), SecurityId("EQ-1"), AssetClass.EQUITY),),
)
HARVEST = _candidate(SignalType.TAX_LOSS_HARVEST, ActionType.HARVEST_TAX_LOSS, Category.TAX)


def _portfolio(value: str = "80000", monthly: str = "0") -> Portfolio:
    holding = Holding(SecurityId("EQ-1"), Decimal(1), Decimal(value))
    account = Account(
        AccountId("a"),
        AccountType.TAXABLE,
        monthly_contribution=Decimal(monthly),
        holdings=(holding,),
    )
    return Portfolio(ClientId("c-1"), "GBP", accounts=(account,))


def _run(
    candidates: list[Candidate],
    *,
    who: Client | None = None,
    report: ProfileReport | None = None,
    channel: Channel = Channel.IN_APP,
    portfolio: Portfolio | None = None,
) -> dict[str, Considered]:
    who = who or client(goals=(retirement_goal(2040),))
    report = report or profile(daily_sessions(40, topic="tax_wrappers", difficulty=4), who=who)
    found = consider(
        CATALOG,
        candidates,
        client=who,
        profile=report,
        portfolio=portfolio or _portfolio(),
        channel=channel,
        now=NOW,
    )
    return {c.key: c for c in found}


def test_a_mandatory_action_skips_every_policy_and_comes_first() -> None:
    result = _run([HARVEST, RESTRICTED], channel=Channel.SMS)  # SMS offers neither
    assert result[RESTRICTED.key].removed is None
    assert result[HARVEST.key].removed is Removal.CHANNEL
    ranked = arbitrate(result.values(), limit=0)
    assert [c.key for c in ranked] == [RESTRICTED.key]


def test_suitability_removes_more_equity_for_a_cautious_client_near_a_goal() -> None:
    cautious = replace(client(goals=(retirement_goal(2027),)), risk_tolerance=RiskTolerance.LOW)
    result = _run([REBALANCE], who=cautious)
    assert result[REBALANCE.key].removed is Removal.SUITABILITY
    assert "client.risk_tolerance" in (result[REBALANCE.key].reason or "")
    later = replace(client(goals=(retirement_goal(2035),)), risk_tolerance=RiskTolerance.LOW)
    assert _run([REBALANCE], who=later)[REBALANCE.key].removed is None


def test_marketing_needs_consent_and_applicability_follows_the_client() -> None:
    without = _run([])
    assert without["explore-sustainable-funds"].removed is Removal.CONSENT
    assert without["complete-your-goals"].removed is Removal.APPLICABILITY  # has a goal
    assert without["set-up-regular-contribution"].removed is None  # contributes nothing yet
    consenting = replace(
        client(), consents={ConsentPurpose.MARKETING: True, ConsentPurpose.PERSONALIZATION: True}
    )
    result = _run([], who=consenting, portfolio=_portfolio(monthly="250"))
    assert result["explore-sustainable-funds"].removed is None
    assert result["complete-your-goals"].removed is None  # no goals
    assert result["set-up-regular-contribution"].removed is Removal.APPLICABILITY
    assert _run([], portfolio=_portfolio(value="1000"))["book-advisor-review"].removed is (
        Removal.ELIGIBILITY
    )


def test_hidden_and_consistently_dismissed_categories_are_filtered() -> None:
    who = client(goals=(retirement_goal(2040),))
    events = daily_sessions(40)
    for day in range(1, 6):
        events.append(
            event(EventType.RECOMMENDATION_DISMISSED, NOW - timedelta(days=day), category="TAX")
        )
    report = profile(
        events, who=who, preferences=ExplicitPreferences(hidden_categories=frozenset({"CASH"}))
    )
    result = _run([HARVEST], who=who, report=report)
    assert result[HARVEST.key].removed is Removal.DISMISSED
    idle = _candidate(SignalType.IDLE_CASH, ActionType.INVEST_IDLE_CASH, Category.CASH)
    assert _run([idle], who=who, report=report)[idle.key].removed is Removal.HIDDEN


def test_priority_is_the_product_of_its_parts_and_ranks_the_answer() -> None:
    result = _run([HARVEST, REBALANCE])
    scored = [c for c in result.values() if c.score is not None]
    for item in scored:
        parts = item.score
        assert parts is not None
        value_weight = 1 + math.log1p(float(parts.value) / 1_000)
        assert parts.priority == pytest.approx(
            parts.propensity * parts.context_weight * value_weight * parts.lever
        )
        assert 0 <= parts.propensity <= 1
    ranked = arbitrate(result.values(), limit=3)
    assert len(ranked) == 3
    assert [c.rank for c in ranked] == [1, 2, 3]
    priorities = [c.score.priority for c in ranked if c.score is not None]
    assert priorities == sorted(priorities, reverse=True)
    harvest = result[HARVEST.key].score
    assert harvest is not None
    assert harvest.value == Decimal("200")  # value: benefit, the candidate's amount
    assert harvest.context_weight == pytest.approx(1.0)  # urgency 50


def test_ties_in_priority_go_to_the_higher_value() -> None:
    action = CATALOG.get("harvest-tax-loss")
    assert action is not None
    # the same priority (here: none) at different values
    cheap = Considered(
        action, replace(HARVEST, key="cheap"), score=ScoreParts(0.0, 1.0, Decimal(100), 1.0)
    )
    dear = Considered(
        action, replace(HARVEST, key="dear"), score=ScoreParts(0.0, 1.5, Decimal(200), 1.0)
    )
    assert cheap.score is not None
    assert dear.score is not None
    assert cheap.score.priority == dear.score.priority
    assert [c.key for c in arbitrate([cheap, dear], limit=5)] == ["dear", "cheap"]
    removed = Considered(action, replace(HARVEST, key="gone"), removed=Removal.CHANNEL, reason="x")
    assert [c.key for c in arbitrate([removed, cheap], limit=5)] == ["cheap"]


def test_approved_suggestions_come_first_and_held_ones_take_no_place() -> None:
    action = CATALOG.get("harvest-tax-loss")
    assert action is not None

    def at(key: str, priority: float) -> Considered:
        return Considered(
            action, replace(HARVEST, key=key), score=ScoreParts(priority, 1.0, Decimal(0), 1.0)
        )

    top, middle, low = at("top", 0.9), at("middle", 0.5), at("low", 0.1)
    options = [top, middle, low]
    assert [c.key for c in arbitrate(options, limit=1)] == ["top"]
    assert [c.key for c in arbitrate(options, limit=1, first=frozenset({"low"}))] == ["low"]
    # "top" waits for review: chosen (for the queue) but the answer still gets its one place
    held = arbitrate(options, limit=1, held=frozenset({"top"}))
    assert [c.key for c in held] == ["top", "middle"]
    assert [c.rank for c in held] == [1, 2]
    # a held one ranked below the answer's last place is not queued
    assert [c.key for c in arbitrate(options, limit=1, held=frozenset({"low"}))] == ["top"]
    # nor does it use up its category's share
    assert [
        c.key for c in arbitrate(options, limit=2, per_category=1, held=frozenset({"top"}))
    ] == [
        "top",
        "middle",
    ]


def test_the_baseline_prefers_categories_the_client_accepts() -> None:
    who = client(goals=(retirement_goal(2040),))
    liked = daily_sessions(40) + [
        event(EventType.RECOMMENDATION_ACCEPTED, NOW - timedelta(days=d), category="TAX")
        for d in range(1, 8)
    ]
    action = CATALOG.get("harvest-tax-loss")
    assert action is not None
    fond = baseline_propensity(action, HARVEST, profile(liked, who=who))
    neutral = baseline_propensity(action, HARVEST, profile(daily_sessions(40), who=who))
    assert fond > neutral


def test_at_most_k_actions_of_one_category_are_served() -> None:
    action = CATALOG.get("harvest-tax-loss")
    assert action is not None
    taxes = [
        Considered(
            action,
            replace(HARVEST, key=f"tax-{i}"),
            score=ScoreParts(1.0 - i / 10, 1.0, Decimal(100), 1.0),
        )
        for i in range(4)
    ]
    other = CATALOG.get("read-article")
    assert other is not None
    article = Considered(other, None, score=ScoreParts(0.1, 1.0, Decimal(2), 1.0))
    served = arbitrate([*taxes, article], limit=3, per_category=2)
    assert [c.key for c in served] == ["tax-0", "tax-1", "read-article"]
    assert len(arbitrate([*taxes, article], limit=3)) == 3
