"""Recomputing every signal for one client: ``detect_all`` with every built-in detector.

The client has exactly 3 goals (retirement in 25 years, education in 10, a home in 3, each
funded by an account of its own and by linked holdings) and exactly 50 holdings across all five
asset classes, drawn from the demo security master. The portfolio is built to give the
detectors work: it has drifted from its target, holds a restricted company and low-ESG ones,
has losses in its taxable account, one over-sized position and equities in the short goal;
retirement is off track (so the goal solvers run), education and the home on track. Eight of
the nine detectors find something (32 candidates); only the cash detector stays quiet.

Measured in-process, no database: the first call (which imports cvxpy and draws the Monte Carlo
shocks) is reported on its own as the cold time; then a few untimed warm-up calls; then N timed
calls of ``detect_all`` (p50/p90/p99/max), then N timed calls of each detector on its own (p50
per detector, to show where the time goes). Target: p50 <= 50 ms.

    .venv/bin/python benchmarks/signals_one_client.py --runs 200
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from _common import BenchDatabase, StallMonitor, machine_description, percentile, print_report
from nextbest.domain.client import Client, ClientProfile, Constraints, Goal, Preferences
from nextbest.domain.enums import (
    AccountType,
    AssetClass,
    CommentaryTone,
    ConsentPurpose,
    Controversy,
    EsgFocus,
    GoalType,
    IncomeBand,
    NetWorthBand,
    Priority,
    RiskTolerance,
    TaxWrapper,
)
from nextbest.domain.ids import AccountId, ClientId, GoalId
from nextbest.domain.portfolio import Account, Holding, Portfolio
from nextbest.domain.security import Security
from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
from nextbest.services.clients import client_problems
from nextbest.services.portfolios import portfolio_problems
from nextbest.signals.base import SecurityMaster, SignalContext
from nextbest.signals.builtin import builtin_registry
from nextbest.signals.engine import detect_all
from nextbest.sim.demo_portfolios import TARGET_ALLOCATIONS
from nextbest.sim.security_master import build_security_master

TARGET_P50_MS = 50.0
WARM_UP_CALLS = 5

RETIREMENT = GoalId("retirement-1")
EDUCATION = GoalId("education-1")
HOME = GoalId("home-purchase-1")

# How many of the 50 holdings are in each asset class (the GBP shelf has 1 cash, 4 property,
# 5 alternative, 8 bond and 42 equity securities); and each class's share of the portfolio,
# drifted from the MEDIUM target (55/30/5/5/5) towards equity.
_COUNTS = {
    AssetClass.CASH: 1,
    AssetClass.PROPERTY: 4,
    AssetClass.ALTERNATIVE: 5,
    AssetClass.BOND: 8,
    AssetClass.EQUITY: 32,
}
_WEIGHTS = {
    AssetClass.CASH: 0.06,
    AssetClass.PROPERTY: 0.04,
    AssetClass.ALTERNATIVE: 0.05,
    AssetClass.BOND: 0.15,
    AssetClass.EQUITY: 0.70,
}
_TOTAL = 600_000.0
_CENT = Decimal("0.01")
_UNIT = Decimal("0.0001")
_RESTRICTED = frozenset({Controversy.TOBACCO, Controversy.GAMBLING})


def bench_client(today: date) -> Client:
    year = today.year
    return Client(
        client_id=ClientId("bench-signals-00001"),
        birth_year=year - 40,
        country="GB",
        base_currency="GBP",
        risk_tolerance=RiskTolerance.MEDIUM,
        income_band=IncomeBand.UPPER_MIDDLE,
        net_worth_band=NetWorthBand.AFFLUENT,
        profile=ClientProfile(
            goals=(
                Goal(RETIREMENT, GoalType.RETIREMENT, year + 25, Decimal(900_000), Priority.HIGH),
                Goal(EDUCATION, GoalType.EDUCATION, year + 10, Decimal(90_000), Priority.MEDIUM),
                Goal(HOME, GoalType.HOME_PURCHASE, year + 3, Decimal(120_000), Priority.HIGH),
            ),
            preferences=Preferences(
                esg_focus=EsgFocus.HIGH, commentary_tone=CommentaryTone.ANALYTICAL
            ),
            constraints=Constraints(restricted_sectors=_RESTRICTED),
        ),
        consents={ConsentPurpose.PERSONALIZATION: True, ConsentPurpose.TRACKING: True},
    )


def _chosen(master: tuple[Security, ...]) -> list[Security]:
    """The 50 GBP securities held: every class's count, a restricted company among them."""
    shelf = sorted((s for s in master if s.currency == "GBP"), key=lambda s: s.security_id)
    chosen: list[Security] = []
    for asset, count in _COUNTS.items():
        offered = [s for s in shelf if s.asset_class is asset]
        if asset is AssetClass.EQUITY:  # a screened-out and low-ESG companies first
            offered.sort(
                key=lambda s: (
                    not s.is_restricted_by(_RESTRICTED),
                    s.esg_score is None or s.esg_score >= 40,
                    s.security_id,
                )
            )
        if len(offered) < count:
            raise RuntimeError(f"the GBP shelf has {len(offered)} {asset} securities, not {count}")
        chosen.extend(offered[:count])
    return chosen


def _holding(
    rng: random.Random, security: Security, value: float, today: date, *, loss: bool
) -> Holding:
    price = security.price or Decimal(1)
    if security.asset_class is AssetClass.CASH:
        amount = Decimal(f"{value:.2f}")
        return Holding(security.security_id, amount, amount, amount)
    quantity = max((Decimal(f"{value:.4f}") / price).quantize(_UNIT, rounding=ROUND_DOWN), _UNIT)
    market_value = (quantity * price).quantize(_CENT)
    factor = rng.uniform(1.15, 1.4) if loss else rng.uniform(0.6, 0.95)
    return Holding(
        security_id=security.security_id,
        quantity=quantity,
        market_value=market_value,
        cost_basis=(market_value * Decimal(f"{factor:.4f}")).quantize(_CENT),
        acquired_on=today - timedelta(days=rng.randint(400, 3000)),
    )


def bench_portfolio(client: Client, master: tuple[Security, ...], today: date) -> Portfolio:
    """50 holdings over five accounts, one account per goal; some taxable ones linked too."""
    rng = random.Random(20260201)
    chosen = _chosen(master)
    per_class = {asset: [s for s in chosen if s.asset_class is asset] for asset in _COUNTS}
    values: dict[str, float] = {}
    for asset, securities in per_class.items():
        shares = [rng.uniform(0.5, 1.5) for _ in securities]
        for security, share in zip(securities, shares, strict=True):
            values[security.security_id] = _TOTAL * _WEIGHTS[asset] * share / sum(shares)
    # One company far over the 10% single-name limit.
    big = per_class[AssetClass.EQUITY][-1]
    values[big.security_id] = _TOTAL * 0.14

    cash: list[Holding] = []
    sipp: list[Holding] = []
    jisa: list[Holding] = []
    lisa: list[Holding] = []
    gia: list[Holding] = []
    investing = [s for s in chosen if s.asset_class is not AssetClass.CASH]
    for index, security in enumerate(investing):
        value = values[security.security_id]
        if index % 5 == 4:  # the taxable account: losses to harvest, a third linked to goals
            holding = _holding(rng, security, value, today, loss=index % 10 == 4)
            goal = (RETIREMENT, HOME, None)[index % 3]
            gia.append(replace(holding, goal_id=goal))
        else:
            target = (sipp, sipp, jisa, lisa)[index % 5 % 4]
            target.append(_holding(rng, security, value, today, loss=False))
    for security in per_class[AssetClass.CASH]:
        cash.append(_holding(rng, security, values[security.security_id], today, loss=False))

    def account(
        account_id: str,
        kind: AccountType,
        wrapper: TaxWrapper,
        monthly: int,
        goal: GoalId | None,
        holdings: list[Holding],
    ) -> Account:
        return Account(
            AccountId(account_id), kind, wrapper, Decimal(monthly), goal, tuple(holdings)
        )

    return Portfolio(
        client_id=client.client_id,
        base_currency="GBP",
        accounts=(
            account("sipp-1", AccountType.RETIREMENT, TaxWrapper.SIPP, 250, RETIREMENT, sipp),
            account("jisa-1", AccountType.EDUCATION, TaxWrapper.JISA, 100, EDUCATION, jisa),
            account("lisa-1", AccountType.TAX_FREE_SAVINGS, TaxWrapper.LISA, 200, HOME, lisa),
            account("gia-1", AccountType.TAXABLE, TaxWrapper.NONE, 0, None, gia),
            account("cash-1", AccountType.CASH, TaxWrapper.NONE, 0, None, cash),
        ),
        target_allocation=dict(TARGET_ALLOCATIONS[RiskTolerance.MEDIUM]),
        as_of=today,
    )


def build_context(now: datetime, *, seed: int) -> SignalContext:
    today = now.date()
    master = build_security_master(seed=7)
    client = bench_client(today)
    portfolio = bench_portfolio(client, master, today)
    holdings = portfolio.holdings()
    goals = len(client.profile.goals)
    if goals != 3 or len(holdings) != 50:
        raise RuntimeError(f"the client has {goals} goals and {len(holdings)} holdings")
    known: set[str] = {s.security_id for s in master}
    problems = client_problems(client, now=now) + portfolio_problems(
        portfolio, client, known, now=now
    )
    if problems:
        raise RuntimeError(f"the benchmark client is not valid: {problems}")
    return SignalContext(
        client=client,
        portfolio=portfolio,
        master=SecurityMaster(master),
        assumptions=DEFAULT_ASSUMPTIONS,
        as_of=today,
        seed=seed,
    )


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timed runs (default 200)")
    parser.add_argument("--paths", type=int, default=10_000, help="Monte Carlo paths per goal")
    parser.add_argument("--seed", type=int, default=7, help="the engine's projection seed")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=240,
        help="stop timing after this long, with the runs done so far (default 240)",
    )
    args = parser.parse_args(argv)

    context = build_context(datetime.now(UTC), seed=args.seed)
    registry = builtin_registry(paths=args.paths)
    detectors = list(registry)

    started = time.perf_counter()
    cold = detect_all(context, registry)
    cold_seconds = time.perf_counter() - started
    if cold.failures:
        print(f"detectors failed: {cold.failures}", file=sys.stderr)
        return 1
    for _ in range(WARM_UP_CALLS):
        detect_all(context, registry)

    load_before = os.getloadavg()
    deadline = time.perf_counter() + args.max_seconds
    totals: list[float] = []
    per_detector: dict[str, list[float]] = {d.name: [] for d in detectors}
    found: dict[str, int] = {}
    with StallMonitor() as stalls:
        timing_started = time.perf_counter()
        for _ in range(args.runs):
            if time.perf_counter() > deadline:
                break
            started = time.perf_counter()
            detection = detect_all(context, registry)
            totals.append(time.perf_counter() - started)
            if detection.failures:
                print(f"detectors failed: {detection.failures}", file=sys.stderr)
                return 1
        for _ in range(len(totals)):
            if time.perf_counter() > deadline:
                break
            for detector in detectors:
                started = time.perf_counter()
                candidates = detector.detect(context)
                per_detector[detector.name].append(time.perf_counter() - started)
                found[detector.name] = len(candidates)
        timing_ended = time.perf_counter()

    p50 = percentile(totals, 0.50)
    figures: dict[str, object] = {
        "goals": len(context.client.profile.goals),
        "holdings": len(context.portfolio.holdings()) if context.portfolio else 0,
        "detectors": len(detectors),
        "paths": args.paths,
        "candidates": len(cold.candidates),
        "cold_first_call_ms": _ms(cold_seconds),
        "runs": len(totals),
        "p50_ms": _ms(p50),
        "p90_ms": _ms(percentile(totals, 0.90)),
        "p99_ms": _ms(percentile(totals, 0.99)),
        "max_ms": _ms(max(totals)),
        "mean_ms": _ms(sum(totals) / len(totals)),
        "target_p50_ms": TARGET_P50_MS,
        "target_met": p50 * 1000 <= TARGET_P50_MS,
        "load_avg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        **stalls.summary(timing_started, timing_ended),
    }
    detector_p50 = {name: percentile(times, 0.50) for name, times in per_detector.items()}
    sum_p50 = sum(detector_p50.values())
    figures["per_detector_runs"] = len(next(iter(per_detector.values())))
    figures["per_detector_p50_ms"] = {name: _ms(value) for name, value in detector_p50.items()}
    figures["per_detector_candidates"] = found

    print("where the time goes (p50 per detector, share of their sum):")
    for name, value in sorted(detector_p50.items(), key=lambda item: -item[1]):
        share = value / sum_p50 if sum_p50 else 0.0
        print(f"  {name:<22} {value * 1000:8.2f} ms  {share:6.1%}  ({found.get(name, 0)} found)")
    machine = machine_description(BenchDatabase("none", "", "none (in-process, no database)"))
    print_report("signals_one_client", machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
