"""Behaviour-event ingestion: idempotent, per-item verdicts, never half-written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from prometheus_client import Counter

from nextbest.behavior.state import DEFAULT_DECAY, Decay
from nextbest.domain.event import Event
from nextbest.services.profiles import count_events
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["IngestReport", "Rejection", "RejectionKind", "ingest_events"]

UNTRACKED = Counter(
    "nextbest_events_untracked_total",
    "Events received for clients without tracking consent: counted, not stored",
)


class RejectionKind(StrEnum):
    INVALID = "INVALID"
    IN_FUTURE = "IN_FUTURE"
    UNKNOWN_CLIENT = "UNKNOWN_CLIENT"


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int
    event_id: str | None
    reason: str
    kind: RejectionKind = RejectionKind.INVALID


@dataclass(slots=True)
class IngestReport:
    """What happened to each event of a request, by its index in the request."""

    received: int
    stored: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    untracked: list[int] = field(default_factory=list)
    """Events of clients who did not consent to tracking: counted, not stored."""


def ingest_events(
    events: Sequence[tuple[int, Event]],
    *,
    received: int,
    uow: UnitOfWork,
    now: datetime,
    max_clock_skew: timedelta,
    rejected: Sequence[Rejection] = (),
    decay: Decay = DEFAULT_DECAY,
) -> IngestReport:
    """Store the new events among ``events`` (each with its index in the request).

    ``rejected`` are items the edge already refused; they are carried into the report. The
    accepted events are written in one transaction, together with the queue entries that fold
    them into their clients' profiles: all of them or, on a failure, none.
    """
    report = IngestReport(received=received, rejected=list(rejected))
    latest = now + max_clock_skew
    timely: list[tuple[int, Event]] = []
    for index, event in events:
        if event.occurred_at > latest:
            report.rejected.append(
                Rejection(
                    index,
                    event.event_id,
                    f"occurred_at {event.occurred_at.isoformat()} is in the future",
                    RejectionKind.IN_FUTURE,
                )
            )
        else:
            timely.append((index, event))
    if timely:
        with uow:
            # The profile guard answers only for clients that exist: it is the existence check.
            guards = uow.profiles.guard({event.client_id for _, event in timely}, now=now)
            # Repeats are judged only among events that will be written, so a refused first
            # copy never shadows a valid second one.
            writable: dict[str, tuple[int, Event]] = {}
            for index, event in timely:
                if event.client_id not in guards:
                    report.rejected.append(
                        Rejection(
                            index,
                            event.event_id,
                            f"unknown client {event.client_id!r}: create it with "
                            "PUT /v1/clients/{id} first",
                            RejectionKind.UNKNOWN_CLIENT,
                        )
                    )
                elif not guards[event.client_id].tracking:
                    report.untracked.append(index)
                elif event.event_id in writable:
                    report.duplicates.append(index)
                else:
                    writable[event.event_id] = (index, event)
            stored = count_events(
                uow, [event for _, event in writable.values()], guards, now=now, decay=decay
            )
            uow.commit()
        if report.untracked:
            UNTRACKED.inc(len(report.untracked))
        for event_id, (index, _) in writable.items():
            (report.stored if event_id in stored else report.duplicates).append(index)
    report.rejected.sort(key=lambda rejection: rejection.index)
    return report
