"""Dependencies the routes declare, as ``Annotated`` aliases.

They are ``async`` because none of them blocks: a plain ``def`` dependency costs a trip through
the thread pool on every request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from nextbest.services.profiles import ProfileConfig
from nextbest.services.recommendations import Recommender
from nextbest.services.signals import SignalEngine
from nextbest.settings import Settings
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "NowDep",
    "ProfileConfigDep",
    "RecommenderDep",
    "SettingsDep",
    "SignalEngineDep",
    "UowDep",
    "current_time",
]


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _signal_engine(request: Request) -> SignalEngine:
    engine: SignalEngine = request.app.state.signal_engine
    return engine


async def _profile_config(request: Request) -> ProfileConfig:
    config: ProfileConfig = request.app.state.profile_config
    return config


async def _recommender(request: Request) -> Recommender:
    recommender: Recommender = request.app.state.recommender
    return recommender


async def _uow(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.session_factory)


async def current_time() -> datetime:
    """The clock; tests replace it through ``app.dependency_overrides``."""
    return datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(_settings)]
UowDep = Annotated[UnitOfWork, Depends(_uow)]
SignalEngineDep = Annotated[SignalEngine, Depends(_signal_engine)]
NowDep = Annotated[datetime, Depends(current_time)]
ProfileConfigDep = Annotated[ProfileConfig, Depends(_profile_config)]
RecommenderDep = Annotated[Recommender, Depends(_recommender)]
