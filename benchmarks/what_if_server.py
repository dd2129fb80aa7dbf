"""``nextbest serve`` with some of the profile's suggested fixes applied, to measure them over HTTP.

The fixes are monkeypatches from ``_what_if.py``, named in ``NEXTBEST_BENCH_WHAT_IF`` (comma
separated), applied in every worker process; nothing under ``src/`` changes. The benchmarks
start this instead of ``nextbest serve`` when given ``--what-if``:

    .venv/bin/python benchmarks/ingest_throughput.py --database postgresql --what-if unnest
"""

from __future__ import annotations

import argparse
import os
import sys

from fastapi import FastAPI

WHAT_IF_ENV = "NEXTBEST_BENCH_WHAT_IF"


def names() -> list[str]:
    return [name.strip() for name in os.environ.get(WHAT_IF_ENV, "").split(",") if name.strip()]


def build_app() -> FastAPI:
    """The application as ``nextbest.api.asgi`` builds it, then patched."""
    from _what_if import apply_what_ifs
    from nextbest.api.app import create_app

    app = create_app()
    apply_what_ifs(app, names())
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)

    import uvicorn

    from nextbest.settings import Settings
    from nextbest.storage.database import make_engine
    from nextbest.storage.migrate import upgrade

    engine = make_engine(Settings().database_url)
    upgrade(engine)
    engine.dispose()
    # Worker processes import this module by name, so they must find it.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.abspath(__file__)), os.environ.get("PYTHONPATH", "")]
    )
    uvicorn.run(
        "what_if_server:build_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
