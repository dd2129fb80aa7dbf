"""The behaviour profile: updated on ingestion, read and overruled by the client, rebuilt.

The aggregates of each batch's events are appended as deltas in the same transaction that stores
the events, so an event is either stored and counted or neither, and concurrent batches never
wait for one another. Readers add the deltas to the compacted state; a client's deltas are folded
in once it has gathered a few. Clients in privacy mode keep receipts (ids only), not raw events.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby

from sqlalchemy.exc import SQLAlchemyError

from nextbest.behavior.priors import DEFAULT_PRIORS
from nextbest.behavior.profile import ProfileReport, ProfileRules, build_profile
from nextbest.behavior.segments import SegmentInput, SegmentModel, fit_segments
from nextbest.behavior.state import Decay, ProfileState, apply_event
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
    "RebuildReport",
    "compact_profiles",
    "count_events",
    "get_preferences",
    "get_profile",
    "put_preferences",
    "rebuild_profiles",
    "refit_segments",
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


COMPACT_AFTER = 16
"""Deltas a client gathers, on average, before ingestion folds them into the compacted state."""


def count_events(
    uow: UnitOfWork,
    events: Sequence[Event],
    guards: Mapping[ClientId, Guard],
    *,
    now: datetime,
    decay: Decay,
) -> tuple[set[EventId], list[ClientId]]:
    """Store ``events`` (known clients, new ids) and append their aggregates as deltas.

    Runs inside the caller's unit of work, after ``uow.profiles.guard`` gave ``guards`` for the
    events' clients. Returns the ids stored (raw or as receipts) and the clients whose deltas
    should now be compacted (see :func:`compact_profiles`).
    """
    if not events:
        return set(), []
    private = {cid for cid, guard in guards.items() if guard.privacy_mode}
    kept = [event for event in events if event.client_id not in private]
    hidden = [event for event in events if event.client_id in private]
    once_private = {cid for cid, guard in guards.items() if guard.keeps_receipts}
    if once_private:  # ids counted while the client was in privacy mode must stay counted once
        receipted = uow.profiles.receipted(
            event.event_id for event in kept if event.client_id in once_private
        )
        kept = [event for event in kept if event.event_id not in receipted]
    stored = uow.events.add_many(kept, received_at=now)
    receipts = uow.profiles.add_receipts(hidden, received_at=now)
    counted = stored | receipts
    deltas: dict[ClientId, ProfileState] = {}
    for event in events:
        if event.event_id not in counted:
            continue
        delta = deltas.get(event.client_id)
        if delta is None:
            delta = deltas[event.client_id] = ProfileState.empty(decay)
        apply_event(delta, event)
        if event.event_id in receipts:
            delta.bump(RECEIPTS)
    added = uow.profiles.add_deltas(deltas, now=now)
    # About one delta in COMPACT_AFTER, picked by a hash of its id and client, triggers its
    # client's compaction: no query counts deltas, and a client gathers COMPACT_AFTER deltas
    # between compactions on average, whatever the order clients' batches interleave in.
    return counted, sorted(
        {
            cid
            for delta_id, cid in added
            if zlib.crc32(f"{delta_id}:{cid}".encode()) % COMPACT_AFTER == 0
        }
    )


def compact_profiles(uow: UnitOfWork, client_ids: Sequence[ClientId], *, now: datetime) -> int:
    """Fold the clients' deltas into their compacted aggregates, in a transaction of its own.

    Best effort: ingestion calls it after its own commit, and a failure here loses nothing (the
    deltas stay and are folded next time), so it is logged, not raised.
    """
    if not client_ids:
        return 0
    try:
        with uow:
            folded = uow.profiles.compact(client_ids, now=now)
            uow.commit()
    except SQLAlchemyError as error:
        _log.warning("profile compaction failed; it will be retried", exc_info=error)
        return 0
    return folded


# -- reading -----------------------------------------------------------------------------------

_models: dict[int, SegmentModel] = {}


def _segment_model(uow: UnitOfWork) -> SegmentModel | None:
    """The newest segment model, decoded once per process and version."""
    version = uow.profiles.latest_segment_version()
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
        stored = uow.profiles.get(client_id)
        model = _segment_model(uow)
    return profile_for(client, stored, model=model, config=config, now=now)


def get_preferences(client_id: ClientId, *, uow: UnitOfWork) -> ExplicitPreferences:
    with uow:
        if not uow.clients.existing([client_id]):
            raise NotFound("client", client_id)
        stored = uow.profiles.get(client_id)
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
        uow.profiles.ensure([client_id], now=now)
        stored = uow.profiles.load([client_id], for_update=True)[client_id]
        if preferences.privacy_mode and not stored.preferences.privacy_mode:
            retired = uow.profiles.retire_raw_events(client_id)
            if retired:
                marker = ProfileState.empty(decay)
                marker.bump(RECEIPTS, retired)
                uow.profiles.add_deltas({client_id: marker}, now=now)
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
            uow.profiles.ensure(ids, now=now)
            profiles = uow.profiles.load(ids, for_update=True)
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
            uow.profiles.replace_states(states, now=now)
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
            stored = uow.profiles.load(ids)
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
