"""GOAL_PROGRESS: each goal projected by Monte Carlo and judged against its priority's threshold.

The running example is a home bought at the end of 2036 for 100,000 in today's money, seen on
1 February 2026 (130 months away) by a MEDIUM-risk client with 20,000 in an ISA linked to it.
Boundary cases are built with the solver on the very simulation the detector runs: the same
``paths`` and the same seed (the context's, 0).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType
from nextbest.domain.client import Goal
from nextbest.domain.enums import GoalType, Priority, RiskTolerance, Sector
from nextbest.domain.portfolio import Portfolio
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.finance.glide_path import DEFAULT_GLIDE_PATH
from nextbest.finance.projection import summarise
from nextbest.finance.simulation import GoalSimulation, simulate_goal
from nextbest.finance.solvers import (
    PRIORITY_THRESHOLDS,
    RequiredContribution,
    required_contribution,
)
from nextbest.signals.base import SignalContext
from nextbest.signals.goal_funding import months_to_target
from nextbest.signals.goal_progress import GoalProgressDetector
from tests.signals_builders import (
    AS_OF,
    account,
    cash_security,
    client,
    context,
    goal,
    holding,
    portfolio,
    security,
    taxable_account,
)

PATHS = 2_000
HOME = "home-purchase-1"
SECURITIES = (security("EQ-FUND", sector=Sector.DIVERSIFIED), cash_security())
INVESTED = 20_000
TARGET = 100_000
SAVING = 400
"""Short of every threshold, but a later year within the detector's 15 extra years works."""


def _home(**kw: Any) -> Goal:
    fields: dict[str, Any] = {"target_year": 2036, "target_amount": TARGET, **kw}
    return goal(GoalType.HOME_PURCHASE, **fields)


def _context(
    home: Goal,
    saving: Decimal | str | int = 0,
    *,
    invested: Decimal | str | int = INVESTED,
    as_of: date = AS_OF,
    book: Portfolio | None = None,
) -> SignalContext:
    """``home`` funded by one ISA linked to it, unless ``book`` says otherwise."""
    if book is None:
        book = portfolio(
            account(
                "isa-1",
                holding("EQ-FUND", invested),
                monthly_contribution=saving,
                goal_id=HOME,
            )
        )
    return context(client=client(goals=[home]), portfolio=book, securities=SECURITIES, as_of=as_of)


def _detect(ctx: SignalContext, **kw: Any) -> Candidate:
    [found] = GoalProgressDetector(paths=PATHS, **kw).detect(ctx)
    return found


def _simulation(home: Goal, as_of: date = AS_OF) -> GoalSimulation:
    """The simulation the detector runs for ``home``: same horizon, glide path, paths, seed."""
    return simulate_goal(
        months=months_to_target(home.target_year, as_of),
        assumptions=DEFAULT_ASSUMPTIONS,
        glide_path=DEFAULT_GLIDE_PATH,
        risk_tolerance=RiskTolerance.MEDIUM,
        paths=PATHS,
        seed=0,
    )


def _solve(home: Goal, priority: Priority) -> RequiredContribution:
    needed = required_contribution(
        _simulation(home),
        initial_value=INVESTED,
        target_amount=float(home.target_amount),
        threshold=PRIORITY_THRESHOLDS[priority],
    )
    assert needed.monthly_contribution > 0  # the example needs saving at all
    return needed


def _required(home: Goal, priority: Priority) -> int:
    return int(_solve(home, priority).monthly_contribution)


def _probability(candidate: Candidate) -> Decimal:
    return Decimal(candidate.evidence["probability_real"])


def test_saving_exactly_the_required_contribution_is_on_track() -> None:
    home = _home()
    needed = _solve(home, Priority.MEDIUM)
    found = _detect(_context(home, int(needed.monthly_contribution)))
    assert found.key == f"GOAL_PROGRESS:{HOME}:on_track"
    assert found.signal is SignalType.GOAL_PROGRESS
    assert found.action_type is ActionType.GOAL_ON_TRACK
    assert found.category is Category.GOAL
    assert found.goal_id == HOME
    assert found.urgency == 10
    assert found.evidence["threshold"] == "0.7500"
    assert _probability(found) >= Decimal("0.7500")
    assert found.evidence["probability_real"] == f"{needed.probability:.4f}"


def test_saving_one_unit_less_than_required_asks_for_exactly_that_unit() -> None:
    home = _home()
    solved = _solve(home, Priority.MEDIUM)
    needed = int(solved.monthly_contribution)
    found = _detect(_context(home, needed - 1))
    assert found.key == f"GOAL_PROGRESS:{HOME}"
    assert found.action_type is ActionType.INCREASE_CONTRIBUTION
    assert _probability(found) < Decimal("0.75")
    assert found.benefit.amount == Decimal("1.00")
    assert found.evidence["monthly_increase"] == "1.00"
    assert found.evidence["required_monthly_contribution"] == f"{needed}.00"
    assert found.evidence["probability_with_increase"] == f"{solved.probability:.4f}"


def test_saving_one_unit_more_than_required_is_on_track() -> None:
    home = _home()
    found = _detect(_context(home, _required(home, Priority.MEDIUM) + 1))
    assert found.action_type is ActionType.GOAL_ON_TRACK
    assert _probability(found) >= Decimal("0.75")


def test_the_suggested_increase_re_simulates_to_the_threshold() -> None:
    home = _home()
    off = _detect(_context(home, SAVING))
    increase = off.benefit.amount
    assert increase is not None
    assert increase > 0
    assert increase == Decimal(off.evidence["monthly_increase"])
    projected = summarise(
        _simulation(home),
        initial_value=INVESTED,
        monthly_contribution=float(SAVING + increase),
        target_amount=TARGET,
    )
    assert projected.probability_real >= 0.75
    assert f"{projected.probability_real:.4f}" == off.evidence["probability_with_increase"]
    # The detector agrees, and the increase is the least that works.
    assert _detect(_context(home, SAVING + increase)).action_type is ActionType.GOAL_ON_TRACK
    assert _detect(_context(home, SAVING + increase - 1)).action_type is (
        ActionType.INCREASE_CONTRIBUTION
    )


def test_the_priority_sets_the_bar_high_needs_more_than_low() -> None:
    saving = _required(_home(), Priority.LOW)  # meets 60% on the nose, short of 85%
    low = _detect(_context(_home(priority=Priority.LOW), saving))
    high = _detect(_context(_home(priority=Priority.HIGH), saving))
    assert low.action_type is ActionType.GOAL_ON_TRACK
    assert low.evidence["threshold"] == "0.6000"
    assert high.action_type is ActionType.INCREASE_CONTRIBUTION
    assert high.evidence["threshold"] == "0.8500"
    assert high.evidence["probability_real"] == low.evidence["probability_real"]
    assert Decimal(high.evidence["probability_with_increase"]) >= Decimal("0.85")


def test_a_firm_may_pass_its_own_thresholds() -> None:
    saving = _required(_home(), Priority.LOW)
    strict = {priority: 0.99 for priority in Priority}
    found = _detect(_context(_home(priority=Priority.LOW), saving), thresholds=strict)
    assert found.action_type is ActionType.INCREASE_CONTRIBUTION
    assert found.evidence["threshold"] == "0.9900"


def test_the_later_target_year_in_detail_is_the_earliest_that_works() -> None:
    home = _home()
    off = _detect(_context(home, SAVING))
    year = off.detail["later_target_year"]
    assert isinstance(year, int)
    assert year > home.target_year
    later = _detect(_context(_home(target_year=year), SAVING))
    assert later.action_type is ActionType.GOAL_ON_TRACK
    # The same shocks replayed: the probability promised is the probability found.
    assert later.evidence["probability_real"] == off.detail["later_target_year_probability"]
    sooner = _detect(_context(_home(target_year=year - 1), SAVING))
    assert sooner.action_type is ActionType.INCREASE_CONTRIBUTION


def test_the_smaller_target_in_detail_is_the_largest_that_works() -> None:
    home = _home()
    off = _detect(_context(home, SAVING))
    smaller = Decimal(off.detail["smaller_target_amount"])
    assert 0 < smaller < TARGET
    assert smaller == smaller.to_integral_value()
    met = _detect(_context(_home(target_amount=smaller), SAVING))
    assert met.action_type is ActionType.GOAL_ON_TRACK
    missed = _detect(_context(_home(target_amount=smaller + 1), SAVING))
    assert missed.action_type is ActionType.INCREASE_CONTRIBUTION


def test_no_later_year_is_offered_when_even_the_latest_falls_short() -> None:
    off = _detect(_context(_home(), SAVING), max_extra_years=1)
    assert off.detail["later_target_year"] is None
    assert off.detail["later_target_year_probability"] is None


@pytest.mark.parametrize(
    "book",
    [
        None,
        portfolio(account("sipp-1", holding("EQ-FUND", 50_000), goal_id="retirement-1")),
    ],
    ids=["no portfolio", "everything linked to another goal"],
)
def test_a_goal_nothing_funds_is_projected_from_zero_without_a_crash(
    book: Portfolio | None,
) -> None:
    home = _home()
    found = _detect(replace(_context(home), portfolio=book))
    assert found.action_type is ActionType.INCREASE_CONTRIBUTION
    assert found.evidence["funded_value"] == "0"
    assert found.evidence["monthly_contribution"] == "0"
    assert found.evidence["linked_holdings"] == []
    assert found.evidence["probability_real"] == "0.0000"
    assert found.evidence["outcome_today_p50"] == "0.00"
    assert found.evidence["required_monthly_contribution"] == found.evidence["monthly_increase"]
    assert found.detail == {
        "later_target_year": None,
        "later_target_year_probability": None,
        "smaller_target_amount": "0.00",
    }
    # 30 + 50 * (whole gap) + nothing for nearness: 2036 is more than ten years away
    assert found.urgency == 80


def test_a_declared_funding_share_counts_that_share_of_unlinked_money() -> None:
    book = portfolio(
        account("isa-1", holding("EQ-FUND", 40_000), monthly_contribution=400),
        account(
            "sipp-1", holding("EQ-FUND", 30_000), monthly_contribution=300, goal_id="retirement-1"
        ),
    )
    shared = _detect(_context(_home(extra={"funding_share": "0.25"}), book=book))
    assert shared.evidence["funding_share"] == "0.25"
    assert shared.evidence["funding_share_problem"] is None
    assert Decimal(shared.evidence["funded_value"]) == 10_000
    assert Decimal(shared.evidence["monthly_contribution"]) == 100
    assert shared.evidence["linked_holdings"] == []  # a share names no holdings
    linked = _detect(_context(_home(), 100, invested=10_000))
    assert shared.evidence["probability_real"] == linked.evidence["probability_real"]


@pytest.mark.parametrize(
    ("share", "problem"),
    [
        ("abc", "funding_share 'abc' is not a number"),
        (1.5, "funding_share 1.5 is not between 0 and 1"),
        ("-0.1", "funding_share '-0.1' is not between 0 and 1"),
        ("nan", "funding_share 'nan' is not a number"),
        (float("nan"), "funding_share nan is not a number"),
    ],
)
def test_a_bad_funding_share_is_ignored_and_reported(share: object, problem: str) -> None:
    book = portfolio(account("isa-1", holding("EQ-FUND", 40_000), monthly_contribution=400))
    found = _detect(_context(_home(extra={"funding_share": share}), book=book))
    assert found.evidence["funding_share"] is None
    assert found.evidence["funding_share_problem"] == problem
    assert found.evidence["funded_value"] == "0"
    assert found.action_type is ActionType.INCREASE_CONTRIBUTION


def test_an_increase_of_a_fraction_of_a_cent_is_rounded_up_not_away() -> None:
    # Nothing invested, so the contribution 75% of paths need is proportional to the target:
    # pick the target that makes it 626.998, and a share that saves 626.996865 towards it.
    sim = _simulation(_home())
    per_unit_target = float(np.partition(sim.deflator / sim.annuity, 1_499)[1_499])
    target = Decimal(626.998 / per_unit_target).quantize(Decimal("0.01"))
    home = _home(target_amount=target, extra={"funding_share": "0.999995"})
    book = portfolio(account("isa-1", monthly_contribution=627))
    found = _detect(replace(_context(home), portfolio=book))
    assert found.evidence["monthly_contribution"] == "626.996865"
    assert found.evidence["required_monthly_contribution"] == "627.00"
    assert found.benefit.amount == Decimal("0.01")  # not 0.00
    assert found.benefit.description.startswith("Saving 0.01 GBP more a month")


def test_a_holdings_own_goal_overrides_its_accounts_goal() -> None:
    retirement = goal(GoalType.RETIREMENT, target_year=2050)
    book = portfolio(
        account(
            "isa-1",
            holding("EQ-FUND", 20_000),
            holding("CASH-GBP", 5_000, goal_id="retirement-1"),
            monthly_contribution=200,
            goal_id=HOME,
        ),
        taxable_account("gia-1", holding("EQ-FUND", 7_000, goal_id=HOME)),
    )
    ctx = replace(_context(_home(), book=book), client=client(goals=[_home(), retirement]))
    home, pension = GoalProgressDetector(paths=PATHS).detect(ctx)
    assert (home.goal_id, pension.goal_id) == (HOME, "retirement-1")
    assert home.evidence["funded_value"] == "27000"
    assert home.evidence["monthly_contribution"] == "200"
    assert home.evidence["linked_holdings"] == ["EQ-FUND", "EQ-FUND"]
    assert pension.evidence["funded_value"] == "5000"
    assert pension.evidence["monthly_contribution"] == "0"  # the account saves for the home
    assert pension.evidence["linked_holdings"] == ["CASH-GBP"]
    assert pension.category is Category.RETIREMENT


@pytest.mark.parametrize("target_year", [2026, 2025], ids=["due this year", "past its date"])
def test_a_goal_due_now_is_projected_over_one_month(target_year: int) -> None:
    home = _home(target_year=target_year, target_amount=10_000)
    december = date(2026, 12, 15)
    on = _detect(_context(home, invested=20_000, as_of=december))
    assert on.action_type is ActionType.GOAL_ON_TRACK
    assert on.evidence["months_to_target"] == 1
    off = _detect(_context(home, invested=5_000, as_of=december))
    assert off.action_type is ActionType.INCREASE_CONTRIBUTION
    assert off.evidence["months_to_target"] == 1
    assert off.urgency == 100
    increase = off.benefit.amount
    assert increase is not None
    again = _detect(_context(home, increase, invested=5_000, as_of=december))
    assert again.action_type is ActionType.GOAL_ON_TRACK


def test_on_track_insights_can_be_turned_off() -> None:
    home = _home()
    needed = _required(home, Priority.MEDIUM)
    quiet = GoalProgressDetector(paths=PATHS, on_track_insights=False)
    assert quiet.detect(_context(home, needed)) == []
    [off] = quiet.detect(_context(home, needed - 1))
    assert off.action_type is ActionType.INCREASE_CONTRIBUTION


def test_each_goal_gets_its_own_candidate_and_no_goal_gives_none() -> None:
    retirement = goal(GoalType.RETIREMENT, target_year=2050)
    ctx = replace(_context(_home(), SAVING), client=client(goals=[_home(), retirement]))
    found = GoalProgressDetector(paths=PATHS).detect(ctx)
    assert [c.goal_id for c in found] == [HOME, "retirement-1"]
    assert GoalProgressDetector(paths=PATHS).detect(replace(ctx, client=client())) == []


def test_the_same_context_gives_the_same_candidates() -> None:
    ctx = _context(_home(), SAVING)
    first = GoalProgressDetector(paths=PATHS).detect(ctx)
    assert first == GoalProgressDetector(paths=PATHS).detect(ctx)
    assert first[0].evidence["paths"] == PATHS
    assert first[0].evidence["seed"] == 0
    assert first[0].evidence["assumptions"] == DEFAULT_ASSUMPTIONS.fingerprint()


def _pct(probability: str) -> str:
    return f"{float(probability) * 100:.0f}%"


def test_evidence_is_json_ready_and_agrees_with_the_benefit_text() -> None:
    home = _home()
    off = _detect(_context(home, SAVING))
    on = _detect(_context(home, 5_000))
    for found in (off, on):
        json.dumps(found.evidence)
        json.dumps(dict(found.detail))
    before, after = off.evidence["probability_real"], off.evidence["probability_with_increase"]
    assert off.benefit.description == (
        f"Saving {off.benefit.amount:,.2f} GBP more a month would lift the chance of reaching "
        f"your 2036 home purchase goal from {_pct(before)} to {_pct(after)}."
    )
    assert off.benefit.percentage == (Decimal(after) - Decimal(before)) * 100
    assert re.search(rf"a {_pct(on.evidence['probability_real'])} chance", on.benefit.description)
    assert on.benefit.percentage == Decimal(on.evidence["probability_real"]) * 100
    assert on.benefit.amount is None
    assert (
        Decimal(off.evidence["outcome_today_p10"])
        <= Decimal(off.evidence["outcome_today_p50"])
        <= Decimal(off.evidence["outcome_today_p90"])
    )


def test_a_named_goal_is_called_by_its_name() -> None:
    found = _detect(_context(_home(name="Flat in Leeds"), SAVING))
    assert 'your 2036 goal "Flat in Leeds"' in found.benefit.description
