"""Writing and checking the audit log (the chain itself is ``security.audit``)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from nextbest.security.audit import GENESIS, AuditEntry, ChainBreak, StoredEntry, verify_chain
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.storage.repositories.security import AuditFilter
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["AuditTrail", "AuditWriter", "ChainReport"]


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    last_hash: str
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


@dataclass(frozen=True, slots=True)
class AuditTrail:
    """Builds entries (the client id becomes its pseudonym here) and stores them."""

    pseudonymise: Pseudonymiser

    def entry(
        self,
        *,
        at: datetime,
        principal: str,
        action: str,
        role: str | None = None,
        route: str | None = None,
        status: int | None = None,
        client_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        return AuditEntry(
            at=at,
            principal=principal,
            action=action,
            role=role,
            route=route,
            status=status,
            client_ref=None if client_id is None else self.pseudonymise(client_id),
            detail=dict(detail or {}),
        )

    def record(self, entry: AuditEntry, *, uow: UnitOfWork) -> None:
        """Append one entry in a transaction of its own."""
        with uow:
            uow.audit.append([entry])
            uow.commit()

    def find(
        self,
        *,
        uow: UnitOfWork,
        client_id: str | None = None,
        principal: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[StoredEntry]:
        query = AuditFilter(
            client_ref=None if client_id is None else self.pseudonymise(client_id),
            principal=principal,
            action=action,
            since=since,
            until=until,
            after_id=after_id,
            limit=limit,
        )
        with uow:
            return uow.audit.find(query)

    def verify(self, *, uow: UnitOfWork) -> ChainReport:
        with uow:
            checked, last, broken = verify_chain(uow.audit.walk(), previous_hash=GENESIS)
        return ChainReport(checked, last, broken)


class AuditWriter:
    """Group commit for the audit entries of one process.

    Each guarded request must have its entry durably written before its answer leaves. One
    transaction per entry costs a commit (an fsync on PostgreSQL, about 2.5 ms here) under the
    chain lock, which would cap the whole deployment at a few hundred requests a second. Here
    requests hand their entry to one writer thread and wait; the writer appends everything
    waiting in one transaction, commits once and then releases them all. Alone, a request waits
    one commit, as before; under load, one commit serves many.
    """

    def __init__(self, session_factory: sessionmaker[Session], *, max_batch: int = 500) -> None:
        self._session_factory = session_factory
        self._max_batch = max_batch
        self._waiting: list[tuple[AuditEntry, Future[None]]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self.batches = 0
        """Transactions written so far (for tests and metrics)."""

    def submit(self, entry: AuditEntry) -> Future[None]:
        """Queue ``entry``; the future completes once it is committed (or fails with why)."""
        future: Future[None] = Future()
        with self._ready:
            self._waiting.append((entry, future))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
                self._thread.start()
            self._ready.notify()
        return future

    def write(self, entry: AuditEntry, *, timeout: float = 30.0) -> None:
        """Queue ``entry`` and wait until it is committed."""
        self.submit(entry).result(timeout=timeout)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._waiting:
                    self._ready.wait()
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
            try:
                with UnitOfWork(self._session_factory) as uow:
                    uow.audit.append([entry for entry, _ in batch])
                    uow.commit()
            except Exception as error:  # every waiting request learns its entry was not written
                for _, future in batch:
                    future.set_exception(error)
            else:
                self.batches += 1
                for _, future in batch:
                    future.set_result(None)
