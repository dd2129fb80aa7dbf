"""Where a portfolio stands against its target allocation, and the least trading that fixes it.

:func:`current_allocation` values the holdings by asset class, :func:`drift` compares that with
a target under tolerance :class:`Bands`, and :func:`rebalancing_trades` proposes the trades of
least turnover that bring every class that has left its band back to target.

>>> from decimal import Decimal as D
>>> from nextbest.domain.enums import AccountType, Sector
>>> from nextbest.domain.ids import AccountId, ClientId
>>> shares = Security(SecurityId("EQ"), "Shares", AssetClass.EQUITY, Sector.DIVERSIFIED)
>>> gilts = Security(SecurityId("BD"), "Gilts", AssetClass.BOND, Sector.GOVERNMENT)
>>> master = {s.security_id: s for s in (shares, gilts)}
>>> account = Account(AccountId("isa"), AccountType.TAXABLE, holdings=(
...     Holding(SecurityId("EQ"), D(1), D(7000)), Holding(SecurityId("BD"), D(1), D(3000))))
>>> portfolio = Portfolio(ClientId("c1"), "GBP", accounts=(account,))
>>> target = {AssetClass.EQUITY: D("0.6"), AssetClass.BOND: D("0.4")}
>>> [(d.asset_class.value, d.difference, d.out_of_band)
...  for d in drift(current_allocation(portfolio, master), target)][:2]
[('EQUITY', Decimal('0.1'), True), ('BOND', Decimal('-0.1'), True)]
>>> plan = rebalancing_trades(portfolio, master, target)
>>> [(t.side.value, t.security_id, t.amount) for t in plan.trades], plan.turnover
([('SELL', 'EQ', Decimal('1000.00')), ('BUY', 'BD', Decimal('1000.00'))], Decimal('2000.00'))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal, NamedTuple

from nextbest.domain.candidate import Trade, TradeSide
from nextbest.domain.enums import AssetClass
from nextbest.domain.ids import AccountId, SecurityId
from nextbest.domain.portfolio import Account, Holding, Portfolio
from nextbest.domain.security import Security
from nextbest.finance import _rebalance_lp
from nextbest.finance.assumptions import ASSET_CLASSES

__all__ = [
    "DEFAULT_BANDS",
    "AllocationView",
    "Bands",
    "Drift",
    "PlanStatus",
    "RebalancePlan",
    "current_allocation",
    "drift",
    "rebalancing_trades",
    "total_drift",
]

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_TARGET_SUM_TOLERANCE = Decimal("0.0001")
"""Targets typed to four places (thirds as 0.3333) still pass; further off is a data error."""


@dataclass(frozen=True, slots=True)
class AllocationView:
    """A portfolio's value by asset class, in its base currency, and each class's weight.

    Holdings whose security is not in the master cannot be classed: they are left out of
    ``total`` and the weights, and listed in ``unclassified`` so a caller can say so. When
    ``total`` is not positive there are no weights (a weight of nothing is undefined).

    >>> from nextbest.domain.ids import ClientId
    >>> empty = current_allocation(Portfolio(ClientId("c1"), "GBP"), {})
    >>> empty.total, empty.weights
    (Decimal('0'), {})
    """

    total: Decimal
    values: Mapping[AssetClass, Decimal]
    weights: Mapping[AssetClass, Decimal]
    unclassified: tuple[SecurityId, ...] = ()
    unclassified_value: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class Bands:
    """Tolerance bands around a target weight: the "5/25" rule.

    A class is out of band when ``|current - target|`` exceeds ``absolute`` (5 percentage
    points) *or* exceeds ``relative * target`` (25% of its own target), i.e. when it exceeds
    ``width(target) = min(absolute, relative * target)``. Large classes get ±5 points; small
    ones get ±25% of themselves, so a 4% target may move ±1 point. Exactly on the edge is
    inside. A target of 0 has width 0, so any holding in a class the target excludes is out of
    band: the rule stays continuous in the target (a 1% target tolerates only ±0.25 points, so
    letting a 0% target drift to 5% would be the odd one out). Dust is the caller's to ignore,
    e.g. by :func:`total_drift` or the plan's turnover.

    >>> Bands().width(Decimal("0.60")), Bands().width(Decimal("0.04")), Bands().width(_ZERO)
    (Decimal('0.05'), Decimal('0.0100'), Decimal('0.00'))
    """

    absolute: Decimal = Decimal("0.05")
    relative: Decimal = Decimal("0.25")

    def __post_init__(self) -> None:
        if self.absolute < 0 or self.relative < 0:
            raise ValueError("bands cannot be negative")

    def width(self, target: Decimal) -> Decimal:
        return min(self.absolute, self.relative * max(target, _ZERO))


DEFAULT_BANDS = Bands()


@dataclass(frozen=True, slots=True)
class Drift:
    """One asset class against its target, as weights (0.05 is 5%).

    >>> d = Drift(AssetClass.EQUITY, Decimal("0.66"), Decimal("0.60"), band=Decimal("0.05"))
    >>> d.difference, d.out_of_band
    (Decimal('0.06'), True)
    """

    asset_class: AssetClass
    current: Decimal
    target: Decimal
    band: Decimal

    @property
    def difference(self) -> Decimal:
        return self.current - self.target

    @property
    def out_of_band(self) -> bool:
        return abs(self.difference) > self.band


class PlanStatus(StrEnum):
    """What a rebalance found. Only ``TRADES`` carries trades; the rest are results, not errors,
    so a dashboard can show why there is nothing to suggest."""

    TRADES = "TRADES"
    IN_BAND = "IN_BAND"
    EMPTY_PORTFOLIO = "EMPTY_PORTFOLIO"
    INVALID_TARGET = "INVALID_TARGET"
    INFEASIBLE = "INFEASIBLE"
    SOLVER_FAILED = "SOLVER_FAILED"


@dataclass(frozen=True, slots=True)
class RebalancePlan:
    """Suggested trades; only ``status`` ``TRADES`` has any, the others say why in ``reason``.

    ``turnover`` is everything traded, sells plus buys, in the base currency; ``turnover_rate``
    is the one-way share of the portfolio that changes class. ``before`` and ``after`` are the
    drifts before and after the trades (equal when there are none).

    >>> RebalancePlan(PlanStatus.IN_BAND, reason="every asset class is inside its band").trades
    ()
    """

    status: PlanStatus
    trades: tuple[Trade, ...] = ()
    turnover: Decimal = _ZERO
    total_value: Decimal = _ZERO
    before: tuple[Drift, ...] = ()
    after: tuple[Drift, ...] = ()
    reason: str = ""

    @property
    def turnover_rate(self) -> Decimal:
        return self.turnover / (2 * self.total_value) if self.total_value > 0 else _ZERO


def current_allocation(
    portfolio: Portfolio, securities: Mapping[SecurityId, Security]
) -> AllocationView:
    values = dict.fromkeys(ASSET_CLASSES, _ZERO)
    unclassified: list[SecurityId] = []
    unclassified_value = _ZERO
    for _, holding in portfolio.holdings():
        security = securities.get(holding.security_id)
        if security is None:
            unclassified.append(holding.security_id)
            unclassified_value += holding.market_value
        else:
            values[security.asset_class] += holding.market_value
    total = sum(values.values(), _ZERO)
    weights = {c: v / total for c, v in values.items()} if total > 0 else {}
    return AllocationView(total, values, weights, tuple(unclassified), unclassified_value)


def drift(
    current: AllocationView, target: Mapping[AssetClass, Decimal], bands: Bands = DEFAULT_BANDS
) -> list[Drift]:
    """Every asset class in ``ASSET_CLASSES`` order; none when the portfolio has no weights."""
    if not current.weights:
        return []
    return [
        Drift(c, current.weights.get(c, _ZERO), t, bands.width(t))
        for c in ASSET_CLASSES
        for t in [target.get(c, _ZERO)]
    ]


def total_drift(drifts: Iterable[Drift]) -> Decimal:
    """Half the sum of absolute differences: the share of the portfolio in the wrong class."""
    return sum((abs(d.difference) for d in drifts), _ZERO) / 2


def rebalancing_trades(
    portfolio: Portfolio,
    securities: Mapping[SecurityId, Security],
    target: Mapping[AssetClass, Decimal],
    *,
    bands: Bands = DEFAULT_BANDS,
    restricted: Callable[[Security], bool] | frozenset[SecurityId] = frozenset(),
    rebalance_to: Literal["target", "band"] = "target",
) -> RebalancePlan:
    """The least-turnover trades that bring every out-of-band class back into line.

    Out-of-band classes go to their target (``rebalance_to="band"``: just inside the band
    edge instead); the others may move but must stay inside their bands; buys equal sells.
    Sells are by holding (restricted holdings of a class first, then the rest pro rata, so
    the client's mix within a class is kept); buys are by asset class, suggesting the
    client's largest unrestricted holding of that class, else the first unrestricted security
    of the class in the master by id. A class with nothing unrestricted to buy is never
    bought. Holdings the master does not know are left alone. See :mod:`._rebalance_lp` for
    the optimisation.
    """
    view = current_allocation(portfolio, securities)
    if view.total <= 0:
        return RebalancePlan(PlanStatus.EMPTY_PORTFOLIO, reason="no value in known securities")
    invalid = _target_problem(target)
    if invalid:
        return RebalancePlan(PlanStatus.INVALID_TARGET, total_value=view.total, reason=invalid)
    before = tuple(drift(view, target, bands))
    breached = {d.asset_class for d in before if d.out_of_band}
    if not breached:
        return _quiet(view, before, "every asset class is inside its band")

    positions = [
        _Position(account, holding, security, _blocks(restricted, security))
        for account, holding in portfolio.holdings()
        if (security := securities.get(holding.security_id)) is not None
    ]
    buy_into = _buy_suggestions(positions, securities, restricted)
    stuck = [d.asset_class for d in before if d.out_of_band and d.difference < 0]
    stuck = [c for c in stuck if c not in buy_into]
    if stuck:
        names = ", ".join(c.value for c in stuck)
        return _empty(PlanStatus.INFEASIBLE, view, before, f"nothing unrestricted to buy: {names}")

    total = float(view.total)
    sellable = {c: _ZERO for c in ASSET_CLASSES}
    for position in positions:
        sellable[position.security.asset_class] += max(position.holding.market_value, _ZERO)
    outcome = _rebalance_lp.solve(
        current=[float(view.weights[c]) for c in ASSET_CLASSES],
        target=[float(d.target) for d in before],
        band=[float(d.band) for d in before],
        breached=[c in breached for c in ASSET_CLASSES],
        sell_cap=[float(sellable[c]) / total for c in ASSET_CLASSES],
        can_buy=[c in buy_into for c in ASSET_CLASSES],
        to_target=rebalance_to == "target",
    )
    if isinstance(outcome, _rebalance_lp.Failure):
        status = PlanStatus.INFEASIBLE if outcome.infeasible else PlanStatus.SOLVER_FAILED
        return _empty(status, view, before, outcome.reason)

    sells: list[Trade] = []
    for i, c in enumerate(ASSET_CLASSES):
        amount = min(_cents(outcome.sells[i] * total), sellable[c])
        in_class = [p for p in positions if p.security.asset_class == c]
        sells.extend(_sell_trades(amount, c, in_class))
    proceeds = sum((t.amount for t in sells), _ZERO)
    buys = _buy_trades([b * total for b in outcome.buys], buy_into, proceeds)
    trades = tuple(sells + buys)
    if not trades:
        return _quiet(view, before, "the trades needed are smaller than a cent")
    after = tuple(drift(_apply(view, trades), target, bands))
    turnover = sum((t.amount for t in trades), _ZERO)
    return RebalancePlan(PlanStatus.TRADES, trades, turnover, view.total, before, after)


def _target_problem(target: Mapping[AssetClass, Decimal]) -> str:
    if any(w < 0 for w in target.values()):
        return "a target weight is negative"
    if abs(sum(target.values(), _ZERO) - 1) > _TARGET_SUM_TOLERANCE:
        return f"target weights sum to {sum(target.values(), _ZERO)}, not 1"
    return ""


def _quiet(view: AllocationView, before: tuple[Drift, ...], reason: str) -> RebalancePlan:
    return RebalancePlan(
        PlanStatus.IN_BAND, total_value=view.total, before=before, after=before, reason=reason
    )


def _empty(
    status: PlanStatus, view: AllocationView, before: tuple[Drift, ...], reason: str
) -> RebalancePlan:
    return RebalancePlan(status, total_value=view.total, before=before, after=before, reason=reason)


class _Position(NamedTuple):
    account: Account
    holding: Holding
    security: Security
    restricted: bool


def _blocks(restricted: Callable[[Security], bool] | frozenset[SecurityId], s: Security) -> bool:
    # ``callable`` rather than ``isinstance(frozenset)``, so a plain set of ids works too.
    return restricted(s) if callable(restricted) else s.security_id in restricted


def _cents(amount: float) -> Decimal:
    # The solver works to ~1e-8 of the portfolio, so anything under half a cent is noise.
    return max(Decimal(repr(amount)).quantize(_CENT), _ZERO)


def _buy_suggestions(
    positions: list[_Position],
    securities: Mapping[SecurityId, Security],
    restricted: Callable[[Security], bool] | frozenset[SecurityId],
) -> dict[AssetClass, tuple[SecurityId, AccountId | None]]:
    """Per class, what to buy: the client's largest unrestricted holding, else the master's."""
    suggestions: dict[AssetClass, tuple[SecurityId, AccountId | None]] = {}
    held = sorted(
        (p for p in positions if not p.restricted),
        key=lambda p: (-p.holding.market_value, p.holding.security_id),
    )
    for p in held:
        suggestions.setdefault(
            p.security.asset_class, (p.holding.security_id, p.account.account_id)
        )
    for security in sorted(securities.values(), key=lambda s: s.security_id):
        if security.asset_class in suggestions:
            continue
        if not _blocks(restricted, security):
            suggestions[security.asset_class] = (security.security_id, None)
    return suggestions


def _sell_trades(
    amount: Decimal, asset_class: AssetClass, in_class: list[_Position]
) -> list[Trade]:
    """Restricted holdings go first, pro rata among themselves; the rest pro rata after them."""
    trades: list[Trade] = []
    for tier in (True, False):
        group = [
            (p.account, p.holding)
            for p in in_class
            if p.restricted is tier and p.holding.market_value > 0
        ]
        available = sum((h.market_value for _, h in group), _ZERO)
        take = min(amount, available)
        if take <= 0:
            continue
        shares = [
            min((take * h.market_value / available).quantize(_CENT), h.market_value)
            for _, h in group
        ]
        # Rounding each share can miss the total by a cent or two; the largest absorbs it.
        largest = max(range(len(group)), key=lambda i: group[i][1].market_value)
        shares[largest] = min(
            max(shares[largest] + take - sum(shares), _ZERO), group[largest][1].market_value
        )
        trades.extend(
            Trade(TradeSide.SELL, share, h.security_id, asset_class, a.account_id)
            for (a, h), share in zip(group, shares, strict=True)
            if share > 0
        )
        amount -= sum(shares)
    return trades


def _buy_trades(
    amounts: Sequence[float],
    buy_into: Mapping[AssetClass, tuple[SecurityId, AccountId | None]],
    proceeds: Decimal,
) -> list[Trade]:
    """Buys spend exactly the sale proceeds: any rounding difference goes to the largest buy."""
    raw = {c: a for c, a in zip(ASSET_CLASSES, amounts, strict=True) if c in buy_into}
    if not raw or proceeds <= 0:
        return []
    largest = max(raw, key=lambda c: raw[c])
    buys = {c: _cents(a) for c, a in raw.items()}
    buys[largest] += proceeds - sum(buys.values(), _ZERO)
    if buys[largest] <= 0:
        # Only with proceeds of a few cents spread over several classes: buy one class.
        buys = {largest: proceeds}
    return [
        Trade(TradeSide.BUY, amount, buy_into[c][0], c, buy_into[c][1])
        for c, amount in buys.items()
        if amount > 0
    ]


def _apply(view: AllocationView, trades: Iterable[Trade]) -> AllocationView:
    values = dict(view.values)
    for trade in trades:
        if trade.asset_class is not None:
            sign = 1 if trade.side is TradeSide.BUY else -1
            values[trade.asset_class] += sign * trade.amount
    total = sum(values.values(), _ZERO)
    weights = {c: v / total for c, v in values.items()} if total > 0 else {}
    return AllocationView(total, values, weights, view.unclassified, view.unclassified_value)
