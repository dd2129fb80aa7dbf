"""Audit entries per second through the group-committing writer (issue 8).

Every guarded request waits until its audit entry is committed. This measures that wait and the
throughput with 1 and with 16 threads writing at once, against a fresh database, and, for
comparison, one transaction per entry (``AuditTrail.record``).

    .venv/bin/python benchmarks/audit_writer.py [--database sqlite] [--entries 4000]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fresh_database, machine_description, percentile, print_report
from nextbest.security.audit import AuditEntry
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.services.audit import AuditTrail, AuditWriter
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork


def _entry(trail: AuditTrail, n: int) -> AuditEntry:
    return trail.entry(
        at=datetime.now(UTC),
        principal="key:benchmark0",
        role="app",
        action="read",
        route="GET /v1/clients/{client_id}/recommendations",
        status=200,
        client_id=f"bench-{n:06d}",
    )


def _through_writer(
    writer: AuditWriter, trail: AuditTrail, threads: int, entries: int
) -> tuple[list[float], float]:
    """Each thread writes its share of ``entries``; the waits and the wall time."""
    waits: list[float] = []
    lock = threading.Lock()
    each = entries // threads

    def run(worker: int) -> None:
        for n in range(each):
            entry = _entry(trail, worker * each + n)
            clock = time.perf_counter()
            writer.write(entry)
            with lock:
                waits.append(time.perf_counter() - clock)

    started = time.perf_counter()
    workers = [threading.Thread(target=run, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return waits, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--entries", type=int, default=4_000)
    args = parser.parse_args()
    trail = AuditTrail(Pseudonymiser("benchmark-pseudonym-key"))
    figures: dict[str, object] = {}
    machine: dict[str, object] = {}
    for threads in (1, 16):
        with fresh_database(args.database) as database:
            machine = machine_description(database)
            engine = make_engine(database.url)
            upgrade(engine)
            writer = AuditWriter(make_session_factory(engine))
            waits, seconds = _through_writer(writer, trail, threads, args.entries)
            figures[f"writer_{threads}_threads_entries_per_s"] = round(len(waits) / seconds)
            figures[f"writer_{threads}_threads_wait_p50_ms"] = 1000 * percentile(waits, 0.5)
            figures[f"writer_{threads}_threads_wait_p99_ms"] = 1000 * percentile(waits, 0.99)
            figures[f"writer_{threads}_threads_commits"] = writer.batches
            engine.dispose()
    with fresh_database(args.database) as database:
        engine = make_engine(database.url)
        upgrade(engine)
        factory = make_session_factory(engine)
        waits = []
        for n in range(min(args.entries, 2_000)):
            entry = _entry(trail, n)
            clock = time.perf_counter()
            trail.record(entry, uow=UnitOfWork(factory))
            waits.append(time.perf_counter() - clock)
        figures["own_transaction_p50_ms"] = 1000 * percentile(waits, 0.5)
        figures["own_transaction_p99_ms"] = 1000 * percentile(waits, 0.99)
        engine.dispose()
    print_report("audit_writer", machine, figures)


if __name__ == "__main__":
    main()
