"""The seeded demo book: deterministic, realistic, and consistent with the domain's rules."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from statistics import mean

import pytest

from nextbest.domain.enums import (
    AssetClass,
    ConsentPurpose,
    Controversy,
    EsgFocus,
    EventType,
    GoalType,
    Sector,
    TaxWrapper,
)
from nextbest.domain.event import REQUIRED_CONTEXT
from nextbest.sim.demo_book import DemoBook, build_demo_book
from nextbest.sim.demo_clients import SCREENS
from nextbest.sim.security_master import build_security_master

AS_OF = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
DAYS = 60
SECURITY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
EVENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
WRAPPERS = {
    "GB": {TaxWrapper.ISA, TaxWrapper.SIPP, TaxWrapper.LISA, TaxWrapper.JISA, TaxWrapper.NONE},
    "ZA": {
        TaxWrapper.TFSA,
        TaxWrapper.RETIREMENT_ANNUITY,
        TaxWrapper.PRESERVATION_FUND,
        TaxWrapper.NONE,
    },
    "US": {
        TaxWrapper.IRA,
        TaxWrapper.ROTH_IRA,
        TaxWrapper.K401,
        TaxWrapper.PLAN_529,
        TaxWrapper.NONE,
    },
}


@pytest.fixture(scope="module")
def book() -> DemoBook:
    return build_demo_book(clients=200, seed=7, days=DAYS, as_of=AS_OF)


def test_same_seed_gives_the_same_book(book: DemoBook) -> None:
    assert build_demo_book(clients=200, seed=7, days=DAYS, as_of=AS_OF) == book


def test_another_seed_gives_another_book(book: DemoBook) -> None:
    other = build_demo_book(clients=200, seed=8, days=DAYS, as_of=AS_OF)
    assert other.clients != book.clients
    assert other.events != book.events


def test_a_smaller_book_is_the_start_of_a_larger_one(book: DemoBook) -> None:
    small = build_demo_book(clients=20, seed=7, days=DAYS, as_of=AS_OF)
    assert small.clients == book.clients[:20]
    assert small.portfolios == tuple(p for p in book.portfolios if p.client_id <= "demo-00020")


@pytest.mark.slow
def test_default_book_has_a_thousand_clients_and_a_realistic_amount_of_behaviour() -> None:
    book = build_demo_book(as_of=AS_OF)
    assert len(book.clients) >= 1000
    assert 0.9 * len(book.clients) <= len(book.portfolios) < len(book.clients)
    assert 30 <= len(book.events) / len(book.clients) <= 120


def test_security_master_has_150_securities_across_all_asset_classes() -> None:
    master = build_security_master(seed=7)
    assert len(master) >= 150
    assert {s.asset_class for s in master} == set(AssetClass)
    assert {s.currency for s in master} == {"GBP", "ZAR", "USD", "EUR"}
    assert {s.region for s in master} == {
        "UK",
        "South Africa",
        "US",
        "Europe",
        "Global",
        "Emerging Markets",
    }


def test_security_ids_and_names_are_unique_and_well_formed(book: DemoBook) -> None:
    ids = [s.security_id for s in book.securities]
    assert len(set(ids)) == len(ids)
    assert all(SECURITY_ID.match(security_id) for security_id in ids)
    assert len({s.name for s in book.securities}) == len(ids)
    assert {"CASH-GBP", "CASH-ZAR", "CASH-USD"} <= set(ids)


def test_prices_and_esg_scores_are_decimals_of_fixed_precision(book: DemoBook) -> None:
    for security in book.securities:
        assert isinstance(security.price, Decimal)
        assert security.price > 0
        assert security.price.as_tuple().exponent == -4
        if security.esg_score is not None:
            assert Decimal(0) <= security.esg_score <= Decimal(100)
            assert security.esg_score.as_tuple().exponent == -2


def test_esg_scores_follow_the_sector(book: DemoBook) -> None:
    def average(involvement: Controversy | Sector) -> float:
        return mean(
            float(s.esg_score)
            for s in book.securities
            if s.esg_score is not None
            and (s.sector is involvement or involvement in s.controversies)
        )

    assert average(Controversy.TOBACCO) < average(Sector.UTILITIES)
    assert average(Controversy.FOSSIL_FUELS) < average(Sector.INFORMATION_TECHNOLOGY)


def test_every_screen_clients_choose_catches_several_companies(book: DemoBook) -> None:
    flagged = Counter(c for s in book.securities for c in s.controversies)
    assert all(flagged[screen] >= 5 for screen in SCREENS)


def test_clients_are_22_to_75_and_come_from_all_three_countries(book: DemoBook) -> None:
    ages = [client.age_in(AS_OF.year) for client in book.clients]
    assert all(22 <= age <= 75 for age in ages)
    assert max(ages) - min(ages) >= 35
    assert {c.country for c in book.clients} == {"GB", "ZA", "US"}
    currency = {"GB": "GBP", "ZA": "ZAR", "US": "USD"}
    assert all(c.base_currency == currency[c.country] for c in book.clients)
    assert [c.client_id for c in book.clients][:2] == ["demo-00001", "demo-00002"]


def test_every_goal_falls_due_this_year_or_later(book: DemoBook) -> None:
    for client in book.clients:
        assert 1 <= len(client.profile.goals) <= 4
        assert client.profile.problems(as_of_year=AS_OF.year) == []
        for goal in client.profile.goals:
            assert goal.target_amount > 0
    soon = [g for c in book.clients for g in c.profile.goals if g.target_year - AS_OF.year <= 3]
    assert soon, "some goals must be close so derisking has something to find"


def test_retirement_goals_fall_at_retirement_age(book: DemoBook) -> None:
    for client in book.clients:
        for goal in client.profile.goals:
            if goal.goal_type is GoalType.RETIREMENT and client.age_in(AS_OF.year) < 57:
                assert 60 <= client.age_in(goal.target_year) <= 67


def test_every_holding_is_in_the_security_master(book: DemoBook) -> None:
    known = {s.security_id for s in book.securities}
    assert all(h.security_id in known for p in book.portfolios for _, h in p.holdings())


def test_holdings_are_valued_at_quantity_times_price(book: DemoBook) -> None:
    prices = {s.security_id: s.price for s in book.securities}
    for portfolio in book.portfolios:
        assert 3 <= len(portfolio.holdings()) <= 15
        assert portfolio.as_of == AS_OF.date()
        for _, holding in portfolio.holdings():
            price = prices[holding.security_id]
            assert price is not None
            assert holding.market_value == (holding.quantity * price).quantize(Decimal("0.01"))
            assert holding.market_value > 0
            assert holding.acquired_on is None or holding.acquired_on < AS_OF.date()


def test_some_holdings_stand_at_a_loss(book: DemoBook) -> None:
    holdings = [h for p in book.portfolios for _, h in p.holdings() if h.cost_basis is not None]
    losses = [h for h in holdings if h.cost_basis is not None and h.cost_basis > h.market_value]
    assert 0.1 < len(losses) / len(holdings) < 0.6


def test_every_goal_link_names_a_goal_of_the_client(book: DemoBook) -> None:
    goals = {c.client_id: {g.goal_id: g.goal_type for g in c.profile.goals} for c in book.clients}
    for portfolio in book.portfolios:
        mine = goals[portfolio.client_id]
        for account in portfolio.accounts:
            if account.goal_id is not None:
                assert account.goal_id in mine
            if account.tax_wrapper in {TaxWrapper.JISA, TaxWrapper.PLAN_529}:
                assert account.goal_id is not None
                assert mine[account.goal_id] is GoalType.EDUCATION
            for holding in account.holdings:
                assert holding.goal_id is None or holding.goal_id in mine


def test_accounts_use_the_tax_wrappers_of_the_clients_country(book: DemoBook) -> None:
    countries = {c.client_id: c.country for c in book.clients}
    for portfolio in book.portfolios:
        ids = [a.account_id for a in portfolio.accounts]
        assert len(set(ids)) == len(ids)
        for account in portfolio.accounts:
            assert account.tax_wrapper in WRAPPERS[countries[portfolio.client_id]]
            assert account.monthly_contribution >= 0


def test_target_allocations_sum_to_exactly_one(book: DemoBook) -> None:
    for portfolio in book.portfolios:
        assert sum(portfolio.target_allocation.values(), Decimal(0)) == Decimal(1)


def test_some_portfolios_drift_and_some_sit_on_cash(book: DemoBook) -> None:
    by_id = {s.security_id: s for s in book.securities}
    drifted = idle = 0
    for portfolio in book.portfolios:
        weights = dict.fromkeys(AssetClass, Decimal(0))
        for _, holding in portfolio.holdings():
            asset_class = by_id[holding.security_id].asset_class
            weights[asset_class] += holding.market_value / portfolio.market_value
        target = portfolio.target_allocation
        drifted += abs(weights[AssetClass.EQUITY] - target[AssetClass.EQUITY]) > Decimal("0.08")
        idle += weights[AssetClass.CASH] > Decimal("0.25")
    assert drifted >= 0.1 * len(book.portfolios)
    assert idle >= 0.05 * len(book.portfolios)


def test_some_clients_hold_securities_their_screens_exclude(book: DemoBook) -> None:
    by_id = {s.security_id: s for s in book.securities}
    portfolios = {p.client_id: p for p in book.portfolios}
    screened = [
        c
        for c in book.clients
        if c.profile.constraints.restricted_sectors and c.client_id in portfolios
    ]
    breaking = [
        c
        for c in screened
        if any(
            by_id[h.security_id].is_restricted_by(c.profile.constraints.restricted_sectors)
            for _, h in portfolios[c.client_id].holdings()
        )
    ]
    assert 0.15 * len(screened) <= len(breaking) <= 0.5 * len(screened)
    assert 0.2 <= len(screened) / len(book.clients) <= 0.45


def test_some_esg_minded_clients_hold_low_esg_companies(book: DemoBook) -> None:
    by_id = {s.security_id: s for s in book.securities}
    portfolios = {p.client_id: p for p in book.portfolios}
    minded = [
        c
        for c in book.clients
        if c.profile.preferences.esg_focus is EsgFocus.HIGH and c.client_id in portfolios
    ]
    holding_low = [
        c
        for c in minded
        if any(
            (by_id[h.security_id].esg_score or Decimal(100)) < 35
            for _, h in portfolios[c.client_id].holdings()
        )
    ]
    assert minded
    assert holding_low


def test_consents_vary_between_clients(book: DemoBook) -> None:
    def granted(purpose: ConsentPurpose) -> int:
        return sum(client.has_consent(purpose) for client in book.clients)

    assert 0.8 * len(book.clients) <= granted(ConsentPurpose.PERSONALIZATION) < len(book.clients)
    assert 0.8 * len(book.clients) <= granted(ConsentPurpose.TRACKING) < len(book.clients)
    assert 0.15 * len(book.clients) <= granted(ConsentPurpose.MARKETING) <= 0.45 * len(book.clients)


def test_events_fall_in_the_window_before_as_of(book: DemoBook) -> None:
    start = AS_OF - timedelta(days=DAYS)
    assert book.events
    assert all(start <= e.occurred_at < AS_OF for e in book.events)
    assert all(e.occurred_at.utcoffset() == timedelta(0) for e in book.events)
    assert list(book.events) == sorted(book.events, key=lambda e: (e.occurred_at, e.event_id))


def test_event_ids_are_unique_and_well_formed(book: DemoBook) -> None:
    ids = [event.event_id for event in book.events]
    assert len(set(ids)) == len(ids)
    assert all(EVENT_ID.match(event_id) for event_id in ids)


def test_events_carry_their_required_context(book: DemoBook) -> None:
    for event in book.events:
        assert all(key in event.context for key in REQUIRED_CONTEXT.get(event.event_type, ()))
        if event.event_type is EventType.TIME_SPENT:
            duration = event.context["duration_seconds"]
            assert isinstance(duration, int)
            assert 0 <= duration <= 86_400
        elif event.event_type is EventType.GOAL_CREATED:
            GoalType(event.context["goal_type"])
        elif event.event_type is EventType.CONTENT_READ:
            assert 1 <= event.context["difficulty"] <= 5
        elif event.event_type.startswith("RECOMMENDATION_"):
            assert event.target_type == "recommendation"
            assert event.target_id is not None
            assert event.target_id.startswith("rec-demo-")
            assert "category" in event.context


def test_every_event_type_occurs(book: DemoBook) -> None:
    assert {event.event_type for event in book.events} == set(EventType)


def test_activity_is_heavy_tailed(book: DemoBook) -> None:
    per_client = Counter(event.client_id for event in book.events)
    counts = sorted(per_client.values())
    assert counts[-1] > 5 * counts[len(counts) // 2]
    assert len(per_client) < len(book.clients)


def test_clients_who_refused_tracking_send_no_events(book: DemoBook) -> None:
    refused = {c.client_id for c in book.clients if not c.has_consent(ConsentPurpose.TRACKING)}
    assert refused
    assert not any(event.client_id in refused for event in book.events)


def test_clients_who_refused_personalization_see_no_recommendations(book: DemoBook) -> None:
    refused = {
        c.client_id for c in book.clients if not c.has_consent(ConsentPurpose.PERSONALIZATION)
    }
    assert not any(
        event.client_id in refused and event.event_type.startswith("RECOMMENDATION_")
        for event in book.events
    )


def test_as_of_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_demo_book(clients=1, as_of=datetime(2026, 2, 1))
