from __future__ import annotations

from decimal import Decimal
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nextbest.domain.candidate import Trade, TradeSide
from nextbest.domain.enums import AccountType, AssetClass, Controversy, Sector
from nextbest.domain.ids import AccountId, ClientId, SecurityId
from nextbest.domain.portfolio import Account, Holding, Portfolio
from nextbest.domain.security import Security
from nextbest.finance.allocation import (
    AllocationView,
    Bands,
    Drift,
    PlanStatus,
    RebalancePlan,
    current_allocation,
    drift,
    rebalancing_trades,
    total_drift,
)

E, B, C, P, A = (
    AssetClass.EQUITY,
    AssetClass.BOND,
    AssetClass.CASH,
    AssetClass.PROPERTY,
    AssetClass.ALTERNATIVE,
)
D = Decimal


def _security(
    security_id: str, asset_class: AssetClass, controversies: frozenset[Controversy] = frozenset()
) -> Security:
    return Security(
        SecurityId(security_id),
        security_id,
        asset_class,
        Sector.DIVERSIFIED,
        controversies=controversies,
    )


def _book(
    *holdings: tuple[str, AssetClass, str], extra: tuple[Security, ...] = ()
) -> tuple[Portfolio, dict[SecurityId, Security]]:
    """A one-account portfolio of (security id, class, value) and a master that knows them."""
    master = {SecurityId(sid): _security(sid, c) for sid, c, _ in holdings}
    master.update({s.security_id: s for s in extra})
    account = Account(
        AccountId("isa"),
        AccountType.TAXABLE,
        holdings=tuple(Holding(SecurityId(sid), D(1), D(v)) for sid, _, v in holdings),
    )
    return Portfolio(ClientId("c1"), "GBP", accounts=(account,)), master


def _weights(view: AllocationView) -> dict[AssetClass, Decimal]:
    return {c: w for c, w in view.weights.items() if w}


def _by_class(drifts: list[Drift] | tuple[Drift, ...]) -> dict[AssetClass, Drift]:
    return {d.asset_class: d for d in drifts}


def _assert_cash_neutral_and_in_band(plan: RebalancePlan) -> None:
    sells = sum((t.amount for t in plan.trades if t.side is TradeSide.SELL), D(0))
    buys = sum((t.amount for t in plan.trades if t.side is TradeSide.BUY), D(0))
    assert sells == buys > 0
    assert all(t.amount == t.amount.quantize(D("0.01")) and t.amount > 0 for t in plan.trades)
    assert plan.turnover == sells + buys
    assert not [d for d in plan.after if d.out_of_band]


# --- current allocation -------------------------------------------------------------------


def test_current_allocation_adds_up_holdings_by_asset_class() -> None:
    portfolio, master = _book(("EQ1", E, "3000"), ("EQ2", E, "3000"), ("BD1", B, "4000"))
    view = current_allocation(portfolio, master)
    assert view.total == D(10000)
    assert view.values[E] == D(6000)
    assert _weights(view) == {E: D("0.6"), B: D("0.4")}
    assert view.unclassified == ()


def test_an_empty_portfolio_has_zero_total_and_no_weights() -> None:
    view = current_allocation(Portfolio(ClientId("c1"), "GBP"), {})
    assert view.total == 0
    assert view.weights == {}
    assert drift(view, {E: D(1)}) == []


def test_holdings_of_unknown_securities_are_reported_not_counted() -> None:
    portfolio, master = _book(("EQ1", E, "1000"), ("MYSTERY", E, "500"))
    del master[SecurityId("MYSTERY")]
    view = current_allocation(portfolio, master)
    assert view.total == D(1000)
    assert view.unclassified == ("MYSTERY",)
    assert view.unclassified_value == D(500)
    assert _weights(view) == {E: D(1)}


# --- bands and drift ----------------------------------------------------------------------


def _drift_of(equity: str, target: str) -> Drift:
    rest = D(1) - D(equity)
    portfolio, master = _book(("EQ", E, str(D(equity) * 10000)), ("BD", B, str(rest * 10000)))
    drifts = drift(current_allocation(portfolio, master), {E: D(target), B: 1 - D(target)})
    return _by_class(drifts)[E]


def test_a_class_just_inside_the_band_is_not_flagged() -> None:
    exactly_on_the_edge = _drift_of("0.65", "0.60")
    assert exactly_on_the_edge.difference == D("0.05")
    assert not exactly_on_the_edge.out_of_band
    assert not _drift_of("0.55", "0.60").out_of_band


def test_a_class_just_past_the_absolute_band_is_flagged() -> None:
    assert _drift_of("0.6501", "0.60").out_of_band
    assert _drift_of("0.5499", "0.60").out_of_band


def test_a_small_class_is_held_to_a_quarter_of_its_target() -> None:
    assert _drift_of("0.05", "0.04").band == D("0.01")
    assert not _drift_of("0.05", "0.04").out_of_band
    assert _drift_of("0.0501", "0.04").out_of_band
    assert _drift_of("0.0299", "0.04").out_of_band
    assert not _drift_of("0.03", "0.04").out_of_band


def test_any_holding_in_a_class_with_a_zero_target_is_out_of_band() -> None:
    assert _drift_of("0.0001", "0").out_of_band
    assert not _drift_of("0", "0").out_of_band


def test_a_class_missing_from_the_target_has_a_target_of_zero() -> None:
    portfolio, master = _book(("EQ", E, "900"), ("AL", A, "100"))
    drifts = _by_class(drift(current_allocation(portfolio, master), {E: D(1)}))
    assert drifts[A].target == 0
    assert drifts[A].out_of_band
    assert [d.asset_class for d in drift(current_allocation(portfolio, master), {E: D(1)})] == [
        E,
        B,
        C,
        P,
        A,
    ]


def test_total_drift_is_half_the_sum_of_absolute_differences() -> None:
    portfolio, master = _book(("EQ", E, "7000"), ("BD", B, "2000"), ("CA", C, "1000"))
    drifts = drift(current_allocation(portfolio, master), {E: D("0.6"), B: D("0.4")})
    assert total_drift(drifts) == D("0.2")


def test_bands_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        Bands(absolute=D("-0.01"))


def test_wider_bands_flag_less() -> None:
    portfolio, master = _book(("EQ", E, "6800"), ("BD", B, "3200"))
    view = current_allocation(portfolio, master)
    target = {E: D("0.6"), B: D("0.4")}
    assert _by_class(drift(view, target))[E].out_of_band
    assert not _by_class(drift(view, target, Bands(absolute=D("0.10"))))[E].out_of_band


# --- rebalancing --------------------------------------------------------------------------

_TARGET = {E: D("0.5"), B: D("0.3"), C: D("0.1"), P: D("0.1")}


def _drifted_book() -> tuple[Portfolio, dict[SecurityId, Security]]:
    """Equity 7 points over (out), property 5 under (out: its band is 2.5), bonds 3 under and
    cash 1 over (both in band)."""
    return _book(("EQ", E, "5700"), ("BD", B, "2700"), ("CA", C, "1100"), ("PR", P, "500"))


def test_nothing_to_do_when_every_class_is_in_band() -> None:
    portfolio, master = _book(("EQ", E, "6500"), ("BD", B, "3500"))
    plan = rebalancing_trades(portfolio, master, {E: D("0.6"), B: D("0.4")})
    assert plan.status is PlanStatus.IN_BAND
    assert plan.trades == ()
    assert plan.turnover == 0
    assert plan.after == plan.before


def test_rebalancing_trades_are_cash_neutral_and_bring_classes_into_band() -> None:
    portfolio, master = _drifted_book()
    plan = rebalancing_trades(portfolio, master, _TARGET)
    assert plan.status is PlanStatus.TRADES
    _assert_cash_neutral_and_in_band(plan)
    after = _by_class(plan.after)
    # The classes that had left their band are back on target, not merely inside the band.
    assert abs(after[E].difference) < D("0.0001")
    assert abs(after[P].difference) < D("0.0001")


def test_minimal_turnover_beats_a_naive_full_rebalance() -> None:
    portfolio, master = _drifted_book()
    plan = rebalancing_trades(portfolio, master, _TARGET)
    before = _by_class(plan.before)
    naive = sum((abs(d.difference) for d in before.values()), D(0)) * plan.total_value
    assert naive == D(1600)
    # Sell 700 of equity, buy 500 of property; the last 200 goes to bonds, the most
    # underweight class, and cash (in band) is left alone.
    assert plan.turnover == D(1400)
    assert plan.turnover_rate == D("0.07")
    assert [(t.side, t.asset_class, t.amount) for t in plan.trades] == [
        (TradeSide.SELL, E, D(700)),
        (TradeSide.BUY, B, D(200)),
        (TradeSide.BUY, P, D(500)),
    ]


def test_rebalancing_to_the_band_edge_trades_less_than_to_target() -> None:
    portfolio, master = _drifted_book()
    to_target = rebalancing_trades(portfolio, master, _TARGET)
    to_band = rebalancing_trades(portfolio, master, _TARGET, rebalance_to="band")
    assert to_band.status is PlanStatus.TRADES
    _assert_cash_neutral_and_in_band(to_band)
    assert to_band.turnover < to_target.turnover
    # Property is bought to a hundredth of a point inside its edge (7.5%), with the proceeds
    # of selling equity, which that takes inside its own band.
    after = _by_class(to_band.after)
    assert after[P].difference == D("-0.0249")
    assert after[E].difference == D("0.0449")
    assert to_band.turnover == D(502)


def test_rebalancing_never_buys_a_restricted_security() -> None:
    portfolio, master = _book(
        ("EQ", E, "8000"),
        ("BD-BIG", B, "1500"),
        ("BD-SMALL", B, "500"),
        extra=(_security("BD-ZZZ", B),),
    )
    target = {E: D("0.6"), B: D("0.4")}
    for restricted in (
        frozenset({SecurityId("BD-BIG"), SecurityId("BD-SMALL")}),
        lambda s: s.security_id.startswith("BD-") and s.security_id != "BD-ZZZ",
    ):
        plan = rebalancing_trades(portfolio, master, target, restricted=restricted)
        _assert_cash_neutral_and_in_band(plan)
        assert [t.security_id for t in plan.trades if t.side is TradeSide.BUY] == ["BD-ZZZ"]


def test_a_restriction_by_controversy_works_through_the_predicate() -> None:
    tobacco = _security("EQ-TOB", E, controversies=frozenset({Controversy.TOBACCO}))
    portfolio, master = _book(("BD", B, "8000"), ("CA", C, "2000"), extra=(tobacco,))
    plan = rebalancing_trades(
        portfolio,
        master,
        {E: D("0.5"), B: D("0.5")},
        restricted=lambda s: s.is_restricted_by(frozenset({Controversy.TOBACCO})),
    )
    assert plan.status is PlanStatus.INFEASIBLE
    assert plan.trades == ()
    assert "EQUITY" in plan.reason


def test_buys_suggest_the_clients_largest_unrestricted_holding_in_the_class() -> None:
    portfolio, master = _book(
        ("EQ", E, "8000"),
        ("BD-A", B, "500"),
        ("BD-B", B, "1500"),
        extra=(_security("BD-0", B),),
    )
    plan = rebalancing_trades(portfolio, master, {E: D("0.6"), B: D("0.4")})
    buys = [t for t in plan.trades if t.side is TradeSide.BUY]
    assert [(t.security_id, t.account_id) for t in buys] == [("BD-B", "isa")]


def test_buys_fall_back_to_the_first_unrestricted_security_in_the_master() -> None:
    portfolio, master = _book(
        ("EQ", E, "10000"), extra=(_security("BD-B", B), _security("BD-A", B))
    )
    plan = rebalancing_trades(
        portfolio, master, {E: D("0.6"), B: D("0.4")}, restricted=frozenset({SecurityId("BD-A")})
    )
    buys = [t for t in plan.trades if t.side is TradeSide.BUY]
    assert [(t.security_id, t.asset_class, t.account_id, t.amount) for t in buys] == [
        ("BD-B", B, None, D(4000))
    ]


def test_restricted_holdings_are_sold_first() -> None:
    portfolio, master = _book(
        ("EQ-OK", E, "4000"), ("EQ-BAD", E, "3000"), ("EQ-WORSE", E, "1000"), ("BD", B, "2000")
    )
    restricted = frozenset({SecurityId("EQ-BAD"), SecurityId("EQ-WORSE")})
    small = rebalancing_trades(portfolio, master, {E: D("0.6"), B: D("0.4")}, restricted=restricted)
    # 2,000 to sell, all of it from the restricted holdings, pro rata between them.
    assert {t.security_id: t.amount for t in small.trades if t.side is TradeSide.SELL} == {
        "EQ-BAD": D(1500),
        "EQ-WORSE": D(500),
    }
    large = rebalancing_trades(portfolio, master, {E: D("0.3"), B: D("0.7")}, restricted=restricted)
    # 5,000 to sell: both restricted holdings in full, then 1,000 of the rest.
    assert {t.security_id: t.amount for t in large.trades if t.side is TradeSide.SELL} == {
        "EQ-BAD": D(3000),
        "EQ-WORSE": D(1000),
        "EQ-OK": D(1000),
    }


def test_unrestricted_holdings_are_sold_pro_rata_and_keep_their_accounts() -> None:
    master = {SecurityId(s): _security(s, c) for s, c in (("EQ1", E), ("EQ2", E), ("BD", B))}
    isa = Account(
        AccountId("isa"), AccountType.TAXABLE, holdings=(Holding(SecurityId("EQ1"), D(1), D(6000)),)
    )
    sipp = Account(
        AccountId("sipp"),
        AccountType.RETIREMENT,
        holdings=(
            Holding(SecurityId("EQ2"), D(1), D(2000)),
            Holding(SecurityId("BD"), D(1), D(2000)),
        ),
    )
    portfolio = Portfolio(ClientId("c1"), "GBP", accounts=(isa, sipp))
    plan = rebalancing_trades(portfolio, master, {E: D("0.6"), B: D("0.4")})
    assert [t for t in plan.trades if t.side is TradeSide.SELL] == [
        Trade(TradeSide.SELL, D(1500), SecurityId("EQ1"), E, AccountId("isa")),
        Trade(TradeSide.SELL, D(500), SecurityId("EQ2"), E, AccountId("sipp")),
    ]


def test_a_class_with_a_zero_target_is_sold_entirely_and_never_oversold() -> None:
    portfolio, master = _book(("EQ", E, "6000"), ("BD", B, "3000"), ("AL", A, "1000.37"))
    plan = rebalancing_trades(portfolio, master, {E: D("0.6"), B: D("0.4")})
    _assert_cash_neutral_and_in_band(plan)
    sells = [t for t in plan.trades if t.side is TradeSide.SELL]
    assert [(t.security_id, t.amount) for t in sells] == [("AL", D("1000.37"))]


def test_rounding_to_cents_keeps_the_plan_cash_neutral() -> None:
    portfolio, master = _book(
        ("EQ1", E, "3333.33"), ("EQ2", E, "3333.33"), ("EQ3", E, "3333.34"), ("BD", B, "1.01")
    )
    plan = rebalancing_trades(portfolio, master, {E: D("0.6"), B: D("0.4")})
    _assert_cash_neutral_and_in_band(plan)


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ({E: D("0.6"), B: D("0.3")}, "sum to 0.9"),
        ({E: D("1.1"), B: D("-0.1")}, "negative"),
    ],
)
def test_a_bad_target_gives_an_empty_plan_with_a_reason(
    target: dict[AssetClass, Decimal], fragment: str
) -> None:
    portfolio, master = _drifted_book()
    plan = rebalancing_trades(portfolio, master, target)
    assert plan.status is PlanStatus.INVALID_TARGET
    assert plan.trades == ()
    assert fragment in plan.reason


def test_an_empty_portfolio_gives_an_empty_plan_not_an_error() -> None:
    plan = rebalancing_trades(Portfolio(ClientId("c1"), "GBP"), {}, _TARGET)
    assert plan.status is PlanStatus.EMPTY_PORTFOLIO
    assert plan.turnover_rate == 0


def test_a_portfolio_of_unknown_securities_gives_an_empty_plan() -> None:
    portfolio, _ = _drifted_book()
    assert rebalancing_trades(portfolio, {}, _TARGET).status is PlanStatus.EMPTY_PORTFOLIO


def test_an_unreachable_band_gives_an_infeasible_plan_with_a_reason() -> None:
    # Equity must be sold, but every other class is restricted, so the proceeds have nowhere
    # to go: no cash-neutral plan exists.
    portfolio, master = _book(("EQ", E, "5600"), ("BD", B, "2700"), ("CA", C, "1700"))
    plan = rebalancing_trades(
        portfolio,
        master,
        {E: D("0.5"), B: D("0.3"), C: D("0.2")},
        restricted=lambda s: s.asset_class is not E,
    )
    assert plan.status is PlanStatus.INFEASIBLE
    assert plan.trades == ()
    assert plan.reason
    assert plan.after == plan.before


# --- any portfolio ------------------------------------------------------------------------

_holding = st.tuples(
    st.sampled_from(list(AssetClass)),
    st.integers(min_value=10_000, max_value=50_000_000),  # 100.00 to 500,000.00 in cents
    st.sampled_from([False, False, False, True]),  # restricted, one time in four
)


@st.composite
def _targets(draw: st.DrawFn) -> dict[AssetClass, Decimal]:
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=4, max_size=4)))
    points = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return {c: D(p) / 100 for c, p in zip(AssetClass, points, strict=True)}


@settings(max_examples=150, deadline=None)
@given(
    holdings=st.lists(_holding, min_size=1, max_size=12),
    target=_targets(),
    spares=st.sets(st.sampled_from(list(AssetClass)), min_size=2),
    to=st.sampled_from(["target", "band"]),
)
def test_any_plan_is_cash_neutral_within_holdings_and_free_of_restricted_buys(
    holdings: list[tuple[AssetClass, int, bool]],
    target: dict[AssetClass, Decimal],
    spares: set[AssetClass],
    to: Literal["target", "band"],
) -> None:
    rows = [(f"H{i:02d}", c, str(D(cents) / 100)) for i, (c, cents, _) in enumerate(holdings)]
    portfolio, master = _book(*rows, extra=tuple(_security(f"SPARE-{c}", c) for c in spares))
    restricted = frozenset(
        SecurityId(sid) for (sid, _, _), (*_, r) in zip(rows, holdings, strict=True) if r
    )
    plan = rebalancing_trades(portfolio, master, target, restricted=restricted, rebalance_to=to)

    if plan.status is PlanStatus.IN_BAND:
        assert not [d for d in plan.before if d.out_of_band]
    if plan.status is not PlanStatus.TRADES:
        assert plan.trades == ()
        return
    _assert_cash_neutral_and_in_band(plan)
    held = {SecurityId(sid): D(v) for sid, _, v in rows}
    for trade in plan.trades:
        assert trade.security_id is not None
        if trade.side is TradeSide.SELL:
            assert trade.amount <= held[trade.security_id]
        else:
            assert trade.security_id not in restricted
    # A class below its target is never sold, and one past its upper band edge never bought.
    before = _by_class(plan.before)
    for trade in plan.trades:
        assert trade.asset_class is not None
        was = before[trade.asset_class]
        if trade.side is TradeSide.SELL:
            assert was.difference > 0
        else:
            assert was.difference <= was.band
