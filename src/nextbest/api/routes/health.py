"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from nextbest.api.deps import UowDep
from nextbest.services.health import database_reachable

router = APIRouter(tags=["operations"])
log = structlog.get_logger("nextbest.health")


class HealthOut(BaseModel):
    status: str
    database: str


@router.get(
    "/healthz",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database cannot be reached"}},
)
def healthz(uow: UowDep, response: Response) -> HealthOut:
    """Ready when the database answers."""
    try:
        database_reachable(uow=uow)
    except SQLAlchemyError as error:
        log.warning("database_unreachable", error_type=type(error).__name__)
        response.status_code = 503
        return HealthOut(status="unavailable", database="unreachable")
    return HealthOut(status="ok", database="ok")


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics() -> Response:
    """Prometheus metrics in the text exposition format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
