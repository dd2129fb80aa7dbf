"""The action catalog, as loaded at start-up."""

from __future__ import annotations

from fastapi import APIRouter, Request

from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.schemas.actions import CatalogOut
from nextbest.api.security import requires
from nextbest.security.roles import Role

router = APIRouter(prefix="/v1/actions", tags=["actions"], responses=ERROR_RESPONSES)


@router.get(
    "", dependencies=[requires(Role.APP, Role.ADVISOR, Role.ADMIN)], response_model=CatalogOut
)
async def list_actions_route(request: Request) -> CatalogOut:
    """Every action nextbest may suggest, with its flags, channels, value, lever and rules."""
    catalog_out: CatalogOut = request.app.state.catalog_out
    return catalog_out
