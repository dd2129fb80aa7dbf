"""Monte Carlo paths of one goal's money, in monthly steps, kept linear in the saving.

**Model.** Month ``m``'s log return is normal with mean ``(mu_m - sigma_m**2 / 2) / 12`` and
standard deviation ``sigma_m / sqrt(12)``, ``mu_m`` and ``sigma_m`` being the annual arithmetic
mean and volatility of that month's mix (:meth:`CapitalMarketAssumptions.portfolio`): lognormal,
independent months, expected monthly growth ``exp(mu_m / 12)``. With no volatility money grows at
the monthly rate ``exp(mu / 12) - 1`` exactly. The mix is a constant ``allocation`` or a
:class:`GlidePath` for a ``risk_tolerance``, evaluated at the start of month ``m`` at
``(months - m) / 12`` years to the target. Shocks come by calendar month from
``default_rng(seed)``, except a glide path's derisking window (see
:class:`LaterTargetSimulations`).

**Why two pieces.** ``initial_value`` is invested at the start and ``monthly_contribution``
arrives at the END of each month (an ordinary annuity), so per path
``W = initial_value * growth + monthly_contribution * annuity`` (``growth``: what 1 invested at
the start becomes; ``annuity``: what 1 saved at the end of every month becomes).
:class:`GoalSimulation` keeps both, so a projection for any amounts, and the solvers' contribution
or target, come from one simulation without running it again.

**Numbers.** The random part ``X`` of each cumulative log return is float32 (about 1e-6 relative
error, far below the sampling error of 10,000 paths), the drift float64; ``X`` enters only as
``exp(-X) - 1``, exactly 0 without volatility, so zero-volatility results match the closed form to
the cent. Months go a year at a time so the working block stays in the CPU cache.

**Shock cache.** Shocks for a ``(seed, paths, stream)`` are drawn once and reused; rows (months)
grow in 10-year steps. An entry costs ``rows * paths * 4`` bytes: 19.2 MB for 40 years of 10,000
paths, 28.8 MB for 60, 4.8 MB for a glide path's 10-year window (stream 1); at most
``SHOCK_CACHE_ENTRIES`` are kept. One seed for all clients draws once per process.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nextbest.domain.enums import AssetClass, RiskTolerance
from nextbest.finance.assumptions import ASSET_CLASSES, CapitalMarketAssumptions
from nextbest.finance.glide_path import GlidePath

__all__ = [
    "DEFAULT_PATHS",
    "SHOCK_CACHE_ENTRIES",
    "GoalSimulation",
    "LaterTargetSimulations",
    "simulate_goal",
    "standard_normal_shocks",
]

DEFAULT_PATHS = 10_000
SHOCK_CACHE_ENTRIES = 4
_SHOCK_ROWS_STEP = 120
_BLOCK_MONTHS = 12
_WEIGHT_TOLERANCE = 1e-6

_shock_cache: OrderedDict[tuple[int, int, int], NDArray[np.float32]] = OrderedDict()
_shock_lock = threading.Lock()

_Piece = tuple[NDArray[np.float64], NDArray[np.float64]]
"""Per-path ``(growth, annuity)`` over a stretch of months."""


def standard_normal_shocks(
    *, seed: int, months: int, paths: int, stream: int = 0
) -> NDArray[np.float32]:
    """Read-only ``(months, paths)`` float32 standard normals; row ``m`` is month ``m``.

    Stream 0 is ``default_rng(seed)``; stream ``k`` is the ``k``-th child of
    ``SeedSequence(seed)``, independent of it (glide paths draw their derisking window there).
    The generator fills rows in order, so a shorter request is a prefix of a longer one.

    >>> standard_normal_shocks(seed=1, months=3, paths=2).shape
    (3, 2)
    """
    _check_count("months", months, minimum=1)
    _check_count("paths", paths, minimum=1)
    _check_count("seed", seed, minimum=0)
    _check_count("stream", stream, minimum=0)
    key = (seed, paths, stream)
    with _shock_lock:
        cached = _shock_cache.get(key)
        if cached is not None and cached.shape[0] >= months:
            _shock_cache.move_to_end(key)
            return cached[:months]
    rows = -(-months // _SHOCK_ROWS_STEP) * _SHOCK_ROWS_STEP
    source = seed if stream == 0 else np.random.SeedSequence(seed, spawn_key=(stream - 1,))
    fresh = np.random.default_rng(source).standard_normal((rows, paths), dtype=np.float32)
    fresh.setflags(write=False)
    with _shock_lock:
        _shock_cache[key] = fresh
        _shock_cache.move_to_end(key)
        while len(_shock_cache) > SHOCK_CACHE_ENTRIES:
            _shock_cache.popitem(last=False)
    return fresh[:months]


@dataclass(frozen=True, slots=True, eq=False)
class GoalSimulation:
    """Per-path ``growth`` and ``annuity`` of one goal's horizon (see the module docstring).

    Wealth is ``initial_value * growth + monthly_contribution * annuity``; ``deflator`` turns
    nominal wealth into today's money. Arrays are read-only and may be shared (hence ``eq=False``:
    arrays do not compare with ``==``). :func:`nextbest.finance.projection.summarise` turns one
    into a :class:`GoalProjection` for any amounts.

    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> from nextbest.finance.glide_path import DEFAULT_GLIDE_PATH
    >>> simulation = simulate_goal(
    ...     months=60, assumptions=DEFAULT_ASSUMPTIONS,
    ...     glide_path=DEFAULT_GLIDE_PATH, risk_tolerance=RiskTolerance.MEDIUM, paths=1_000)
    >>> simulation.paths, simulation.months
    (1000, 60)
    >>> low = simulation.success_probability(
    ...     initial_value=10_000, monthly_contribution=100, target_amount=20_000)
    >>> high = simulation.success_probability(
    ...     initial_value=10_000, monthly_contribution=300, target_amount=20_000)
    >>> 0 < low < high <= 1
    True
    """

    months: int
    growth: NDArray[np.float64]
    annuity: NDArray[np.float64]
    deflator: float
    seed: int
    allocation: Mapping[AssetClass, float] | None = None
    glide_path: GlidePath | None = None
    risk_tolerance: RiskTolerance | None = None

    @property
    def paths(self) -> int:
        return int(self.growth.shape[0])

    def wealth(self, *, initial_value: float, monthly_contribution: float) -> NDArray[np.float64]:
        """Nominal terminal wealth per path."""
        _check_amounts(initial_value, monthly_contribution)
        result: NDArray[np.float64] = (
            initial_value * self.growth + monthly_contribution * self.annuity
        )
        return result

    def success_probability(
        self,
        *,
        initial_value: float,
        monthly_contribution: float,
        target_amount: float,
        real: bool = True,
    ) -> float:
        """Share of paths reaching ``target_amount`` (in today's money unless ``real=False``)."""
        _check_amounts(target_amount=target_amount)
        wealth = self.wealth(initial_value=initial_value, monthly_contribution=monthly_contribution)
        goal = target_amount * self.deflator if real else target_amount
        return float(np.count_nonzero(wealth >= goal)) / self.paths


class LaterTargetSimulations:
    """One goal simulated with its target date moved 0, 1, …, ``max_extra_years`` years later,
    on the same shocks. ``simulations[y]`` is bit-for-bit ``simulate_goal(months=months + 12 * y,
    ...)``.

    Horizons are built on demand in one resumable pass that keeps each year-end on the way:
    year 0 costs what :func:`simulate_goal` does, and a scan that stops early never pays for
    later years. On a glide path the mix is constant until the last ``W = ceil(12 * window)``
    months; those months draw their shocks from stream 1 by months remaining (row ``W - t`` with
    ``t`` months left), the months before from stream 0 by calendar month. Moving the target
    date then replays the same final approach (common random numbers), so the window is
    simulated once and joined to each horizon's far-from-target stretch. It keeps state as it
    goes, so do not share one between threads.

    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> later = LaterTargetSimulations(
    ...     months=24, max_extra_years=2, assumptions=DEFAULT_ASSUMPTIONS,
    ...     allocation={AssetClass.CASH: 1.0}, paths=100)
    >>> [later[y].months for y in range(len(later))]
    [24, 36, 48]
    """

    def __init__(
        self,
        *,
        months: int,
        max_extra_years: int,
        assumptions: CapitalMarketAssumptions,
        allocation: Mapping[AssetClass, float] | None = None,
        glide_path: GlidePath | None = None,
        risk_tolerance: RiskTolerance | None = None,
        paths: int = DEFAULT_PATHS,
        seed: int = 0,
    ) -> None:
        _check_count("months", months, minimum=1)
        _check_count("max_extra_years", max_extra_years, minimum=0)
        _check_count("paths", paths, minimum=1)
        _check_count("seed", seed, minimum=0)
        _check_mix(allocation, glide_path, risk_tolerance)
        self.months = months
        self.max_extra_years = max_extra_years
        self._assumptions = assumptions
        self._allocation = dict(allocation) if allocation is not None else None
        self._glide_path = glide_path
        self._risk_tolerance = risk_tolerance
        self._seed = seed
        self._paths = paths
        self._memo: dict[int, GoalSimulation] = {}
        self._tails: dict[int, _Piece] = {}

        if glide_path is not None and risk_tolerance is not None:
            window = glide_path.derisking_window_years(risk_tolerance)
            self._tail_months = math.ceil(12 * window)
            # Tail schedule in calendar order: months remaining run from tail_months down to 1.
            years = np.arange(self._tail_months, 0, -1) / 12.0
            tail = glide_path.allocation_matrix(years, risk_tolerance)
            self._tail_drift, self._tail_scale = _monthly_moments(assumptions, tail)
            far = glide_path.allocation_matrix([window], risk_tolerance)
        else:
            self._tail_months = 0
            self._tail_drift = self._tail_scale = np.zeros(0)
            far = assumptions.weights(allocation or {})[None, :]
        far_drift, far_scale = _monthly_moments(assumptions, far)
        longest = self._far_months(max_extra_years)
        shocks = (
            standard_normal_shocks(seed=seed, months=longest, paths=paths)
            if longest
            else np.zeros((0, paths), dtype=np.float32)
        )
        # Run lazily: a caller that stops at an early horizon pays only for the months it used.
        self._far = _Phase(
            shocks,
            np.full(longest, far_drift[0]),
            np.full(longest, far_scale[0]),
            stops={self._far_months(y) for y in range(max_extra_years + 1)},
        )

    def __len__(self) -> int:
        return self.max_extra_years + 1

    def __getitem__(self, years_later: int) -> GoalSimulation:
        if not 0 <= years_later <= self.max_extra_years:
            raise IndexError(f"years_later must be 0..{self.max_extra_years}")
        found = self._memo.get(years_later)
        if found is not None:
            return found
        horizon = self.months + 12 * years_later
        far_months = self._far_months(years_later)
        piece = self._far.until(far_months)
        tail = horizon - far_months
        if tail:
            piece = _compose(piece, self._tail(tail))
        growth, annuity = piece
        growth.setflags(write=False)
        annuity.setflags(write=False)
        simulation = GoalSimulation(
            months=horizon,
            growth=growth,
            annuity=annuity,
            deflator=(1.0 + self._assumptions.inflation) ** (horizon / 12),
            seed=self._seed,
            allocation=self._allocation,
            glide_path=self._glide_path,
            risk_tolerance=self._risk_tolerance,
        )
        self._memo[years_later] = simulation
        return simulation

    def _tail(self, months: int) -> _Piece:
        """The last ``months`` months of the derisking window, the same for every horizon."""
        found = self._tails.get(months)
        if found is None:
            start = self._tail_months - months
            shocks = standard_normal_shocks(
                seed=self._seed, months=self._tail_months, paths=self._paths, stream=1
            )
            phase = _Phase(
                shocks[start:],
                self._tail_drift[start:],
                self._tail_scale[start:],
                stops={months},
            )
            found = phase.until(months)
            self._tails[months] = found
        return found

    def _far_months(self, years_later: int) -> int:
        horizon = self.months + 12 * years_later
        return horizon - min(horizon, self._tail_months)


def simulate_goal(
    *,
    months: int,
    assumptions: CapitalMarketAssumptions,
    allocation: Mapping[AssetClass, float] | None = None,
    glide_path: GlidePath | None = None,
    risk_tolerance: RiskTolerance | None = None,
    paths: int = DEFAULT_PATHS,
    seed: int = 0,
) -> GoalSimulation:
    """Simulate ``months`` months of a constant ``allocation`` (non-negative weights summing to
    1) or of ``glide_path`` for ``risk_tolerance``: exactly one of the two."""
    return LaterTargetSimulations(
        months=months,
        max_extra_years=0,
        assumptions=assumptions,
        allocation=allocation,
        glide_path=glide_path,
        risk_tolerance=risk_tolerance,
        paths=paths,
        seed=seed,
    )[0]


class _Phase:
    """``(growth, annuity)`` of a stretch of months from nothing at each month count in
    ``stops`` (block ends), computed on demand and resumable, so a later horizon only adds the
    months it needs.

    With ``L_k`` the cumulative log return to the end of month ``k`` (drift part ``D_k``, random
    part ``X_k``): ``growth = exp(L_n)`` and ``annuity = sum_k exp(L_n - L_k)
    = exp(L_n) * sum_k exp(-D_k) * (1 + (exp(-X_k) - 1))``. Blocks end at ``n % 12`` (or 12) and
    every 12 months after, so every horizon of the same residue shares the same arithmetic.
    """

    def __init__(
        self,
        shocks: NDArray[np.float32],
        drift: NDArray[np.float64],
        scale: NDArray[np.float64],
        *,
        stops: set[int],
    ) -> None:
        months, paths = shocks.shape
        self._stops = stops
        self._shocks = shocks
        self._cum_drift = np.concatenate(([0.0], np.cumsum(drift)))
        weights = np.exp(-self._cum_drift[1:])
        self._weights_total = np.cumsum(weights)
        self._weights32 = weights.astype(np.float32)
        self._neg_scale = (-scale).astype(np.float32)
        self._neg_x = np.zeros(paths, dtype=np.float32)
        self._correction = np.zeros(paths)
        self._block = np.empty((_BLOCK_MONTHS, paths), dtype=np.float32)
        self._first_end = months % _BLOCK_MONTHS or _BLOCK_MONTHS
        self._done = 0
        self._pieces: dict[int, _Piece] = {0: _identity(paths)}

    def until(self, end: int) -> _Piece:
        found = self._pieces.get(end)
        if found is not None:
            return found
        if end < self._done or end not in self._stops:
            raise ValueError(f"month {end} was not asked for when the phase was set up")
        while self._done < end:
            start = self._done
            stop = self._first_end if start == 0 else start + _BLOCK_MONTHS
            rows = self._block[: stop - start]
            np.multiply(self._shocks[start:stop], self._neg_scale[start:stop, None], out=rows)
            rows[0] += self._neg_x
            for row in range(1, stop - start):
                np.add(rows[row], rows[row - 1], out=rows[row])
            self._neg_x[:] = rows[-1]
            np.exp(rows, out=rows)
            rows -= 1.0
            self._correction += self._weights32[start:stop] @ rows
            self._done = stop
            if stop in self._stops:
                growth = np.exp(self._cum_drift[stop] - self._neg_x.astype(np.float64))
                annuity = growth * (self._weights_total[stop - 1] + self._correction)
                self._pieces[stop] = (growth, annuity)
        return self._pieces[end]


def _compose(first: _Piece, second: _Piece) -> _Piece:
    """Two consecutive stretches as one: savings of the first grow through the second."""
    (g1, a1), (g2, a2) = first, second
    return g1 * g2, a1 * g2 + a2


def _identity(paths: int) -> _Piece:
    return np.ones(paths), np.zeros(paths)


def _monthly_moments(
    assumptions: CapitalMarketAssumptions, weights: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Monthly log drift and volatility per row of weights: the formula of
    :meth:`CapitalMarketAssumptions.portfolio`, vectorised over months."""
    mean = weights @ assumptions.means()
    variance = np.einsum("ij,jk,ik->i", weights, assumptions.covariance(), weights)
    vol = np.sqrt(np.maximum(variance, 0.0))
    return (mean - vol**2 / 2) / 12, vol / math.sqrt(12)


def _check_mix(
    allocation: Mapping[AssetClass, float] | None,
    glide_path: GlidePath | None,
    risk_tolerance: RiskTolerance | None,
) -> None:
    if allocation is None:
        if glide_path is None or risk_tolerance is None:
            raise ValueError("pass an allocation, or a glide_path with a risk_tolerance")
        return
    if glide_path is not None or risk_tolerance is not None:
        raise ValueError("pass an allocation or a glide path, not both")
    unknown = set(allocation) - set(ASSET_CLASSES)
    if unknown:
        raise ValueError(f"allocation names unknown asset classes: {sorted(map(str, unknown))}")
    weights = [float(w) for w in allocation.values()]
    if not all(math.isfinite(w) and w >= 0 for w in weights):
        raise ValueError("allocation weights must be finite and non-negative")
    if abs(sum(weights) - 1.0) > _WEIGHT_TOLERANCE:
        raise ValueError(f"allocation weights must sum to 1, not {sum(weights)}")


def _check_count(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, not {value!r}")


def _check_amounts(
    initial_value: float = 0.0, monthly_contribution: float = 0.0, target_amount: float = 1.0
) -> None:
    for name, value in (
        ("initial_value", initial_value),
        ("monthly_contribution", monthly_contribution),
    ):
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite amount of at least 0, not {value!r}")
    if not (math.isfinite(target_amount) and target_amount > 0):
        raise ValueError(f"target_amount must be positive and finite, not {target_amount!r}")
