"""The learned profile, and the preferences with which a client overrules it."""

from __future__ import annotations

from fastapi import APIRouter

from nextbest.api.deps import NowDep, ProfileConfigDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.routes.clients import ClientIdPath
from nextbest.api.schemas.profiles import PreferencesIn, PreferencesOut, ProfileOut
from nextbest.api.security import requires
from nextbest.domain.ids import ClientId
from nextbest.security.roles import Role
from nextbest.services.profiles import get_preferences, get_profile, put_preferences

router = APIRouter(prefix="/v1/clients", tags=["profile"], responses=ERROR_RESPONSES)


@router.get(
    "/{client_id}/profile",
    dependencies=[requires(Role.APP, Role.ADVISOR)],
    response_model=ProfileOut,
)
def get_profile_route(
    client_id: ClientIdPath, uow: UowDep, config: ProfileConfigDep, now: NowDep
) -> ProfileOut:
    """Each learned value beside any override, with its source and confidence."""
    report = get_profile(ClientId(client_id), uow=uow, config=config, now=now)
    return ProfileOut.from_domain(report)


@router.put(
    "/{client_id}/preferences", dependencies=[requires(Role.APP)], response_model=PreferencesOut
)
def put_preferences_route(
    client_id: ClientIdPath,
    body: PreferencesIn,
    uow: UowDep,
    config: ProfileConfigDep,
    now: NowDep,
) -> PreferencesOut:
    """Replace the client's explicit preferences; they win over anything learned."""
    preferences, deleted = put_preferences(
        ClientId(client_id), body.to_domain(), uow=uow, decay=config.decay, now=now
    )
    return PreferencesOut.from_domain(preferences, deleted)


@router.get(
    "/{client_id}/preferences",
    dependencies=[requires(Role.APP, Role.ADVISOR)],
    response_model=PreferencesOut,
)
def get_preferences_route(client_id: ClientIdPath, uow: UowDep) -> PreferencesOut:
    """The client's explicit preferences, as last set."""
    return PreferencesOut.from_domain(get_preferences(ClientId(client_id), uow=uow))
