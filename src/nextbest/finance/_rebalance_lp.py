"""The optimisation behind :func:`nextbest.finance.allocation.rebalancing_trades`.

In weights (fractions of the portfolio), per asset class ``c`` with current weight ``w``,
target ``t`` and bounds ``lo``/``hi`` from the bands, two solves over the same constraints::

    variables   s_c >= 0 sold from c,  b_c >= 0 bought into c,  post_c = w_c - s_c + b_c
    subject to  lo_c <= post_c <= hi_c,  s_c <= sellable_c,  b_c <= (1 if buyable else 0),
                sum(b) == sum(s)
    1. a linear programme:     T* = min sum(s) + sum(b)
    2. the tie-break:          min sum((post - t)^2)  also with  sum(s) + sum(b) <= T* + SLACK

The least turnover is seldom a single plan (sell 10% of equity, then buy any mix of the
underweight classes), so the second solve picks the plan among them that ends closest to
target: the buys go to the most underweight classes first. (Weighting the two goals in one
objective instead left the tie-break below the solver's tolerance, and cents went astray.)

The variables are per class, not per holding: which holding of a class is sold changes neither
the turnover nor any constraint, so per-holding variables would only make the optimum
degenerate and leave the split to the solver's whim. The caller splits a class's sale by rule
instead (restricted holdings first, then pro rata), which is exact where a cost discount on
restricted holdings would only be approximate. It also fixes the problem's shape, so both
problems are built once with parameters and re-solved (about 1 ms a solve against 10 ms for
building a problem anew).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from nextbest.finance.assumptions import ASSET_CLASSES

if TYPE_CHECKING:
    import cvxpy as cp

__all__ = ["MARGIN", "SLACK", "Failure", "Solution", "solve"]

SLACK = (1e-8, 1e-6)
"""How much turnover the tie-break may add to the least, as a share of the portfolio (a
hundredth of a unit per million; if the solver stalls, one unit per million), so round-off in
the first solve cannot make the second infeasible. Any more and it would trade pennies to get
closer to target."""
MARGIN = 1e-4
"""How far inside a band edge the plan aims (a hundredth of a point), so rounding trades to
cents cannot leave a class a hair outside its band."""
_N = len(ASSET_CLASSES)
_CHECK = 1e-7
"""How far past a constraint a solution may be (a tenth of a unit per million) and pass."""


@dataclass(frozen=True, slots=True)
class Solution:
    sells: tuple[float, ...]
    buys: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    infeasible: bool


@dataclass(frozen=True, slots=True)
class _Problem:
    least: cp.Problem
    closest: cp.Problem
    sells: cp.Variable
    buys: cp.Variable
    current: cp.Parameter
    target: cp.Parameter
    low: cp.Parameter
    high: cp.Parameter
    sell_cap: cp.Parameter
    buy_cap: cp.Parameter
    turnover_cap: cp.Parameter
    # Parameters are shared state: one solve at a time per process.
    lock: threading.Lock


@cache
def _problem() -> _Problem:
    # cvxpy takes about a second to import; only code that rebalances should pay for it.
    import cvxpy as cp
    from cvxpy.atoms.sum_squares import sum_squares

    current, target, low, high = (cp.Parameter(_N) for _ in range(4))
    sell_cap, buy_cap = cp.Parameter(_N, nonneg=True), cp.Parameter(_N, nonneg=True)
    turnover_cap = cp.Parameter(nonneg=True)
    sells, buys = cp.Variable(_N, nonneg=True), cp.Variable(_N, nonneg=True)
    post = current - sells + buys
    turnover = sells.sum() + buys.sum()
    constraints = [
        post >= low,
        post <= high,
        sells <= sell_cap,
        buys <= buy_cap,
        buys.sum() == sells.sum(),
    ]
    # Both problems share the variables and parameters: set the parameters once, solve twice.
    least = cp.Problem(cp.Minimize(turnover), constraints)
    # Deviations in percentage points: as fractions their squares (1e-7) would sit below the
    # solver's absolute tolerance (1e-8) and the tie-break would be decided by round-off.
    closest = cp.Problem(
        cp.Minimize(sum_squares(100 * (post - target))), [*constraints, turnover <= turnover_cap]
    )
    return _Problem(
        least,
        closest,
        sells,
        buys,
        current,
        target,
        low,
        high,
        sell_cap,
        buy_cap,
        turnover_cap,
        threading.Lock(),
    )


def solve(
    *,
    current: Sequence[float],
    target: Sequence[float],
    band: Sequence[float],
    breached: Sequence[bool],
    sell_cap: Sequence[float],
    can_buy: Sequence[bool],
    to_target: bool,
) -> Solution | Failure:
    """All sequences are per asset class, in ``ASSET_CLASSES`` order, as weights."""
    w, t = np.asarray(current, dtype=float), np.asarray(target, dtype=float)
    width = np.asarray(band, dtype=float)
    inner = width - np.minimum(MARGIN, width / 2)
    hit = np.asarray(breached, dtype=bool)
    # A class inside its band may stay where it is even if that is nearer the edge than the
    # margin: only classes that have left their band are made to trade.
    low, high = np.minimum(t - inner, w), np.maximum(t + inner, w)
    if to_target:
        low, high = np.where(hit, t, low), np.where(hit, t, high)
    else:
        low, high = np.where(hit, t - inner, low), np.where(hit, t + inner, high)

    lp = _problem()
    with lp.lock:
        lp.current.value, lp.target.value = w, t
        lp.low.value, lp.high.value = low, high
        lp.sell_cap.value = np.maximum(np.asarray(sell_cap, dtype=float), 0.0)
        lp.buy_cap.value = np.asarray(can_buy, dtype=float)
        least = _run(lp.least)
        if isinstance(least, Failure):
            return least
        # The tie-break is a refinement: should the solver stall on the tight cap, it gets a
        # looser one, and failing that the least-turnover plan stands as the first solve left it.
        for slack in SLACK:
            lp.turnover_cap.value = least + slack
            if not isinstance(_run(lp.closest), Failure):
                break
        else:
            again = _run(lp.least)
            if isinstance(again, Failure):
                return again
        if lp.sells.value is None or lp.buys.value is None:
            return Failure("the solver returned no solution", infeasible=False)
        # Buying and selling one class is never optimal, so where the solver's round-off does
        # both (a cent each way), only the net trade is real.
        net = np.asarray(lp.buys.value, dtype=float) - np.asarray(lp.sells.value, dtype=float)
    sells, buys = np.clip(-net, 0.0, None), np.clip(net, 0.0, None)
    # An "inaccurate" solution is accepted only if it keeps to the constraints after all.
    post = w + net
    kept = (
        np.all(post >= low - _CHECK)
        and np.all(post <= high + _CHECK)
        and np.all(sells <= np.asarray(sell_cap, dtype=float) + _CHECK)
        and np.all(buys[~np.asarray(can_buy, dtype=bool)] <= _CHECK)
    )
    if not kept:
        return Failure("the solver's answer breaks the constraints", infeasible=False)
    return Solution(tuple(float(x) for x in sells), tuple(float(x) for x in buys))


def _run(problem: cp.Problem) -> float | Failure:
    """Solve; the optimal value, or why there is none."""
    import cvxpy as cp

    try:
        # cvxpy warns when a solution is inaccurate; the status says so and is handled below,
        # and a warning must not become an exception under ``-W error``.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            problem.solve(solver=cp.CLARABEL)  # type: ignore[no-untyped-call]
    except cp.error.SolverError as error:
        return Failure(f"the solver failed: {error}", infeasible=False)
    status = problem.status
    if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
        return Failure("no trades can bring every class into its band", infeasible=True)
    if status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or problem.value is None:
        return Failure(f"the solver stopped with status {status}", infeasible=False)
    return float(problem.value)
