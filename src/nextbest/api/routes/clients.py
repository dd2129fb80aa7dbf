"""Clients and their portfolios."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from nextbest.api.deps import NowDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.schemas.clients import ClientIn, ClientOut
from nextbest.api.schemas.common import ID_PATTERN
from nextbest.api.schemas.portfolios import PortfolioIn, PortfolioOut
from nextbest.api.security import requires
from nextbest.domain.ids import ClientId
from nextbest.security.roles import Role
from nextbest.services.clients import get_client, put_client
from nextbest.services.portfolios import get_portfolio, put_portfolio

router = APIRouter(prefix="/v1/clients", tags=["clients"], responses=ERROR_RESPONSES)

ClientIdPath = Annotated[
    str, Path(pattern=ID_PATTERN, description="The host application's opaque client id")
]


@router.put(
    "/{client_id}",
    dependencies=[requires(Role.APP)],
    response_model=ClientOut,
    responses={201: {"model": ClientOut, "description": "Created"}},
)
def put_client_route(
    request: Request,
    client_id: ClientIdPath,
    body: ClientIn,
    response: Response,
    uow: UowDep,
    now: NowDep,
) -> ClientOut:
    """Create or replace a client: demographics, client_profile and consents. An erased client
    is created again only with a consent granted (409 otherwise)."""
    client, created = put_client(
        body.to_domain(client_id),
        uow=uow,
        now=now,
        pseudonymise=request.app.state.audit.pseudonymise,
    )
    response.status_code = 201 if created else 200
    return ClientOut.from_domain(client)


@router.get(
    "/{client_id}", dependencies=[requires(Role.APP, Role.ADVISOR)], response_model=ClientOut
)
def get_client_route(client_id: ClientIdPath, uow: UowDep) -> ClientOut:
    """The client with its profile, consents and timestamps."""
    return ClientOut.from_domain(get_client(ClientId(client_id), uow=uow))


@router.put(
    "/{client_id}/portfolio",
    dependencies=[requires(Role.APP)],
    response_model=PortfolioOut,
    responses={201: {"model": PortfolioOut, "description": "Created"}},
)
def put_portfolio_route(
    client_id: ClientIdPath, body: PortfolioIn, response: Response, uow: UowDep, now: NowDep
) -> PortfolioOut:
    """Replace the client's accounts, holdings, contributions and target allocation."""
    portfolio, created = put_portfolio(body.to_domain(client_id), uow=uow, now=now)
    response.status_code = 201 if created else 200
    return PortfolioOut.from_domain(portfolio)


@router.get(
    "/{client_id}/portfolio",
    dependencies=[requires(Role.APP, Role.ADVISOR)],
    response_model=PortfolioOut,
)
def get_portfolio_route(client_id: ClientIdPath, uow: UowDep) -> PortfolioOut:
    """The client's portfolio with totals."""
    return PortfolioOut.from_domain(get_portfolio(ClientId(client_id), uow=uow))
