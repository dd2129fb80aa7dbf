"""Synthetic portfolios: wrappers that fit the country, holdings that fit the client, and flaws.

The flaws are on purpose, so the engine has something to find: portfolios that drifted from
their target, cash left idle, holdings standing at a loss, a security a client's own screen
excludes, a low-ESG company in an ESG-minded client's book.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from nextbest.domain.client import Client
from nextbest.domain.enums import AccountType, AssetClass, EsgFocus, NetWorthBand, RiskTolerance
from nextbest.domain.ids import AccountId, GoalId
from nextbest.domain.portfolio import Account, Holding, Portfolio
from nextbest.domain.security import Security
from nextbest.sim.markets import MARKETS
from nextbest.sim.security_master import is_pooled_fund
from nextbest.sim.shelf import Offer, Shelf
from nextbest.sim.wrappers import AccountPlan, plan_accounts

__all__ = ["TARGET_ALLOCATIONS", "build_portfolio"]

_CENT = Decimal("0.01")
_UNIT = Decimal("0.0001")
_LOW_ESG = Decimal(35)
_NET_WORTH = tuple(NetWorthBand)


def _weights(**weights: str) -> dict[AssetClass, Decimal]:
    return {AssetClass(name.upper()): Decimal(weight) for name, weight in weights.items()}


TARGET_ALLOCATIONS: dict[RiskTolerance, dict[AssetClass, Decimal]] = {
    RiskTolerance.VERY_LOW: _weights(equity="0.20", bond="0.55", cash="0.20", property="0.05"),
    RiskTolerance.LOW: _weights(
        equity="0.35", bond="0.45", cash="0.10", property="0.05", alternative="0.05"
    ),
    RiskTolerance.MEDIUM: _weights(
        equity="0.55", bond="0.30", cash="0.05", property="0.05", alternative="0.05"
    ),
    RiskTolerance.HIGH: _weights(
        equity="0.70", bond="0.15", cash="0.05", property="0.05", alternative="0.05"
    ),
    RiskTolerance.VERY_HIGH: _weights(
        equity="0.85", bond="0.05", cash="0.02", property="0.03", alternative="0.05"
    ),
}
"""A model portfolio per risk tolerance; each one's weights sum to exactly 1."""

# Pounds held with the firm, low to high, by net-worth band; and how many holdings.
_POUNDS = ((2_000, 40_000), (40_000, 250_000), (250_000, 1_000_000), (1e6, 5e6), (5e6, 25e6))
_HOLDINGS = ((3, 6), (4, 9), (6, 12), (8, 15), (10, 15))


@dataclass(frozen=True, slots=True)
class _Position:
    security: Security
    value: Decimal


def _actual_weights(
    rng: random.Random, target: dict[AssetClass, Decimal]
) -> dict[AssetClass, float]:
    """The allocation the client really has: near target, drifted, or sitting in cash."""
    weights = {asset: float(weight) for asset, weight in target.items()}
    scenario = rng.random()
    if scenario < 0.12:  # idle cash: a lump sum never invested
        cash = rng.uniform(0.25, 0.6)
        rest = sum(w for a, w in weights.items() if a is not AssetClass.CASH)
        weights = {a: w / rest * (1 - cash) for a, w in weights.items() if a is not AssetClass.CASH}
        weights[AssetClass.CASH] = cash
    elif scenario < 0.40:  # drift: a run in equities (or a fall) left the mix off target
        shift = rng.uniform(0.08, 0.2) * rng.choice((1, -1))
        shift = max(-weights[AssetClass.EQUITY] + 0.05, shift)
        others = {a: w for a, w in weights.items() if a is not AssetClass.EQUITY}
        total = sum(others.values())
        shift = min(shift, total - 0.01)
        weights = {a: w - shift * w / total for a, w in others.items()}
        weights[AssetClass.EQUITY] = float(target[AssetClass.EQUITY]) + shift
    else:
        weights = {a: w * rng.uniform(0.85, 1.15) for a, w in weights.items()}
    total = sum(weights.values())
    return {a: w / total for a, w in weights.items() if w > 0}


def _slots(
    rng: random.Random, weights: dict[AssetClass, float], count: int, *, cash: bool
) -> list[AssetClass]:
    """Which asset class each of ``count`` holdings is in: big classes get more, cash one.

    With ``cash`` (the client has a cash account) there is always a cash holding to put in it.
    """
    ranked = sorted(weights, key=lambda a: (not (cash and a is AssetClass.CASH), -weights[a]))
    slots = [a for a in ranked if weights[a] >= 0.02 or (cash and a is AssetClass.CASH)][:count]
    spread = [a for a in ranked if a is not AssetClass.CASH]
    while len(slots) < count and spread:
        slots.append(rng.choices(spread, weights=[weights[a] for a in spread])[0])
    return slots


def _pick(
    rng: random.Random, offers: tuple[Offer, ...], client: Client, taken: set[Security]
) -> Security | None:
    constraints = client.profile.constraints
    esg_minded = client.profile.preferences.esg_focus is EsgFocus.HIGH
    candidates: list[Security] = []
    weights: list[float] = []
    for security, weight in offers:
        if security in taken or security.security_id in constraints.restricted_securities:
            continue
        if security.is_restricted_by(constraints.restricted_sectors):
            continue
        if esg_minded and security.esg_score is not None:
            weight *= (float(security.esg_score) / 50) ** 3
        candidates.append(security)
        weights.append(weight)
    if not candidates:
        return None
    return rng.choices(candidates, weights=weights)[0]


def _positions(
    rng: random.Random, client: Client, shelf: Shelf, total: float, *, cash: bool
) -> list[_Position]:
    weights = _actual_weights(rng, TARGET_ALLOCATIONS[client.risk_tolerance])
    wealth = 0 if client.net_worth_band is None else _NET_WORTH.index(client.net_worth_band)
    chosen: list[tuple[AssetClass, Security]] = []
    taken: set[Security] = set()
    for asset in _slots(rng, weights, rng.randint(*_HOLDINGS[wealth]), cash=cash):
        security = _pick(rng, shelf.offered(client.country, asset), client, taken)
        if security is not None:
            chosen.append((asset, security))
            taken.add(security)
    _add_flaws(rng, client, shelf, chosen)
    shares = [rng.uniform(0.5, 1.5) for _ in chosen]
    per_class: dict[AssetClass, float] = {}
    for (asset, _), share in zip(chosen, shares, strict=True):
        per_class[asset] = per_class.get(asset, 0.0) + share
    return [
        _Position(
            security, Decimal(f"{total * weights.get(asset, 0.02) * share / per_class[asset]:.2f}")
        )
        for (asset, security), share in zip(chosen, shares, strict=True)
    ]


def _add_flaws(
    rng: random.Random, client: Client, shelf: Shelf, chosen: list[tuple[AssetClass, Security]]
) -> None:
    """Slip in a screened-out or low-ESG company, as real books have (about 30% of the time)."""
    profile = client.profile
    companies = shelf.companies[client.country]
    held = {security for _, security in chosen}
    offenders: list[Security] = []
    if profile.constraints.restricted_sectors and rng.random() < 0.3:
        offenders = [
            s for s in companies if s.is_restricted_by(profile.constraints.restricted_sectors)
        ]
    elif profile.preferences.esg_focus is EsgFocus.HIGH and rng.random() < 0.3:
        offenders = [s for s in companies if s.esg_score is not None and s.esg_score < _LOW_ESG]
    offenders = [s for s in offenders if s not in held]
    if not offenders:
        return
    offender = rng.choice(offenders)
    equities = [i for i, (asset, _) in enumerate(chosen) if asset is AssetClass.EQUITY]
    if equities and len(chosen) >= 15:
        chosen[rng.choice(equities)] = (AssetClass.EQUITY, offender)
    else:
        chosen.append((AssetClass.EQUITY, offender))


def _units(security: Security, value: Decimal) -> tuple[Decimal, Decimal]:
    """Quantity and market value: whole shares and bonds, fractional fund units, cash at par."""
    price = security.price or Decimal(1)
    if security.asset_class is AssetClass.CASH:
        amount = max(value, _CENT).quantize(_CENT)
        return amount, amount
    if is_pooled_fund(security):
        quantity = max((value / price).quantize(_UNIT, rounding=ROUND_DOWN), _UNIT)
    else:
        quantity = max((value / price).to_integral_value(rounding=ROUND_DOWN), Decimal(1))
    return quantity, max((quantity * price).quantize(_CENT), _CENT)


def _holding(
    rng: random.Random, position: _Position, *, today: date, goal_id: GoalId | None
) -> Holding:
    quantity, market_value = _units(position.security, position.value)
    if position.security.asset_class is AssetClass.CASH:
        return Holding(position.security.security_id, quantity, market_value, market_value)
    # Mostly gains (cost below value), a good share of losses for tax-loss harvesting.
    cost = (market_value * Decimal(f"{rng.triangular(0.7, 1.3, 0.85):.4f}")).quantize(_CENT)
    return Holding(
        security_id=position.security.security_id,
        quantity=quantity,
        market_value=market_value,
        cost_basis=cost,
        acquired_on=today - timedelta(days=rng.randint(365, 3650)),
        goal_id=goal_id,
    )


def _assign(
    rng: random.Random, positions: list[_Position], plans: list[AccountPlan]
) -> list[list[_Position]]:
    """Spread positions over accounts by their weights; cash goes to a cash account if any."""
    buckets: list[list[_Position]] = [[] for _ in plans]
    cash_at = next((i for i, p in enumerate(plans) if p.account_type is AccountType.CASH), None)
    investing = [i for i, p in enumerate(plans) if p.account_type is not AccountType.CASH]
    for position in positions:
        if position.security.asset_class is AssetClass.CASH and cash_at is not None:
            buckets[cash_at].append(position)
        else:
            target = rng.choices(investing, weights=[plans[i].weight for i in investing])[0]
            buckets[target].append(position)
    for i in investing:
        fullest = max(investing, key=lambda j: len(buckets[j]))
        if not buckets[i] and len(buckets[fullest]) > 1:
            buckets[i].append(buckets[fullest].pop())
    return buckets


def build_portfolio(client: Client, *, rng: random.Random, shelf: Shelf, today: date) -> Portfolio:
    """A portfolio for ``client``, drawn from ``rng`` alone."""
    market = MARKETS[client.country]
    wealth = 0 if client.net_worth_band is None else _NET_WORTH.index(client.net_worth_band)
    low, high = _POUNDS[wealth]
    total = rng.uniform(low, high) * float(market.scale)
    plans = plan_accounts(rng, client, today=today)
    cash = any(plan.account_type is AccountType.CASH for plan in plans)
    positions = _positions(rng, client, shelf, total, cash=cash)
    goals = [goal.goal_id for goal in client.profile.goals]
    accounts: list[Account] = []
    for plan, bucket in zip(plans, _assign(rng, positions, plans), strict=True):
        holdings = tuple(
            _holding(
                rng,
                position,
                today=today,
                goal_id=rng.choice(goals) if plan.goal_id is None and rng.random() < 0.35 else None,
            )
            for position in bucket
        )
        accounts.append(
            Account(
                account_id=AccountId(plan.account_id),
                account_type=plan.account_type,
                tax_wrapper=plan.tax_wrapper,
                monthly_contribution=plan.monthly_contribution,
                goal_id=plan.goal_id,
                holdings=holdings,
            )
        )
    return Portfolio(
        client_id=client.client_id,
        base_currency=market.currency,
        accounts=tuple(accounts),
        target_allocation=dict(TARGET_ALLOCATIONS[client.risk_tolerance]),
        as_of=today,
    )
