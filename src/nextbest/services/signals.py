"""A client's signals: computed by the detectors, cached, recomputed only when an input changed.

Writing a client or its portfolio drops its cached signals in the same transaction. The cache is
also keyed by its inputs: the client's and the portfolio's last change, the newest change to the
security master, the capital-market assumptions, the detector set and the engine version. Any of
those changing, or a new day, makes the next read recompute; otherwise a read is two indexed
lookups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import structlog

from nextbest.domain.candidate import Candidate
from nextbest.domain.ids import ClientId
from nextbest.errors import NotFound
from nextbest.finance.assumptions import CapitalMarketAssumptions
from nextbest.signals.base import DetectorRegistry, SecurityMaster, SignalContext
from nextbest.signals.engine import detect_all
from nextbest.storage.repositories.signals import InputVersions, Probe
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "ENGINE_VERSION",
    "SignalEngine",
    "SignalReport",
    "client_signals",
    "recompute_signals",
    "signals_in",
]

ENGINE_VERSION = "1"
"""Bump when a detector's logic changes, so every cached result is recomputed."""

log = structlog.get_logger("nextbest.signals")


@dataclass(slots=True)
class SignalEngine:
    """The detectors and assumptions in force, and the security master they last saw."""

    registry: DetectorRegistry
    assumptions: CapitalMarketAssumptions
    seed: int = 7
    _master: tuple[datetime | None, SecurityMaster] | None = field(default=None, repr=False)
    _fingerprint: tuple[tuple[object, ...], str] | None = field(default=None, repr=False)

    def fingerprint(self) -> str:
        """What the engine is; worked out again only when the assumptions, seed or detectors
        are replaced, because every cached read compares it."""
        detectors = tuple(self.registry)
        identity = (self.assumptions, self.seed, *detectors)
        if self._fingerprint is None or self._fingerprint[0] != identity:
            names = ",".join(detector.name for detector in detectors)
            text = f"{ENGINE_VERSION}|{self.assumptions.fingerprint()}|{self.seed}|{names}"
            self._fingerprint = (identity, text)
        return self._fingerprint[1]

    def master(self, uow: UnitOfWork, version: datetime | None) -> SecurityMaster:
        """The security master, loaded again only when it changed."""
        if self._master is None or self._master[0] != version:
            self._master = (version, SecurityMaster(uow.securities.all()))
        return self._master[1]


@dataclass(frozen=True, slots=True)
class SignalReport:
    client_id: ClientId
    as_of: date
    computed_at: datetime
    candidates: tuple[Candidate, ...]
    from_cache: bool
    failures: tuple[tuple[str, str], ...] = ()


def inputs_key(versions: InputVersions, engine: SignalEngine) -> str:
    parts = (
        versions.client_updated_at.isoformat(),
        "" if versions.portfolio_updated_at is None else versions.portfolio_updated_at.isoformat(),
        ""
        if versions.securities_updated_at is None
        else versions.securities_updated_at.isoformat(),
        engine.fingerprint(),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def client_signals(
    client_id: ClientId,
    *,
    uow: UnitOfWork,
    engine: SignalEngine,
    now: datetime,
    refresh: bool = False,
) -> SignalReport:
    """The client's candidates: from the cache when its inputs are unchanged today."""
    with uow:
        report = signals_in(uow, client_id, engine=engine, now=now, refresh=refresh)
        if not report.from_cache:
            uow.commit()
    return report


def signals_in(
    uow: UnitOfWork,
    client_id: ClientId,
    *,
    engine: SignalEngine,
    now: datetime,
    refresh: bool = False,
    probe: Probe | None = None,
) -> SignalReport:
    """``client_signals`` inside a unit of work the caller opened (and commits: a recomputed
    result is stored in it). ``probe``: the cache probe, when the caller has read it already."""
    today = now.date()
    if probe is None:
        probe = uow.signals.probe(client_id)
    if probe is None:
        raise NotFound("client", client_id)
    versions, cached = probe
    key = inputs_key(versions, engine)
    if cached is not None and not refresh and cached.inputs_key == key and cached.as_of == today:
        return SignalReport(
            client_id, cached.as_of, cached.computed_at, cached.candidates, from_cache=True
        )
    client = uow.clients.get(client_id)
    if client is None:  # erased between the two reads
        raise NotFound("client", client_id)
    context = SignalContext(
        client=client,
        portfolio=uow.portfolios.get(client_id),
        master=engine.master(uow, versions.securities_updated_at),
        assumptions=engine.assumptions,
        as_of=today,
        seed=engine.seed,
    )
    detection = detect_all(context, engine.registry)
    uow.signals.store(
        client_id, as_of=today, inputs_key=key, computed_at=now, candidates=detection.candidates
    )
    for name, error_type in detection.failures:
        log.error("detector_failed", detector=name, error_type=error_type)
    return SignalReport(
        client_id, today, now, detection.candidates, from_cache=False, failures=detection.failures
    )


def recompute_signals(
    client_ids: Iterable[ClientId],
    *,
    uow: UnitOfWork,
    engine: SignalEngine,
    now: datetime,
    on_each: Callable[[SignalReport], None] = lambda _: None,
) -> int:
    """Recompute (not read) the signals of each client; returns how many were computed."""
    done = 0
    for client_id in client_ids:
        on_each(client_signals(client_id, uow=uow, engine=engine, now=now, refresh=True))
        done += 1
    return done
