"""Privacy requests: export everything held about a client, erase it, and age out raw events.

* **Export** gathers every row of every table that holds client data (found from the schema,
  see ``storage.repositories.privacy``) plus the audit entries about the client (found by its
  pseudonym), as one JSON-ready document.
* **Erasure** deletes those rows in one transaction, leaves a tombstone holding only the
  pseudonym and the row counts, and moves the decision models to a new epoch so that every
  server process relearns them from the outcomes that remain (the erased client's outcomes
  are gone from the log, so nothing learned from them survives). Segment priors are marked for
  a refit (``segments_refit_due``; ``nextbest segments --if-erased`` refits only then). The
  audit entries stay: they name the client only by pseudonym, and a firm must keep the record
  that the erasure happened.
* **Retention** deletes raw events older than the configured age; the profile aggregates they
  were folded into stay (events still waiting in the fold queue are kept until folded). It
  also drops conversation states idle for a day (a message flow times out after 30 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nextbest.domain.ids import ClientId
from nextbest.errors import NotFound
from nextbest.services.audit import AuditTrail
from nextbest.services.learning import DECISION_MODELS
from nextbest.storage.repositories.messages import MessageRepository
from nextbest.storage.repositories.security import AuditFilter
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "SEGMENT_MODELS",
    "ErasureReport",
    "RetentionReport",
    "erase_client",
    "export_client",
    "run_retention",
    "segments_refit_due",
]

SEGMENT_MODELS = "segment_models"
RETENTION_BATCH = 10_000


def export_client(
    client_id: ClientId, *, uow: UnitOfWork, now: datetime, audit: AuditTrail, principal: str
) -> dict[str, Any]:
    """Everything held about the client as one document; the export itself is audited."""
    ref = audit.pseudonymise(client_id)
    with uow:
        if uow.clients.get(client_id) is None:
            raise NotFound("client", client_id)
        tables = uow.privacy.export(client_id)
        entries = []
        after = 0
        while True:  # every audit entry about the client, in pages
            page = uow.audit.find(AuditFilter(client_ref=ref, after_id=after, limit=5_000))
            entries.extend(page)
            if len(page) < 5_000:
                break
            after = page[-1].id
        uow.audit.append(
            [
                audit.entry(
                    at=now,
                    principal=principal,
                    action="privacy.export",
                    client_id=client_id,
                    detail={"tables": sorted(tables)},
                )
            ]
        )
        uow.commit()
    return {
        "client_id": client_id,
        "exported_at": now.isoformat(),
        "pseudonym": ref,
        "tables": tables,
        "audit_log": [
            {
                "id": stored.id,
                "at": stored.entry.at.isoformat(),
                "principal": stored.entry.principal,
                "role": stored.entry.role,
                "action": stored.entry.action,
                "route": stored.entry.route,
                "status": stored.entry.status,
                "detail": dict(stored.entry.detail),
            }
            for stored in entries
        ],
    }


@dataclass(frozen=True, slots=True)
class ErasureReport:
    client_ref: str
    erased_at: datetime
    removed: dict[str, int]
    relearned: tuple[str, ...]


def segments_refit_due(uow: UnitOfWork) -> datetime | None:
    """When a client was erased after the newest segment model was fitted (its priors still
    hold that client's share of the averages), or None if there is nothing to refit."""
    with uow:
        erased = uow.privacy.epoch_changed_at(SEGMENT_MODELS)
        fitted = uow.profiles.latest_segment_fitted_at()
    if erased is None or fitted is None or erased <= fitted:
        return None
    return erased


def erase_client(
    client_id: ClientId,
    *,
    uow: UnitOfWork,
    now: datetime,
    audit: AuditTrail,
    principal: str,
) -> ErasureReport:
    """Remove the client from every table and from what the models learned, in one
    transaction; leave a tombstone and an audit entry without personal data."""
    ref = audit.pseudonymise(client_id)
    with uow:
        if uow.clients.get(client_id) is None:
            raise NotFound("client", client_id)
        removed = dict(uow.privacy.erase(client_id).removed)
        uow.privacy.add_tombstone(ref, now=now, requested_by=principal, removed=removed)
        uow.privacy.bump_epoch(DECISION_MODELS, now=now, reason="a client was erased")
        uow.privacy.bump_epoch(SEGMENT_MODELS, now=now, reason="a client was erased")
        uow.audit.append(
            [
                audit.entry(
                    at=now,
                    principal=principal,
                    action="privacy.erase",
                    client_id=client_id,
                    detail={"removed": removed},
                )
            ]
        )
        uow.commit()
    return ErasureReport(ref, now, removed, (DECISION_MODELS, SEGMENT_MODELS))


CONVERSATION_IDLE = timedelta(days=1)
"""A conversation's state is kept this long after its last message (its flow times out after
30 minutes; the rest is slack for clocks and late retries)."""


@dataclass(frozen=True, slots=True)
class RetentionReport:
    cutoff: datetime
    deleted: int
    kept_queued: int
    conversations: int


def run_retention(
    *, uow: UnitOfWork, now: datetime, days: int, audit: AuditTrail, principal: str
) -> RetentionReport:
    """Delete raw events that occurred more than ``days`` ago, in batches (one transaction
    each), and audit the run."""
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        with uow:
            batch = uow.privacy.delete_events_before(cutoff, limit=RETENTION_BATCH)
            uow.commit()
        deleted += batch
        if batch < RETENTION_BATCH:
            break
    with uow:
        kept = uow.privacy.count_events_before(cutoff)
        conversations = MessageRepository(uow.session).purge_conversations(
            before=now - CONVERSATION_IDLE
        )
        uow.audit.append(
            [
                audit.entry(
                    at=now,
                    principal=principal,
                    action="privacy.retention",
                    detail={
                        "cutoff": cutoff.isoformat(),
                        "deleted": deleted,
                        "kept": kept,
                        "conversations": conversations,
                    },
                )
            ]
        )
        uow.commit()
    return RetentionReport(cutoff, deleted, kept, conversations)
