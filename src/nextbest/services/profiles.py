"""The behaviour profile: updated on ingestion, read and overruled by the client, rebuilt.

Aggregates change in the same transaction that stores the events, so an event is either stored
and counted or neither. Clients in privacy mode keep receipts (ids only) instead of raw events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby

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
from nextbest.storage.repositories.profiles import StoredProfile
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "ProfileConfig",
    "RebuildReport",
    "count_events",
    "get_preferences",
    "get_profile",
    "put_preferences",
    "rebuild_profiles",
    "refit_segments",
]

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


def count_events(
    uow: UnitOfWork,
    events: Sequence[Event],
    *,
    now: datetime,
    decay: Decay,
) -> set[EventId]:
    """Store ``events`` (known clients, new ids) and fold the stored ones into their profiles.

    Runs inside the caller's unit of work; returns the ids stored (raw or as receipts).
    """
    if not events:
        return set()
    profiles = uow.profiles.lock({event.client_id for event in events}, now=now)
    private = {cid for cid, p in profiles.items() if p.preferences.privacy_mode}
    kept = [event for event in events if event.client_id not in private]
    hidden = [event for event in events if event.client_id in private]
    once_private = {
        cid for cid, p in profiles.items() if p.state is not None and p.state.count(RECEIPTS)
    }
    if once_private:  # ids counted while the client was in privacy mode must stay counted once
        receipted = uow.profiles.receipted(
            event.event_id for event in kept if event.client_id in once_private
        )
        kept = [event for event in kept if event.event_id not in receipted]
    stored = uow.events.add_many(kept, received_at=now)
    receipts = uow.profiles.add_receipts(hidden, received_at=now)
    counted = stored | receipts
    states: dict[ClientId, ProfileState] = {}
    for event in events:
        if event.event_id not in counted:
            continue
        profile = profiles[event.client_id]
        state = states.get(event.client_id)
        if state is None:
            state = profile.state or ProfileState.empty(decay)
            states[event.client_id] = state
        apply_event(state, event)
        if event.event_id in receipts:
            state.bump(RECEIPTS)
    uow.profiles.save_states(states, now=now)
    return counted


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
        stored = uow.profiles.lock([client_id], now=now)[client_id]
        if preferences.privacy_mode and not stored.preferences.privacy_mode:
            retired = uow.profiles.retire_raw_events(client_id)
            if retired:
                state = stored.state or ProfileState.empty(decay)
                state.bump(RECEIPTS, retired)
                uow.profiles.save_states({client_id: state}, now=now)
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
            profiles = uow.profiles.lock(ids, now=now)
            skip = {
                cid
                for cid, p in profiles.items()
                if p.preferences.privacy_mode or (p.state is not None and p.state.count(RECEIPTS))
            }
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
            stored = {cid: uow.profiles.get(cid) for cid in ids}
        for cid in ids:
            client = clients[cid]
            if client is None:
                continue
            report = profile_for(client, stored[cid], model=None, config=config, now=now)
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
