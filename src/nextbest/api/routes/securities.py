"""The security master."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from nextbest.api.deps import NowDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.schemas.common import ID_PATTERN
from nextbest.api.schemas.securities import (
    SecuritiesIn,
    SecuritiesOut,
    SecurityModel,
    SecurityPage,
)
from nextbest.api.security import requires
from nextbest.domain.ids import SecurityId
from nextbest.security.roles import Role
from nextbest.services.securities import get_security, list_securities, upsert_securities

router = APIRouter(prefix="/v1/securities", tags=["securities"], responses=ERROR_RESPONSES)


@router.put("", dependencies=[requires(Role.APP, Role.ADMIN)], response_model=SecuritiesOut)
def put_securities_route(body: SecuritiesIn, uow: UowDep, now: NowDep) -> SecuritiesOut:
    """Insert or update up to 5,000 securities, all or none."""
    securities = [security.to_domain() for security in body.securities]
    created, updated = upsert_securities(securities, uow=uow, now=now)
    return SecuritiesOut(received=len(securities), created=created, updated=updated)


@router.get(
    "", dependencies=[requires(Role.APP, Role.ADVISOR, Role.ADMIN)], response_model=SecurityPage
)
def list_securities_route(
    uow: UowDep,
    after: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> SecurityPage:
    """A page of the security master in id order."""
    page = list_securities(uow=uow, after=after, limit=limit)
    return SecurityPage(
        securities=[SecurityModel.from_domain(s) for s in page],
        next_after=page[-1].security_id if len(page) == limit else None,
    )


@router.get(
    "/{security_id}",
    dependencies=[requires(Role.APP, Role.ADVISOR, Role.ADMIN)],
    response_model=SecurityModel,
)
def get_security_route(
    security_id: Annotated[str, Path(pattern=ID_PATTERN)], uow: UowDep
) -> SecurityModel:
    """One security."""
    return SecurityModel.from_domain(get_security(SecurityId(security_id), uow=uow))
