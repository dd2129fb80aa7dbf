"""Repositories: all of nextbest's SQL, each returning domain objects."""

from nextbest.storage.repositories.clients import ClientRepository
from nextbest.storage.repositories.events import EventRepository
from nextbest.storage.repositories.experiments import ExperimentRepository
from nextbest.storage.repositories.portfolios import PortfolioRepository
from nextbest.storage.repositories.profiles import ProfileRepository
from nextbest.storage.repositories.recommendations import RecommendationRepository
from nextbest.storage.repositories.securities import SecurityRepository
from nextbest.storage.repositories.signals import SignalCacheRepository

__all__ = [
    "ClientRepository",
    "EventRepository",
    "ExperimentRepository",
    "PortfolioRepository",
    "ProfileRepository",
    "RecommendationRepository",
    "SecurityRepository",
    "SignalCacheRepository",
]
