"""The one transaction boundary: ``with uow: ...; uow.commit()``. Leaving any other way rolls back.

Nothing else in nextbest calls ``session.commit()``.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from nextbest.storage.repositories import (
    ClientRepository,
    EventRepository,
    ExperimentRepository,
    PortfolioRepository,
    ProfileRepository,
    RecommendationRepository,
    SecurityRepository,
    SignalCacheRepository,
)
from nextbest.storage.repositories.decision_inputs import DecisionInputsRepository
from nextbest.storage.repositories.experiment_results import ExperimentResultsRepository
from nextbest.storage.repositories.privacy import PrivacyRepository
from nextbest.storage.repositories.reviews import ReviewRepository
from nextbest.storage.repositories.security import (
    ApiKeyRepository,
    AuditRepository,
    RateBucketRepository,
)

__all__ = ["UnitOfWork"]


class UnitOfWork:
    """Repositories sharing one session and one transaction.

    A unit of work is used once per request or job; re-entering it opens a fresh session.
    """

    clients: ClientRepository
    portfolios: PortfolioRepository
    securities: SecurityRepository
    events: EventRepository
    signals: SignalCacheRepository
    profiles: ProfileRepository
    recommendations: RecommendationRepository
    experiments: ExperimentRepository
    experiment_results: ExperimentResultsRepository
    keys: ApiKeyRepository
    rate_buckets: RateBucketRepository
    audit: AuditRepository
    privacy: PrivacyRepository
    reviews: ReviewRepository
    decision_inputs: DecisionInputsRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session_factory()
        self._session = session
        self.clients = ClientRepository(session)
        self.portfolios = PortfolioRepository(session)
        self.securities = SecurityRepository(session)
        self.events = EventRepository(session)
        self.signals = SignalCacheRepository(session)
        self.profiles = ProfileRepository(session)
        self.recommendations = RecommendationRepository(session)
        self.experiments = ExperimentRepository(session)
        self.experiment_results = ExperimentResultsRepository(session)
        self.keys = ApiKeyRepository(session)
        self.rate_buckets = RateBucketRepository(session)
        self.audit = AuditRepository(session)
        self.privacy = PrivacyRepository(session)
        self.reviews = ReviewRepository(session)
        self.decision_inputs = DecisionInputsRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.rollback()
            session.close()

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        return self._session

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def ping(self) -> None:
        """Round-trip to the database; raises when it cannot be reached."""
        self.session.execute(text("SELECT 1"))
