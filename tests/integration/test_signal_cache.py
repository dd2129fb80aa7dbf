"""The signal cache: stored candidates read back exactly; any input change recomputes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from nextbest.domain.candidate import (
    ActionType,
    Benefit,
    Candidate,
    Category,
    SignalType,
    Trade,
    TradeSide,
)
from nextbest.domain.enums import AssetClass
from nextbest.domain.ids import AccountId, ClientId, GoalId, SecurityId
from nextbest.errors import NotFound
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.services.signals import SignalEngine, client_signals
from nextbest.signals.base import DetectorRegistry, SignalContext
from nextbest.storage.unit_of_work import UnitOfWork
from tests.integration.test_repositories import NOW, a_client, a_security

A_CANDIDATE = Candidate(
    key="CONCENTRATION:EQ-1",
    signal=SignalType.CONCENTRATION,
    action_type=ActionType.REDUCE_CONCENTRATION,
    category=Category.RISK,
    urgency=55,
    regulated=True,
    deadline=date(2026, 3, 1),
    goal_id=GoalId("edu"),
    security_ids=(SecurityId("EQ-1"),),
    benefit=Benefit("less rides on one company", Decimal("1200.50"), Decimal("12.5")),
    trades=(
        Trade(TradeSide.SELL, Decimal("1200.50"), SecurityId("EQ-1"), account_id=AccountId("a")),
        Trade(TradeSide.BUY, Decimal("1200.50"), asset_class=AssetClass.BOND),
    ),
    evidence={"weight": "0.31", "limit": "0.20", "nested": {"a": [1, 2]}},
    detail={"alternative": "EQ-2"},
)


class CountingDetector:
    """Reports how many securities the master holds, and counts its own runs."""

    name = "counting"

    def __init__(self) -> None:
        self.runs = 0

    def detect(self, context: SignalContext) -> list[Candidate]:
        self.runs += 1
        return [replace(A_CANDIDATE, evidence={"securities": len(context.master)})]


class BrokenDetector:
    name = "broken"

    def detect(self, context: SignalContext) -> list[Candidate]:
        raise ZeroDivisionError


@pytest.fixture
def engine_and_detector() -> tuple[SignalEngine, CountingDetector]:
    registry = DetectorRegistry()
    detector = registry.register(CountingDetector())
    return SignalEngine(registry=registry, assumptions=DEFAULT_ASSUMPTIONS), detector


def _seed(uow: UnitOfWork) -> None:
    with uow:
        uow.clients.save(a_client())
        uow.securities.upsert_many([a_security()], now=NOW)
        uow.commit()


def test_candidates_round_trip_through_the_cache(uow: UnitOfWork) -> None:
    _seed(uow)
    with uow:
        uow.signals.store(
            ClientId("c-1"),
            as_of=date(2026, 2, 1),
            inputs_key="k",
            computed_at=NOW,
            candidates=[A_CANDIDATE],
        )
        uow.commit()
    with uow:
        probe = uow.signals.probe(ClientId("c-1"))
    assert probe is not None
    _, cached = probe
    assert cached is not None
    assert cached.candidates == (A_CANDIDATE,)


def test_a_second_read_the_same_day_comes_from_the_cache(
    uow: UnitOfWork, engine_and_detector: tuple[SignalEngine, CountingDetector]
) -> None:
    engine, detector = engine_and_detector
    _seed(uow)
    first = client_signals(ClientId("c-1"), uow=uow, engine=engine, now=NOW)
    second = client_signals(ClientId("c-1"), uow=uow, engine=engine, now=NOW + timedelta(hours=1))
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.candidates == first.candidates
    assert detector.runs == 1


@pytest.mark.parametrize("change", ["client", "securities", "new_day", "assumptions", "refresh"])
def test_any_input_change_recomputes(
    uow: UnitOfWork,
    engine_and_detector: tuple[SignalEngine, CountingDetector],
    change: str,
) -> None:
    engine, detector = engine_and_detector
    _seed(uow)
    client_signals(ClientId("c-1"), uow=uow, engine=engine, now=NOW)
    later = NOW + timedelta(hours=1)
    refresh = False
    if change == "client":
        with uow:
            uow.clients.save(a_client(updated_at=later))
            uow.commit()
    elif change == "securities":
        with uow:
            uow.securities.upsert_many([a_security("EQ-2")], now=later)
            uow.commit()
    elif change == "new_day":
        later = NOW + timedelta(days=1)
    elif change == "assumptions":
        engine.assumptions = replace(DEFAULT_ASSUMPTIONS, inflation=0.04)
    else:
        refresh = True
    report = client_signals(ClientId("c-1"), uow=uow, engine=engine, now=later, refresh=refresh)
    assert report.from_cache is False
    assert detector.runs == 2
    if change == "securities":
        assert report.candidates[0].evidence == {"securities": 2}


def test_a_failing_detector_is_reported_and_the_others_still_run(uow: UnitOfWork) -> None:
    registry = DetectorRegistry()
    registry.register(BrokenDetector())
    registry.register(CountingDetector())
    _seed(uow)
    engine = SignalEngine(registry=registry, assumptions=DEFAULT_ASSUMPTIONS)
    report = client_signals(ClientId("c-1"), uow=uow, engine=engine, now=NOW)
    assert report.failures == (("broken", "ZeroDivisionError"),)
    assert len(report.candidates) == 1


def test_signals_of_an_unknown_client_are_not_found(
    uow: UnitOfWork, engine_and_detector: tuple[SignalEngine, CountingDetector]
) -> None:
    engine, _ = engine_and_detector
    with pytest.raises(NotFound):
        client_signals(ClientId("ghost"), uow=uow, engine=engine, now=NOW)


def test_cache_rows_go_with_the_client(uow: UnitOfWork) -> None:
    _seed(uow)
    with uow:
        uow.signals.store(
            ClientId("c-1"),
            as_of=date(2026, 2, 1),
            inputs_key="k",
            computed_at=datetime(2026, 2, 1, tzinfo=UTC),
            candidates=[],
        )
        uow.commit()
    from sqlalchemy import delete, func, select

    from nextbest.storage.tables import ClientRow, SignalCacheRow

    with uow:
        uow.session.execute(delete(ClientRow))
        uow.commit()
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(SignalCacheRow)) == 0
