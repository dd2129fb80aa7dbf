"""Writing and checking the audit log (the chain itself is ``security.audit``)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from prometheus_client import Histogram
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from nextbest.security.audit import GENESIS, AuditEntry, ChainBreak, StoredEntry, verify_chain
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.storage.repositories.security import AuditFilter
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["AuditTrail", "AuditWriter", "Batched", "ChainReport", "Write"]

BATCH_SIZE = Histogram(
    "nextbest_audit_batch_requests",
    "Requests whose audit entries and writes one audit-writer transaction committed",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)


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


class Batched(ABC):
    """A request's write that the ``AuditWriter`` commits together with the others of its
    class in the same batch (in a statement or two for all of them)."""

    __slots__ = ()

    @classmethod
    @abstractmethod
    def write_all(cls, uow: UnitOfWork, writes: Sequence[Self]) -> None:
        """Write ``writes`` (all of this class) in ``uow``'s transaction."""

    def __call__(self, uow: UnitOfWork) -> None:
        type(self).write_all(uow, [self])


Write = Callable[[UnitOfWork], None]
"""A request's own writes, handed to the ``AuditWriter`` to commit with its audit entry; a
``Batched`` one is written with the others of its class."""


class AuditWriter:
    """Group commit for the audit entries of one process, and the writes of the requests they
    record.

    Each guarded request must have its entry durably written before its answer leaves. One
    transaction per entry costs a commit (an fsync on PostgreSQL) under the chain lock, which
    would cap the whole deployment at a few hundred requests a second. Here requests hand their
    entry to one writer thread and wait; the writer appends everything waiting in one
    transaction, commits once and then releases them all. Alone, a request waits one commit;
    under load, one commit serves many.

    A request may hand over its own writes with its entry (the recommendations route does: its
    decision log), so that its data and the record of the access are committed together, in
    the writer's transaction instead of one more of their own. If a batch fails, each of its
    requests is tried again alone, so one bad write fails only its own request.
    """

    def __init__(self, session_factory: sessionmaker[Session], *, max_batch: int = 500) -> None:
        self._session_factory = session_factory
        self._max_batch = max_batch
        self._waiting: list[_Pending] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self.batches = 0
        """Transactions committed so far (for tests and metrics)."""

    def submit(self, entry: AuditEntry | None, writes: Sequence[Write] = ()) -> Future[None]:
        """Queue ``entry`` and ``writes``; the future completes once both are committed (or
        fails with why, and then neither is)."""
        future: Future[None] = Future()
        with self._ready:
            self._waiting.append(_Pending(entry, tuple(writes), future))
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
                self._commit(batch)
            except Exception as error:
                # An unreachable database, or a batch of entries alone, fails as a whole: every
                # request learns its entry (and writes) were not stored.
                separable = len(batch) > 1 and any(p.writes for p in batch)
                if isinstance(error, OperationalError) or not separable:
                    for pending in batch:
                        pending.future.set_exception(error)
                    continue
                for pending in batch:  # one bad write must not fail the others
                    try:
                        self._commit([pending])
                    except Exception as alone:
                        pending.future.set_exception(alone)
                    else:
                        pending.future.set_result(None)
            else:
                for pending in batch:
                    pending.future.set_result(None)

    def _commit(self, batch: Sequence[_Pending]) -> None:
        with UnitOfWork(self._session_factory) as uow:
            batched: dict[type[Batched], list[Batched]] = {}
            for pending in batch:
                for write in pending.writes:
                    if isinstance(write, Batched):
                        batched.setdefault(type(write), []).append(write)
                    else:
                        write(uow)
            for kind, writes in batched.items():
                kind.write_all(uow, writes)
            # last, so the chain lock is held only for the append and the commit
            uow.audit.append([p.entry for p in batch if p.entry is not None])
            uow.commit()
        self.batches += 1
        BATCH_SIZE.observe(len(batch))


@dataclass(frozen=True, slots=True)
class _Pending:
    entry: AuditEntry | None
    writes: tuple[Write, ...]
    future: Future[None]
