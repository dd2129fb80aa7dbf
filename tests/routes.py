"""The application's API routes with their full paths, whichever way FastAPI nests them.

FastAPI 0.16x keeps an included router as one entry of ``app.routes`` (its routes inside,
without the prefix), so ``isinstance(route, APIRoute)`` over ``app.routes`` alone finds none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.routing import APIRoute

__all__ = ["api_routes"]


def api_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every ``APIRoute``, included routers walked recursively."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router") and hasattr(route, "include_context"):
            yield from api_routes(
                route.original_router.routes, prefix + route.include_context.prefix
            )
