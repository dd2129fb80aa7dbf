"""One table from error class to HTTP status, and the handlers that render ``ErrorOut``."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from nextbest.api.schemas.common import (
    ErrorItem,
    ErrorOut,
    describe_problems,
    validation_problems,
)
from nextbest.errors import (
    Conflict,
    Forbidden,
    Malformed,
    NextBestError,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)

__all__ = [
    "ERROR_RESPONSES",
    "STATUS_BY_ERROR",
    "error_response",
    "install_error_handlers",
]

STATUS_BY_ERROR: dict[type[NextBestError], int] = {
    Malformed: 400,
    NotFound: 404,
    Conflict: 409,
    ValidationFailed: 422,
    Unauthorized: 401,
    Forbidden: 403,
    RateLimited: 429,
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "The body is not valid JSON",
        404: "The client (or other entity) does not exist",
        409: "The request contradicts what is stored",
        401: "No API key, or one that is unknown, expired or revoked",
        403: "The API key's roles do not allow this route",
        413: "The body is larger than the configured limit",
        422: "The request breaks a rule; `problems` lists each",
        429: "Too many requests for this API key; wait `Retry-After` seconds",
    }.items()
}

_HTTP_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "SERVICE_UNAVAILABLE",
}

log = structlog.get_logger("nextbest.api")


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def error_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    problems: list[ErrorItem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorOut(
        error=code, detail=detail, request_id=request_id_of(request), problems=problems or []
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _headers(error: NextBestError) -> dict[str, str] | None:
    if isinstance(error, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NextBestError)
    async def _domain_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, NextBestError)
        status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(error, cls)), 400)
        problems = (
            [ErrorItem(loc=loc, message=msg) for loc, msg in error.problems]
            if isinstance(error, ValidationFailed)
            else []
        )
        return error_response(
            request, status, error.code, str(error), problems, headers=_headers(error)
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(
                request, 400, Malformed.code, "the request body is not valid JSON"
            )
        problems = validation_problems(errors)
        detail = describe_problems(problems[:5])
        return error_response(request, 422, "VALIDATION_FAILED", detail, problems)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        code = _HTTP_CODES.get(error.status_code, "HTTP_ERROR")
        detail = error.detail if isinstance(error.detail, str) else code
        if error.status_code == 404 and detail == "Not Found":
            detail = f"no endpoint at {request.url.path}; see /docs for the API"
        return error_response(
            request, error.status_code, code, detail, headers=dict(error.headers or {})
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unhandled_error", error_type=type(error).__name__, exc_info=error)
        return error_response(
            request,
            500,
            "INTERNAL_ERROR",
            "something went wrong on our side; quote the request_id when reporting it",
        )
