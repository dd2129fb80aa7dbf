"""Pure-ASGI middleware: request ids, security headers, access logs, Prometheus metrics and the
body-size limit.

Written against ASGI directly (not ``BaseHTTPMiddleware``) because it sits on the ingestion
hot path.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import orjson
import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["EdgeMiddleware", "RequestTooLarge"]

REQUESTS = Counter(
    "nextbest_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "nextbest_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_NO_SNIFF = (b"x-content-type-options", b"nosniff")
_SECURITY_HEADERS = (
    _NO_SNIFF,
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    # Answers carry personal financial data: no shared or browser cache may keep them.
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
)
"""On every API answer: JSON only, never framed, never cached, no referrer."""
_DOCS_HEADERS = (_NO_SNIFF, (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"))
"""The interactive docs load FastAPI's own scripts and styles, so they get no CSP."""
_DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

log = structlog.get_logger("nextbest.http")


class RequestTooLarge(Exception):
    """Raised inside ``receive`` when a streamed body passes the limit."""


class EdgeMiddleware:
    """Gives each request an id, limits its body, logs and measures it."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        docs = scope["path"] in _DOCS_PATHS
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    *(_DOCS_HEADERS if docs else _SECURITY_HEADERS),
                ]
            await send(message)

        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_body_bytes:
                await self._too_large(send_with_id, request_id)
            else:
                await self.app(scope, self._limited(receive), send_with_id)
        except RequestTooLarge:
            if not response_started:
                await self._too_large(send_with_id, request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            log.info(
                "request",
                request_id=request_id,
                method=method,
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )

    def _limited(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise RequestTooLarge
            return message

        return limited_receive

    async def _too_large(self, send: Send, request_id: str) -> None:
        body = orjson.dumps(
            {
                "error": "PAYLOAD_TOO_LARGE",
                "detail": f"the request body is larger than {self.max_body_bytes:,} bytes",
                "request_id": request_id,
                "problems": [],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = bytes(value).decode("latin-1")
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _route_template(scope: Scope) -> str:
    """The matched route's template, so no client id ever lands in a label or a log line."""
    route: Any = scope.get("route")
    path: object = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
