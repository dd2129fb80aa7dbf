"""Shared helpers for the benchmarks: a fresh database, the server as a subprocess, the machine.

The benchmarks drive a real ``nextbest serve`` over HTTP, so what they measure is what a host
application would see: uvicorn, the middleware, FastAPI, pydantic, SQLAlchemy and the database.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "AUTH_HEADERS",
    "BENCH_DATABASE",
    "POSTGRES_ADMIN_URL",
    "WHAT_IFS",
    "BenchDatabase",
    "CpuMeter",
    "Request",
    "Server",
    "StallMonitor",
    "client_body",
    "client_ids",
    "closed_loop",
    "code_description",
    "cpu_seconds",
    "cpu_used",
    "create_clients",
    "free_port",
    "fresh_database",
    "machine_description",
    "percentile",
    "print_report",
    "running_server",
]

PROJECT = Path(__file__).resolve().parent.parent
NEXTBEST = PROJECT / ".venv" / "bin" / "nextbest"

POSTGRES_ADMIN_URL = os.environ.get(
    "NEXTBEST_BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
"""A database on the server to connect to while the benchmark database is dropped and created."""
WHAT_IFS = ("render-nulls", "unnest", "async-deps", "gc-freeze")
"""The fixes ``what_if_server.py`` can patch into the server; ``_what_if.py`` describes each."""
BENCH_DATABASE = "nextbest_bench"
"""The benchmarks' own PostgreSQL database, dropped and created at the start of every run."""


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    kind: str
    """``postgresql`` or ``sqlite``."""
    url: str
    """The SQLAlchemy URL the server is given."""
    version: str
    path: Path | None = None
    """The SQLite file, or None for PostgreSQL."""
    name: str | None = None
    """The PostgreSQL database's name, or None for SQLite."""

    def count_events(self) -> int:
        """Rows in ``events``, read straight from the database (not through the API)."""
        if self.kind == "sqlite":
            assert self.path is not None
            with sqlite3.connect(self.path) as connection:
                return int(connection.execute("SELECT count(*) FROM events").fetchone()[0])
        import psycopg

        with psycopg.connect(_libpq_url(self.url)) as connection:
            row = connection.execute("SELECT count(*) FROM events").fetchone()
            assert row is not None
            return int(row[0])


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def fresh_database(kind: str, name: str | None = None) -> Iterator[BenchDatabase]:
    """An empty database of ``kind``, removed afterwards.

    PostgreSQL: ``name`` (by default ``nextbest_bench_<pid>``, so two runs at once, or another
    session's, never share one) is dropped if it exists, created, and dropped at the end.
    """
    if kind == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="nextbest-bench-"))
        path = directory / "bench.db"
        try:
            yield BenchDatabase(
                "sqlite", f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version}", path
            )
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database {kind!r}: postgresql or sqlite")
    import psycopg

    name = name or f"{BENCH_DATABASE}_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        row = admin.execute("SHOW server_version").fetchone()
        settings = {
            setting: admin.execute(f"SHOW {setting}").fetchone()
            for setting in ("shared_buffers", "synchronous_commit", "fsync", "max_connections")
        }
    assert row is not None
    described = ", ".join(f"{key}={value[0]}" for key, value in settings.items() if value)
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield BenchDatabase(
            "postgresql", f"{base}/{name}", f"PostgreSQL {row[0]} ({described})", name=name
        )
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(slots=True)
class Server:
    """A running ``nextbest serve``; its stderr goes to ``log_path``."""

    process: subprocess.Popen[bytes]
    port: int
    workers: int
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _wait_healthy(server: Server, timeout: float) -> None:
    """Until ten health checks in a row, each on a new connection, answer 200 within 100 ms.

    One answer is not enough with several workers: each warms up on its own (the signal engine
    imports its optimiser at start-up), and a new connection may reach one that is not ready.
    """
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    quick_in_a_row = 0
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the server exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        started = time.monotonic()
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            if response.status == 200 and time.monotonic() - started < 0.1:
                quick_in_a_row += 1
                if quick_in_a_row == 10:
                    return
                continue
            quick_in_a_row = 0
            last_error = f"HTTP {response.status} in {time.monotonic() - started:.2f} s"
        except OSError as error:
            quick_in_a_row = 0
            last_error = str(error)
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"the server was not healthy after {timeout:.0f} s ({last_error})")


def _stop(server: Server, timeout: float = 15) -> None:
    """SIGTERM to the server (uvicorn stops its workers), SIGKILL to its group if it hangs."""
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # The server was started in a session of its own, so its group holds only it
            # and the worker processes it forked.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@contextmanager
def running_server(
    database: BenchDatabase,
    *,
    workers: int = 1,
    log_level: str = "WARNING",
    startup_timeout: float = 120,
    what_if: Sequence[str] = (),
) -> Iterator[Server]:
    """``nextbest serve`` on a free port against ``database``; stopped when the block ends.

    With ``what_if`` (names from ``_what_if.py``), ``what_if_server.py`` runs instead: the same
    application and uvicorn settings with those fixes patched in.
    """
    port = free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="nextbest-bench-log-"))
    log_path = log_dir / "server.log"
    env = {
        **os.environ,
        "NEXTBEST_DATABASE_URL": database.url,
        "NEXTBEST_WORKERS": str(workers),
        "NEXTBEST_LOG__LEVEL": log_level,
        "NEXTBEST_LOG__JSON_OUTPUT": "true",
        "NEXTBEST_BENCH_WHAT_IF": ",".join(what_if),
        # the benchmarks measure the server, not the per-key rate limiter
        "NEXTBEST_SECURITY__RATE_LIMIT_PER_SECOND": "1000000",
        "NEXTBEST_SECURITY__RATE_LIMIT_BURST": "1000000",
    }
    command = [str(NEXTBEST), "serve", "--port", str(port), "--workers", str(workers)]
    if what_if:
        script = Path(__file__).resolve().parent / "what_if_server.py"
        command = [str(NEXTBEST.parent / "python"), str(script), "--port", str(port)]
        command += ["--workers", str(workers)]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=log_dir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, workers, log_path)
    try:
        _wait_healthy(server, startup_timeout)
        AUTH_HEADERS["Authorization"] = f"Bearer {_bench_key(env)}"
        # load generators run in spawned processes: they read the key from the environment
        os.environ[_AUTH_VARIABLE] = AUTH_HEADERS["Authorization"]
        yield server
    finally:
        _stop(server)
        shutil.rmtree(log_dir, ignore_errors=True)


_AUTH_VARIABLE = "NEXTBEST_BENCH_AUTHORIZATION"
AUTH_HEADERS: dict[str, str] = (
    {"Authorization": os.environ[_AUTH_VARIABLE]} if _AUTH_VARIABLE in os.environ else {}
)
"""The running server's API key header (all roles), set by ``running_server`` (and read from
the environment by the load generators it spawns)."""

Request = tuple[str, str, bytes | None]
"""An HTTP request for a load generator: method, path, body."""


def closed_loop(
    port: int,
    requests: list[Request],
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> float:
    """Requests per second answered 200 with ``connections`` always busy, each sending random
    picks of ``requests`` (with ``AUTH_HEADERS`` unless ``headers`` are given)."""
    stop = time.perf_counter() + seconds
    counts = [0] * connections
    sent = AUTH_HEADERS if headers is None else headers

    def run(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng = random.Random(slot)
        while time.perf_counter() < stop:
            method, path, body = requests[rng.randrange(len(requests))]
            connection.request(method, path, body, sent)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                counts[slot] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def _bench_key(env: dict[str, str]) -> str:
    """A one-day key holding every role, created with the CLI against the server's database."""
    result = subprocess.run(
        [
            str(NEXTBEST),
            "keys",
            "create",
            "--name",
            "benchmark",
            "--days",
            "1",
            "--roles",
            "app,advisor,admin,compliance",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return next(line for line in result.stdout.splitlines() if line.startswith("nbk_"))


def client_body(client_id: str) -> bytes:
    """A realistic client, as ``tests/factories.py`` ``client_body()`` writes one."""
    number = sum(client_id.encode())
    return json.dumps(
        {
            "birth_year": 1950 + number % 50,
            "country": "GB",
            "base_currency": "GBP",
            "risk_tolerance": ("LOW", "MEDIUM", "HIGH")[number % 3],
            "income_band": "UPPER_MIDDLE",
            "net_worth_band": "MASS_AFFLUENT",
            "client_profile": {
                "goals": [
                    {
                        "id": "retirement-1",
                        "type": "RETIREMENT",
                        "target_year": 2050,
                        "target_amount": "500000",
                        "priority": "HIGH",
                    }
                ],
                "preferences": {"esg_focus": "HIGH", "commentary_tone": "CONCISE"},
                "constraints": {"restricted_sectors": ["TOBACCO", "GAMBLING"]},
            },
            "consents": {"PERSONALIZATION": True, "TRACKING": True, "MARKETING": False},
        }
    ).encode()


def client_ids(count: int) -> list[str]:
    return [f"bench-{number:06d}" for number in range(1, count + 1)]


def create_clients(port: int, ids: Sequence[str]) -> float:
    """``PUT /v1/clients/{id}`` for each id over one keep-alive connection; returns seconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"content-type": "application/json", **AUTH_HEADERS}
    try:
        for client_id in ids:
            connection.request("PUT", f"/v1/clients/{client_id}", client_body(client_id), headers)
            response = connection.getresponse()
            body = response.read()
            if response.status not in (200, 201):
                raise RuntimeError(f"PUT /v1/clients/{client_id}: {response.status} {body!r}")
    finally:
        connection.close()
    return time.perf_counter() - started


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (``fraction`` from 0 to 1); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, int, float]]:
    """Every process: pid -> (command name, parent pid, CPU seconds used so far)."""
    table: dict[int, tuple[str, int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is the state; ppid, utime and stime are fields 4, 14 and 15 of stat(5).
        table[int(entry.name)] = (
            name,
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS,
        )
    return table


def _serves_other_database(pid: int, database: str | None) -> bool:
    """A PostgreSQL backend working for some other database (another session's benchmark)."""
    try:
        title = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    per_database = "(" in title or "[local]" in title or "autovacuum worker" in title
    return per_database and (database is None or database not in title.split())


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent not idle since boot (from /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / _CLOCK_TICKS


def cpu_seconds(
    server_pid: int, *, database: str | None = None, runner_pid: int | None = None
) -> dict[str, float]:
    """CPU seconds used so far: the server's process tree, PostgreSQL, this process, the runner
    (``runner_pid``), and the whole machine. Take it before and after a run and subtract
    with ``cpu_used``.

    PostgreSQL is its shared processes (writer, checkpointer...) plus the backends serving
    ``database``; backends serving other databases count as "other".
    """
    table = _processes()
    tree = {server_pid}
    grew = True
    while grew:
        grew = False
        for pid, (_name, parent, _cpu) in table.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    own = os.getpid()
    return {
        "server": sum(table[pid][2] for pid in tree if pid in table),
        "postgres": sum(
            cpu
            for pid, (name, _parent, cpu) in table.items()
            if name == "postgres" and not _serves_other_database(pid, database)
        ),
        "generator": table[own][2] if own in table else 0.0,
        "runner": table[runner_pid][2] if runner_pid in table else 0.0,
        "machine": machine_busy_seconds(),
    }


@dataclass(frozen=True, slots=True)
class CpuMeter:
    """``cpu_seconds`` for one run, small enough to hand to the load generator's process, which
    reads it right before and after its timed window (so building the bodies is not counted)."""

    server_pid: int
    database: str | None
    runner_pid: int

    def read(self) -> dict[str, float]:
        return cpu_seconds(self.server_pid, database=self.database, runner_pid=self.runner_pid)


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Seconds of CPU per consumer between two ``cpu_seconds``, plus ``other``: whatever else
    ran on the machine meanwhile (other sessions' work). A run with much ``other`` shared its
    cores and says less about nextbest."""
    used = {key: round(after[key] - before[key], 1) for key in before}
    mine = sum(used[key] for key in ("server", "postgres", "generator", "runner"))
    used["other"] = round(max(0.0, used["machine"] - mine), 1)
    return used


class StallMonitor:
    """Notices when this machine stops running an idle process for a while.

    A thread sleeps 1 ms at a time and records every sleep that overshoots by more than
    ``threshold`` seconds. It does no work, so an overshoot means the whole process was not
    scheduled (a busy CPU, or the host pausing the virtual machine), not that it was slow.
    Request latencies that coincide with such a stall are the machine's, not the server's.
    """

    def __init__(self, threshold: float = 0.005) -> None:
        self.threshold = threshold
        self.stalls: list[tuple[float, float]] = []
        """(start, seconds) per stall, on the ``time.perf_counter`` clock (CLOCK_MONOTONIC)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            time.sleep(0.001)
            slept = time.perf_counter() - started
            if slept - 0.001 > self.threshold:
                self.stalls.append((started, slept))

    def __enter__(self) -> StallMonitor:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def within(self, start: float, end: float) -> list[tuple[float, float]]:
        return [(t, d) for t, d in self.stalls if t < end and t + d > start]

    def summary(self, start: float, end: float) -> dict[str, Any]:
        stalls = self.within(start, end)
        return {
            "machine_stalls": len(stalls),
            "machine_stall_max_ms": round(max((d for _, d in stalls), default=0.0) * 1000, 1),
            "machine_stall_total_ms": round(sum(d for _, d in stalls) * 1000, 1),
        }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def code_description() -> str:
    """Which nextbest the server will import, and at which commit.

    Others commit to this repository while benchmarks run, so every figure names its code. To
    pin a commit, export it (``git archive HEAD src | tar -x -C DIR``, write the commit to
    ``DIR/COMMIT``) and run with ``PYTHONPATH=DIR/src``; the server inherits the environment.
    """
    found = subprocess.run(
        [str(NEXTBEST.parent / "python"), "-c", "import nextbest; print(nextbest.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    package = Path(found.stdout.strip()).parent
    pinned = package.parent.parent / "COMMIT"
    if pinned.exists():
        return f"{pinned.read_text().strip()[:12]} (exported to {package.parent.parent})"
    git = ["git", "-C", str(package)]
    head = subprocess.run([*git, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return f"unknown ({package})"
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True
    ).stdout.strip()
    return f"{head.stdout.strip()}{' with uncommitted changes' if dirty else ''} ({package})"


def machine_description(database: BenchDatabase) -> dict[str, Any]:
    """The machine a figure was measured on: it means nothing without this."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(_memory_gib(), 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "database": database.version,
        "code": code_description(),
    }


def print_report(title: str, machine: dict[str, Any], figures: dict[str, Any]) -> None:
    """The figures as plain text, then as one JSON line (prefixed ``RESULT``) for tooling."""
    print(f"\n== {title} ==")
    print("machine:")
    for key, value in machine.items():
        print(f"  {key:<22} {value}")
    print("figures:")
    for key, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) else value
        print(f"  {key:<22} {shown}")
    print("RESULT " + json.dumps({"benchmark": title, "machine": machine, **figures}))
    sys.stdout.flush()
