"""A client's financial signals, for advisors and the host application."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nextbest.api.deps import NowDep, SignalEngineDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.routes.clients import ClientIdPath
from nextbest.api.schemas.signals import SignalsOut
from nextbest.api.security import requires
from nextbest.domain.ids import ClientId
from nextbest.security.roles import Role
from nextbest.services.signals import client_signals

router = APIRouter(prefix="/v1/clients", tags=["signals"], responses=ERROR_RESPONSES)


@router.get(
    "/{client_id}/signals",
    dependencies=[requires(Role.APP, Role.ADVISOR)],
    response_model=SignalsOut,
)
def get_signals_route(
    client_id: ClientIdPath,
    uow: UowDep,
    engine: SignalEngineDep,
    now: NowDep,
    refresh: Annotated[bool, Query(description="Recompute even if the cache is fresh")] = False,
) -> SignalsOut:
    """Candidates the detectors found for the client, with the evidence behind each."""
    report = client_signals(ClientId(client_id), uow=uow, engine=engine, now=now, refresh=refresh)
    return SignalsOut.from_domain(report)
