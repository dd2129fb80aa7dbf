"""The behaviour profile: updated on ingestion, read and overruled by the client, rebuilt.

Ingestion queues each stored event for its client's profile in the transaction that stores it,
so an event is either stored and counted or neither, and a request does no profile work beyond
one small insert. A folder (a process ``nextbest serve`` starts beside the API, or ``nextbest
profiles fold``) moves the queue into the profiles in bulk; every read adds the client's queued
events, so a profile is exact the moment the events are stored. Clients in privacy mode keep
receipts (ids only), not raw events; their events' aggregates are queued instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby

from sqlalchemy.exc import SQLAlchemyError

from nextbest.behavior.priors import DEFAULT_PRIORS
from nextbest.behavior.profile import ProfileReport, ProfileRules, build_profile
from nextbest.behavior.segments import SegmentInput, SegmentModel, fit_segments
from nextbest.behavior.state import DEFAULT_DECAY, Decay, ProfileState, apply_event
from nextbest.domain.client import Client
from nextbest.domain.event import Event
from nextbest.domain.ids import ClientId, EventId
from nextbest.domain.preferences import ExplicitPreferences
from nextbest.errors import NotFound
from nextbest.settings import BehaviourSettings
from nextbest.storage.repositories.profiles import Guard, StoredProfile
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "ProfileConfig",
    "ProfileFolder",
    "RebuildReport",
    "count_events",
    "drain_queue",
    "fold_queue",
    "get_preferences",
    "get_profile",
    "put_preferences",
    "rebuild_profiles",
    "refit_segments",
    "segment_model",
    "segment_model_at",
]

_log = logging.getLogger(__name__)

RECEIPTS = "receipts"
"""State counter of events held only as receipts: such a profile cannot be rebuilt from events."""


@dataclass(frozen=True, slots=True)
class ProfileConfig:
    decay: Decay
    rules: ProfileRules
    clusters: int = 0

    @classmethod
    def from_settings(cls, settings: BehaviourSettings) -> ProfileConfig:
        return cls(
            decay=Decay(settings.half_life_days, settings.fast_half_life_days),
            rules=ProfileRules(
                cold_start_days=settings.cold_start_days,
                min_interactions=settings.min_interactions,
                drift_threshold=settings.drift_threshold,
                half_life_days=settings.half_life_days,
                fast_half_life_days=settings.fast_half_life_days,
            ),
            clusters=settings.segments,
        )


DEFAULT_CONFIG = ProfileConfig.from_settings(BehaviourSettings())


FOLD_BATCH = 5_000
"""Queued events one fold claims when draining (a bulk load, the CLI)."""
SERVING_FOLD_BATCH = 100
"""Queued events one fold claims beside a serving API: a short fold keeps requests from waiting
behind its locks and its CPU (measured: single-event p99 16 ms with 100, 83 ms with 1,000)."""
FOLD_PAUSE_SECONDS = 0.02
"""Rest between two full folds, so requests waiting behind a fold get their turn."""


def count_events(
    uow: UnitOfWork,
    events: Sequence[Event],
    guards: Mapping[ClientId, Guard],
    *,
    now: datetime,
    decay: Decay,
) -> set[EventId]:
    """Store ``events`` (known clients, new ids) and queue them for their profiles.

    Runs inside the caller's unit of work, after ``uow.profiles.guard`` gave ``guards`` for the
    events' clients; returns the ids stored, raw or (privacy mode) as receipts. The profile
    reads the queue too, so it is exact at once; the folder moves the queue into it later.
    """
    events = [event for event in events if guards[event.client_id].tracking]
    if not events:  # without tracking consent an event is counted by the caller, never stored
        return set()
    private = {cid for cid, guard in guards.items() if guard.privacy_mode}
    kept = [event for event in events if event.client_id not in private]
    hidden = [event for event in events if event.client_id in private]
    once_private = {cid for cid, guard in guards.items() if guard.keeps_receipts}
    if once_private:  # ids counted while the client was in privacy mode must stay counted once
        receipted = uow.profiles.receipted(
            event.event_id for event in kept if event.client_id in once_private
        )
        kept = [event for event in kept if event.event_id not in receipted]
    stored = uow.events.add_many_keyed(kept, received_at=now)
    receipts = uow.profiles.add_receipts(hidden, received_at=now)
    aggregates: dict[ClientId, ProfileState] = {}
    for event in hidden:  # no raw event to point at: queue the aggregates themselves
        if event.event_id in receipts:
            state = aggregates.get(event.client_id)
            if state is None:
                state = aggregates[event.client_id] = ProfileState.empty(decay)
            apply_event(state, event)
            state.bump(RECEIPTS)
    by_id = {event.event_id: event.client_id for event in kept}
    uow.profiles.enqueue(((by_id[event_id], key) for event_id, key in stored.items()), aggregates)
    return set(stored) | receipts


def fold_queue(uow: UnitOfWork, *, decay: Decay, now: datetime, limit: int = FOLD_BATCH) -> int:
    """Fold up to ``limit`` queued events into their profiles; returns how many were folded.

    One folder runs at a time (the others skip their turn), and none while a rebuild or a
    privacy switch runs. Ingestion never waits for it: the profiles are locked only against
    other writers of the aggregates.
    """
    with uow:
        if not uow.profiles.try_fold_lock():
            return 0  # another folder, a rebuild or a privacy switch is running: next time
        claimed = uow.profiles.claim(limit)
        if not claimed:
            return 0
        entry_ids = [entry_id for entry_id, _ in claimed]
        profiles = uow.profiles.load(
            {cid for _, cid in claimed}, decay=decay, for_fold=True, queued=False
        )
        uow.profiles.fold_queued(entry_ids, profiles, decay=decay)
        uow.profiles.save_states(
            {cid: p.state for cid, p in profiles.items() if p.state is not None}, now=now
        )
        uow.profiles.dequeue(entry_ids)
        uow.commit()
    return len(claimed)


def drain_queue(uow: UnitOfWork, *, decay: Decay, now: Callable[[], datetime]) -> int:
    """Fold until the queue is empty (after a bulk load, say); returns the events folded."""
    total = 0
    while folded := fold_queue(uow, decay=decay, now=now()):
        total += folded
    return total


class ProfileFolder:
    """Folds the queue every ``interval`` seconds while there is work, until stopped.

    ``nextbest serve`` runs one in a process of its own (folding in an API process would hold
    that process's GIL while requests wait); ``start`` runs it in a thread instead. Errors are
    logged and retried.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        decay: Decay,
        interval: float,
        clock: Callable[[], datetime],
        batch: int = SERVING_FOLD_BATCH,
    ) -> None:
        self._uow_factory = uow_factory
        self._decay = decay
        self._clock = clock
        self._batch = batch
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="profile-folder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def run(self) -> None:
        """Fold in the calling thread until :meth:`stop` is called (from another thread)."""
        self._run()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                folded = fold_queue(
                    self._uow_factory(), decay=self._decay, now=self._clock(), limit=self._batch
                )
            except SQLAlchemyError as error:
                _log.warning("folding the profile queue failed; retrying", exc_info=error)
                folded = 0
            self._stop.wait(self._interval if folded < self._batch else FOLD_PAUSE_SECONDS)


# -- reading -----------------------------------------------------------------------------------

_models: dict[int, SegmentModel] = {}


def segment_model(uow: UnitOfWork) -> SegmentModel | None:
    """The newest segment model, decoded once per process and version."""
    return segment_model_at(uow, uow.profiles.latest_segment_version())


def segment_model_at(uow: UnitOfWork, version: int | None) -> SegmentModel | None:
    """The segment model of ``version`` (the newest, read by the caller), decoded once per
    process and version."""
    if version is None:
        return None
    model = _models.get(version)
    if model is None:
        model = uow.profiles.latest_segment_model()
        if model is None:
            return None
        _models.clear()
        _models[model.version] = model
    return model


def profile_for(
    client: Client,
    stored: StoredProfile | None,
    *,
    model: SegmentModel | None,
    config: ProfileConfig,
    now: datetime,
) -> ProfileReport:
    """Build the profile; with a segment model, the client's segment supplies the priors."""
    state = (stored.state if stored else None) or ProfileState.empty(config.decay)
    preferences = stored.preferences if stored else ExplicitPreferences()
    rules = config.rules
    if model is not None:
        rules = replace(rules, outlier_events_per_week=model.outlier_events_per_week)
    base = build_profile(
        state,
        client=client,
        preferences=preferences,
        priors=DEFAULT_PRIORS,
        rules=rules,
        now=now,
    )
    if model is None:
        return base
    priors = model.priors_for(SegmentInput(base, client.risk_tolerance))
    return build_profile(
        state, client=client, preferences=preferences, priors=priors, rules=rules, now=now
    )


def get_profile(
    client_id: ClientId, *, uow: UnitOfWork, config: ProfileConfig, now: datetime
) -> ProfileReport:
    with uow:
        client = uow.clients.get(client_id)
        if client is None:
            raise NotFound("client", client_id)
        stored = uow.profiles.get(client_id, decay=config.decay)
        model = segment_model(uow)
    return profile_for(client, stored, model=model, config=config, now=now)


def get_preferences(client_id: ClientId, *, uow: UnitOfWork) -> ExplicitPreferences:
    with uow:
        if not uow.clients.existing([client_id]):
            raise NotFound("client", client_id)
        stored = uow.profiles.load([client_id], decay=DEFAULT_DECAY, queued=False).get(client_id)
    return stored.preferences if stored else ExplicitPreferences()


def put_preferences(
    client_id: ClientId,
    preferences: ExplicitPreferences,
    *,
    uow: UnitOfWork,
    decay: Decay,
    now: datetime,
) -> tuple[ExplicitPreferences, int]:
    """Replace the client's explicit preferences; returns them and how many raw events were
    deleted because privacy mode was switched on."""
    preferences = replace(preferences, updated_at=now)
    retired = 0
    with uow:
        if not uow.clients.existing([client_id]):
            raise NotFound("client", client_id)
        if preferences.privacy_mode:
            # Keep the folder out before locking the row (the folder takes its lock, then rows;
            # the other order could deadlock): the client's queued events are folded here.
            uow.profiles.own_maintenance()
        uow.profiles.ensure([client_id], now=now)
        stored = uow.profiles.load(
            [client_id], decay=decay, for_update=True, queued=preferences.privacy_mode
        )
        profile = stored[client_id]
        if preferences.privacy_mode and not profile.preferences.privacy_mode:
            retired = uow.profiles.retire_raw_events(client_id)
            state = profile.state or ProfileState.empty(decay)
            state.bump(RECEIPTS, retired)
            uow.profiles.save_states({client_id: state}, now=now)
            uow.profiles.dequeue_clients([client_id])
        uow.profiles.save_preferences(client_id, preferences, now=now)
        uow.commit()
    return preferences, retired


# -- batch jobs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RebuildReport:
    clients: int
    events: int
    kept: int
    """Profiles left as they were because their raw events are not retained (privacy mode)."""


def rebuild_profiles(
    uow: UnitOfWork,
    *,
    decay: Decay,
    now: datetime,
    chunk: int = 500,
    progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Recompute every profile from its stored events, ``chunk`` clients per transaction."""
    with uow:
        client_ids = uow.clients.ids()
    events_total = kept = 0
    for start in range(0, len(client_ids), chunk):
        ids = client_ids[start : start + chunk]
        with uow:
            uow.profiles.own_maintenance()  # no folder runs while this chunk is rebuilt
            uow.profiles.ensure(ids, now=now)
            profiles = uow.profiles.load(ids, decay=decay, for_update=True, queued=False)
            skip = {cid for cid, p in profiles.items() if p.keeps_receipts}
            kept += len(skip)
            states = {cid: ProfileState.empty(decay) for cid in ids if cid not in skip}
            for client_id, events in groupby(
                uow.events.stream_for_clients([cid for cid in ids if cid not in skip]),
                key=lambda event: event.client_id,
            ):
                state = states[client_id]
                for event in events:
                    apply_event(state, event)
                    events_total += 1
            uow.profiles.save_states(states, now=now)
            uow.profiles.dequeue_clients(list(states))  # every stored event was just counted
            uow.commit()
        if progress is not None:
            progress(len(ids))
    return RebuildReport(clients=len(client_ids), events=events_total, kept=kept)


def _segment_inputs(
    uow: UnitOfWork, config: ProfileConfig, now: datetime
) -> Iterable[tuple[Client, SegmentInput]]:
    with uow:
        client_ids = uow.clients.ids()
    for start in range(0, len(client_ids), 1_000):
        ids = client_ids[start : start + 1_000]
        with uow:
            clients = {cid: uow.clients.get(cid) for cid in ids}
            stored = uow.profiles.load(ids, decay=config.decay)
        for cid in ids:
            client = clients[cid]
            if client is None:
                continue
            report = profile_for(client, stored.get(cid), model=None, config=config, now=now)
            yield client, SegmentInput(report, client.risk_tolerance)


def refit_segments(
    uow: UnitOfWork, *, config: ProfileConfig, now: datetime, seed: int = 7
) -> SegmentModel:
    """Fit a new segment model on every client's profile and store it as the newest version."""
    items = [item for _, item in _segment_inputs(uow, config, now)]
    with uow:
        latest = uow.profiles.latest_segment_version() or 0
    model = fit_segments(
        items, version=latest + 1, fitted_at=now, clusters=config.clusters, seed=seed
    )
    with uow:
        uow.profiles.add_segment_model(model, clients=len(items))
        uow.commit()
    return model
