"""Repositories against a real database: SQLite always, PostgreSQL when configured."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from nextbest.domain.client import Client, ClientProfile, Constraints, Goal, Preferences
from nextbest.domain.enums import (
    AccountType,
    AssetClass,
    ConsentPurpose,
    Controversy,
    EsgFocus,
    EventType,
    GoalType,
    RiskTolerance,
    Sector,
    TaxWrapper,
)
from nextbest.domain.event import Event
from nextbest.domain.ids import AccountId, ClientId, EventId, GoalId, SecurityId
from nextbest.domain.portfolio import Account, Holding, Portfolio
from nextbest.domain.security import Security
from nextbest.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def a_client(client_id: str = "c-1", **overrides: object) -> Client:
    client = Client(
        client_id=ClientId(client_id),
        birth_year=1980,
        country="ZA",
        base_currency="ZAR",
        risk_tolerance=RiskTolerance.LOW,
        profile=ClientProfile(
            goals=(
                Goal(GoalId("edu"), GoalType.EDUCATION, 2035, Decimal("250000.50"), extra={"x": 1}),
            ),
            preferences=Preferences(esg_focus=EsgFocus.HIGH, extra={"language": "af"}),
            constraints=Constraints(
                restricted_sectors=frozenset({Controversy.TOBACCO, Sector.ENERGY}),
                restricted_securities=frozenset({SecurityId("EQ-9")}),
            ),
            extra={"household": {"dependants": 2}},
        ),
        consents={ConsentPurpose.TRACKING: True, ConsentPurpose.MARKETING: False},
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(client, **overrides)  # type: ignore[arg-type]


def a_security(security_id: str = "EQ-1") -> Security:
    return Security(
        SecurityId(security_id),
        "Sable Mining",
        AssetClass.EQUITY,
        Sector.MATERIALS,
        esg_score=Decimal("33.25"),
        controversies=frozenset({Controversy.FOSSIL_FUELS}),
        price=Decimal("12.3456"),
    )


def an_event(event_id: str, client_id: str = "c-1", minutes: int = 0) -> Event:
    return Event(
        EventId(event_id),
        ClientId(client_id),
        EventType.CONTENT_READ,
        NOW - timedelta(minutes=minutes),
        session_id="s",
        context={"topic": "tax", "nested": {"a": [1, 2]}},
    )


def test_a_client_round_trips_with_profile_extras_and_consents(uow: UnitOfWork) -> None:
    with uow:
        assert uow.clients.save(a_client()) is True
        uow.commit()
    with uow:
        assert uow.clients.get(ClientId("c-1")) == a_client()


def test_saving_again_replaces_fields_and_consents(uow: UnitOfWork) -> None:
    with uow:
        uow.clients.save(a_client())
        uow.commit()
    later = NOW + timedelta(days=1)
    changed = a_client(
        risk_tolerance=RiskTolerance.HIGH,
        consents={ConsentPurpose.MARKETING: True},
        updated_at=later,
    )
    with uow:
        assert uow.clients.save(changed) is False
        uow.commit()
    with uow:
        stored = uow.clients.get(ClientId("c-1"))
    assert stored is not None
    assert stored.risk_tolerance is RiskTolerance.HIGH
    assert stored.consents == {ConsentPurpose.MARKETING: True}
    assert stored.created_at == NOW
    assert stored.updated_at == later


def test_leaving_the_unit_of_work_without_commit_rolls_back(uow: UnitOfWork) -> None:
    with uow:
        uow.clients.save(a_client())
    with uow:
        assert uow.clients.get(ClientId("c-1")) is None


def test_existing_finds_a_batch_of_clients_in_one_query(uow: UnitOfWork) -> None:
    with uow:
        uow.clients.save(a_client("a"))
        uow.clients.save(a_client("b"))
        uow.commit()
    with uow:
        assert uow.clients.existing(["a", "b", "z"]) == {"a", "b"}
        assert uow.clients.count() == 2


def test_securities_upsert_reports_new_ones_and_updates_in_place(uow: UnitOfWork) -> None:
    with uow:
        assert uow.securities.upsert_many([a_security("A"), a_security("B")], now=NOW) == 2
        uow.commit()
    renamed = replace(a_security("A"), name="Sable Mining Holdings", controversies=frozenset())
    with uow:
        assert uow.securities.upsert_many([renamed, a_security("C")], now=NOW) == 1
        uow.commit()
    with uow:
        found = uow.securities.get_many(["A", "B", "C", "D"])
    assert set(found) == {"A", "B", "C"}
    assert found[SecurityId("A")] == renamed
    assert found[SecurityId("B")].price == Decimal("12.3456")


def test_a_portfolio_round_trips_exactly(uow: UnitOfWork) -> None:
    portfolio = Portfolio(
        client_id=ClientId("c-1"),
        base_currency="ZAR",
        as_of=date(2026, 1, 31),
        target_allocation={AssetClass.EQUITY: Decimal("0.7"), AssetClass.BOND: Decimal("0.3")},
        accounts=(
            Account(
                AccountId("tfsa-1"),
                AccountType.TAX_FREE_SAVINGS,
                TaxWrapper.TFSA,
                monthly_contribution=Decimal("3000"),
                goal_id=GoalId("edu"),
                holdings=(
                    Holding(
                        SecurityId("EQ-1"),
                        Decimal("10.5"),
                        Decimal("129.63"),
                        cost_basis=Decimal("100"),
                        acquired_on=date(2020, 5, 1),
                        goal_id=GoalId("edu"),
                    ),
                ),
            ),
            Account(AccountId("ra-1"), AccountType.RETIREMENT, TaxWrapper.RETIREMENT_ANNUITY),
        ),
    )
    with uow:
        uow.clients.save(a_client())
        uow.securities.upsert_many([a_security()], now=NOW)
        assert uow.portfolios.replace(portfolio, now=NOW) is True
        uow.commit()
    with uow:
        assert uow.portfolios.get(ClientId("c-1")) == portfolio
        assert uow.portfolios.replace(portfolio, now=NOW) is False
        uow.commit()
    with uow:
        assert uow.portfolios.get(ClientId("c-1")) == portfolio


def test_events_are_stored_once_by_event_id(uow: UnitOfWork) -> None:
    with uow:
        uow.clients.save(a_client())
        uow.commit()
    with uow:
        stored = uow.events.add_many([an_event("e1"), an_event("e2", minutes=5)], received_at=NOW)
        uow.commit()
    assert stored == {"e1", "e2"}
    with uow:
        again = uow.events.add_many([an_event("e2"), an_event("e3")], received_at=NOW)
        uow.commit()
    assert again == {"e3"}
    with uow:
        history = uow.events.for_client(ClientId("c-1"))
        assert [e.event_id for e in history] == ["e2", "e1", "e3"]
        assert history[0].context == {"topic": "tax", "nested": {"a": [1, 2]}}
        assert history[0].occurred_at == NOW - timedelta(minutes=5)
        assert uow.events.count() == 3


def test_an_event_cannot_point_at_a_missing_client(uow: UnitOfWork) -> None:
    with uow, pytest.raises(IntegrityError):
        uow.events.add_many([an_event("e1", client_id="nobody")], received_at=NOW)
