"""PREFERENCE_MISMATCH: holdings at odds with an ESG-minded client's focus, with a better switch."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest

from nextbest.domain.candidate import ActionType, Candidate, Category, SignalType, TradeSide
from nextbest.domain.enums import AssetClass, Controversy, EsgFocus, Sector
from nextbest.domain.security import Security
from nextbest.signals.preference_mismatch import PreferenceMismatchDetector
from tests.signals_builders import account, client, context, holding, portfolio, security

GREEN = security("EQ-GREEN", esg_score=85)


def _detect(
    held: Security,
    *,
    focus: EsgFocus | None = EsgFocus.HIGH,
    others: Iterable[Security] = (GREEN,),
    restricted: Iterable[Sector | Controversy] = (),
    value: int = 2000,
    **kw: Any,
) -> list[Candidate]:
    book = portfolio(
        account("isa-1", holding(held.security_id, value), holding("BD-1", 10_000 - value))
    )
    bond = security("BD-1", asset_class=AssetClass.BOND, sector=Sector.GOVERNMENT, esg_score=70)
    ctx = context(
        client=client(esg_focus=focus, restricted_sectors=restricted),
        portfolio=book,
        securities=[held, bond, *others],
    )
    return PreferenceMismatchDetector(**kw).detect(ctx)


@pytest.mark.parametrize(
    ("focus", "fires_at", "quiet_at"),
    [(EsgFocus.HIGH, "39.99", "40"), (EsgFocus.MEDIUM, "24.99", "25")],
)
def test_fires_just_below_the_focus_levels_threshold(
    focus: EsgFocus, fires_at: str, quiet_at: str
) -> None:
    [found] = _detect(security("EQ-LOW", esg_score=fires_at), focus=focus)
    assert found.key == "PREFERENCE_MISMATCH:EQ-LOW"
    assert found.signal is SignalType.PREFERENCE_MISMATCH
    assert found.action_type is ActionType.SWITCH_TO_ESG_ALTERNATIVE
    assert found.category is Category.ESG
    assert found.regulated
    assert not found.mandatory
    assert found.evidence["reasons"] == ["LOW_ESG_SCORE"]
    assert _detect(security("EQ-LOW", esg_score=quiet_at), focus=focus) == []


@pytest.mark.parametrize("focus", [EsgFocus.LOW, EsgFocus.NONE, None])
def test_clients_without_a_medium_or_high_focus_are_not_judged(focus: EsgFocus | None) -> None:
    held = security("EQ-BAD", esg_score=5, controversies=[Controversy.WEAPONS])
    assert _detect(held, focus=focus) == []


def test_any_controversy_is_a_mismatch_for_a_high_focus_only() -> None:
    held = security("EQ-BOOZE", esg_score=70, controversies=[Controversy.ALCOHOL])
    [found] = _detect(held, focus=EsgFocus.HIGH)
    assert found.evidence["reasons"] == ["CONTROVERSY:ALCOHOL"]
    assert _detect(held, focus=EsgFocus.MEDIUM) == []


def test_an_unscored_security_is_judged_on_controversies_alone() -> None:
    assert _detect(security("EQ-NA", esg_score=None)) == []
    [found] = _detect(security("EQ-NA", esg_score=None, controversies=[Controversy.GAMBLING]))
    assert found.evidence["esg_score"] is None


def test_switches_into_the_best_clean_allowed_alternative_in_the_same_asset_class() -> None:
    others = [
        GREEN,
        security("EQ-BETTER", esg_score=90),
        security("EQ-SMOKY", esg_score=95, controversies=[Controversy.TOBACCO]),
        security("EQ-BANNED-SECTOR", esg_score=96, sector=Sector.ENERGY),
        security("BD-GREENEST", asset_class=AssetClass.BOND, esg_score=99),
    ]
    [found] = _detect(security("EQ-LOW", esg_score=10), others=others, restricted=[Sector.ENERGY])
    assert found.detail["alternative"]["security_id"] == "EQ-BETTER"
    assert found.security_ids == ("EQ-LOW", "EQ-BETTER")


def test_stays_quiet_when_no_alternative_exists() -> None:
    """A switch with nothing to switch into is not an action (the documented choice)."""
    held = security("EQ-LOW", esg_score=10, sector=Sector.MATERIALS)
    smoky = security("EQ-SMOKY", esg_score=95, controversies=[Controversy.TOBACCO])
    assert _detect(held, others=[]) == []
    assert _detect(held, others=[smoky]) == []
    assert _detect(held, others=[security("EQ-MEH", esg_score="39.99")]) == []
    assert _detect(held, others=[GREEN], restricted=[Sector.UTILITIES]) == []
    assert _detect(held, others=[GREEN]) != []


def test_leaves_restricted_holdings_to_the_constraint_detector() -> None:
    held = security("EQ-SMOKE", esg_score=15, controversies=[Controversy.TOBACCO])
    assert _detect(held, restricted=[Controversy.TOBACCO]) == []


def test_trades_sell_the_holding_and_buy_the_alternative_in_the_same_account() -> None:
    [found] = _detect(security("EQ-LOW", esg_score=10), value=2500)
    assert [(t.side, t.security_id, t.account_id, t.amount) for t in found.trades] == [
        (TradeSide.SELL, "EQ-LOW", "isa-1", Decimal("2500.00")),
        (TradeSide.BUY, "EQ-GREEN", "isa-1", Decimal("2500.00")),
    ]
    assert found.benefit.amount == Decimal("2500.00")
    assert found.benefit.percentage == Decimal("25.00")
    assert found.evidence["weight"] == "0.2500"
    assert found.evidence["market_value"] == "2500.00"
    assert found.evidence["alternative_esg_score"] == "85"
    json.dumps(found.evidence)
    json.dumps(dict(found.detail))


def test_urgency_grows_with_the_shortfall_and_the_controversies() -> None:
    def urgency(score: int, *flags: Controversy) -> int:
        [found] = _detect(security("EQ-LOW", esg_score=score, controversies=flags))
        return found.urgency

    assert urgency(39) == 21
    assert urgency(39) < urgency(20) < urgency(0) == 60
    assert urgency(20, Controversy.ALCOHOL) == urgency(20) + 10


def test_thresholds_are_hyper_parameters() -> None:
    held = security("EQ-MID", esg_score=50)
    assert _detect(held) == []
    [found] = _detect(held, min_esg_score={EsgFocus.HIGH: Decimal(60)})
    assert found.evidence["min_esg_score"] == "60"
    with pytest.raises(ValueError, match="0-100"):
        PreferenceMismatchDetector(min_esg_score={EsgFocus.HIGH: Decimal(101)})


def test_keys_are_stable_across_recomputations() -> None:
    held = security("EQ-LOW", esg_score=10)
    assert _detect(held) == _detect(held)
