"""The relational schema, as SQLAlchemy 2 ORM rows. Only ``storage`` imports this module.

Relationships load with ``lazy="raise"``: repositories say what they load, and an accidental
N+1 query fails loudly instead of slowly.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from nextbest.storage.types import ExactDecimal, Json, Quantity, UtcDateTime, money

__all__ = [
    "AccountRow",
    "AdvisorAlertRow",
    "ApiKeyRow",
    "AuditLogRow",
    "Base",
    "ClientRow",
    "ConsentRow",
    "ConversationStateRow",
    "DecisionRow",
    "ErasureRow",
    "EventReceiptRow",
    "EventRow",
    "ExperimentAssignmentRow",
    "ExperimentDayStatsRow",
    "ExperimentLayerRow",
    "ExperimentRow",
    "HoldingRow",
    "LearnedStateRow",
    "PersonalizationProfileRow",
    "PortfolioRow",
    "ProfileQueueRow",
    "RecommendationFeedbackRow",
    "RecommendationOutcomeRow",
    "RecommendationReviewRow",
    "RecommendationRow",
    "SecurityRow",
    "SegmentModelRow",
    "SignalCacheRow",
    "table_of",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(row: type[Base]) -> Table:
    """A mapped class's table, typed as one. Statements on the table skip the ORM's
    compilation, which costs more CPU than the query itself on the hot paths."""
    table = row.__table__
    assert isinstance(table, Table)
    return table


class ClientRow(Base):
    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    country: Mapped[str] = mapped_column(String(2))
    base_currency: Mapped[str] = mapped_column(String(3))
    risk_tolerance: Mapped[str] = mapped_column(String(16))
    income_band: Mapped[str | None] = mapped_column(String(24))
    net_worth_band: Mapped[str | None] = mapped_column(String(24))
    profile: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    consents: Mapped[list[ConsentRow]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class ConsentRow(Base):
    __tablename__ = "client_consents"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SecurityRow(Base):
    __tablename__ = "securities"

    security_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    asset_class: Mapped[str] = mapped_column(String(16))
    sector: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str | None] = mapped_column(String(3))
    esg_score: Mapped[Decimal | None] = mapped_column(ExactDecimal(5, 2))
    controversies: Mapped[list[str]] = mapped_column(Json)
    price: Mapped[Decimal | None] = mapped_column(money())
    # Indexed: the newest change to the master is part of every cached signal's inputs.
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class PortfolioRow(Base):
    __tablename__ = "portfolios"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    base_currency: Mapped[str] = mapped_column(String(3))
    as_of: Mapped[date | None] = mapped_column(Date)
    target_allocation: Mapped[dict[str, str]] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    accounts: Mapped[list[AccountRow]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AccountRow.position",
    )


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("client_id", "account_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("portfolios.client_id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(SmallInteger)
    account_type: Mapped[str] = mapped_column(String(24))
    tax_wrapper: Mapped[str] = mapped_column(String(24))
    monthly_contribution: Mapped[Decimal] = mapped_column(money())
    goal_id: Mapped[str | None] = mapped_column(String(64))

    holdings: Mapped[list[HoldingRow]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="HoldingRow.position",
    )


class HoldingRow(Base):
    __tablename__ = "holdings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_pk: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    security_id: Mapped[str] = mapped_column(ForeignKey("securities.security_id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    market_value: Mapped[Decimal] = mapped_column(money())
    cost_basis: Mapped[Decimal | None] = mapped_column(money())
    acquired_on: Mapped[date | None] = mapped_column(Date)
    goal_id: Mapped[str | None] = mapped_column(String(64))


class EventRow(Base):
    """Behaviour events. Append-only: nothing updates a row; only retention and erasure delete."""

    __tablename__ = "events"
    __table_args__ = (
        Index(None, "client_id", "occurred_at"),
        Index(None, "event_type", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    session_id: Mapped[str | None] = mapped_column(String(128))
    device_type: Mapped[str | None] = mapped_column(String(50))
    channel: Mapped[str | None] = mapped_column(String(16))
    target_type: Mapped[str | None] = mapped_column(String(50))
    target_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str | None] = mapped_column(String(100))
    context: Mapped[dict[str, Any]] = mapped_column(Json)


class SignalCacheRow(Base):
    """A client's last computed signal candidates and what they were computed from."""

    __tablename__ = "client_signals"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[date] = mapped_column(Date)
    inputs_key: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # JSON text the repository encodes and decodes itself (with orjson: the cache is on the
    # read path of every recommendation, and its content is entirely nextbest's own).
    candidates: Mapped[str] = mapped_column(Text)


class PersonalizationProfileRow(Base):
    """A client's folded behaviour aggregates and explicit preferences.

    These aggregates plus the client's events still in ``profile_queue`` are the whole profile.
    """

    __tablename__ = "personalization_profiles"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    # JSON text encoded by behaviour's own codec (orjson).
    state: Mapped[str | None] = mapped_column(Text)
    preferences: Mapped[str | None] = mapped_column(Text)
    privacy_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    keeps_receipts: Mapped[bool] = mapped_column(Boolean, default=False)
    """Privacy mode was on at some time: some events are held only as receipts."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProfileQueueRow(Base):
    """Events stored but not yet folded into their client's profile (see services.profiles).

    Ingestion appends one small row per event in the transaction that stores it; the folder
    claims rows oldest first, folds them in bulk and deletes them. A row points at its raw
    event, or (privacy mode, where no raw event is kept) holds the event's aggregates itself.
    """

    __tablename__ = "profile_queue"
    __table_args__ = (Index(None, "client_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    event_pk: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str | None] = mapped_column(Text)


class EventReceiptRow(Base):
    """Proof an event was counted, for clients in privacy mode: the id only, no content."""

    __tablename__ = "event_receipts"
    __table_args__ = (Index(None, "client_id"),)

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SegmentModelRow(Base):
    """A fitted segmentation: scaler, centroids and per-segment priors, newest version wins."""

    __tablename__ = "segment_models"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    clients: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(Text)


class DecisionRow(Base):
    """One answer to a recommendations request, as it was decided: the decision log.

    Holds what is needed to explain the answer later and to evaluate other policies on it
    offline: the point-in-time features, every action considered with each score component or
    the reason it was removed, the probability the policy gave each served action, and the
    versions of the models and catalog in force.
    """

    __tablename__ = "decisions"
    __table_args__ = (Index(None, "client_id", "decided_at"),)

    decision_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    policy: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # JSON text encoded by the repository (orjson): written on every request.
    features: Mapped[str] = mapped_column(Text)
    considered: Mapped[str] = mapped_column(Text)
    versions: Mapped[str] = mapped_column(Text)


class RecommendationRow(Base):
    """One action served to a client: its status now, and what the models learn from it."""

    __tablename__ = "recommendations"
    __table_args__ = (Index(None, "client_id", "action_id"),)

    recommendation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decision_id: Mapped[str] = mapped_column(
        ForeignKey("decisions.decision_id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    action_id: Mapped[str] = mapped_column(String(64))
    candidate_key: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    regulated: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(24))
    status_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deliver_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    segment: Mapped[str] = mapped_column(String(16))
    # The feature vector the contextual model scored, as JSON text: what it learns from.
    context: Mapped[str] = mapped_column(Text)


class RecommendationOutcomeRow(Base):
    """Every status a recommendation took, in order: its history and the models' feed.

    Append-only; ``id`` orders them, so a server process can add the outcomes other processes
    recorded since it last looked.
    """

    __tablename__ = "recommendation_outcomes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("recommendations.recommendation_id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecommendationFeedbackRow(Base):
    """What a client said about a recommendation: a rating, a kind, free text."""

    __tablename__ = "recommendation_feedback"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("recommendations.recommendation_id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    kind: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- experiments (issue 7) ----------------------------------------------------------------------


class ExperimentLayerRow(Base):
    """A layer: experiments that must never share a client. Its slots are its experiments'
    ``layer_start``/``layer_stop``; the salt alone places a client in the layer."""

    __tablename__ = "experiment_layers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    salt: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExperimentRow(Base):
    """An experiment's definition and where it is in its life (DRAFT, RUNNING, STOPPED,
    CONCLUDED). ``definition`` holds the variants with their shares and treatments, the
    targeting and the analysis plan, as the service's JSON codec writes them."""

    __tablename__ = "experiments"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    treatment: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    hypothesis: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]] = mapped_column(Json)
    layer: Mapped[str | None] = mapped_column(
        ForeignKey("experiment_layers.name"), index=True, nullable=True
    )
    layer_start: Mapped[int | None] = mapped_column(Integer)
    layer_stop: Mapped[int | None] = mapped_column(Integer)
    start_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    concluded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    conclusion: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExperimentAssignmentRow(Base):
    """A client's stored variant: sticky, and it wins over the hash once here.

    One per client, environment and experiment (the key, client first: a request reads all of
    a client's assignments at once). The ``*_at`` columns are the client's first exposure and
    first conversion on each rate metric, so each is counted once.
    """

    __tablename__ = "experiment_assignments"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    environment: Mapped[str] = mapped_column(String(16), primary_key=True)
    experiment: Mapped[str] = mapped_column(
        ForeignKey("experiments.name", ondelete="CASCADE"), primary_key=True, index=True
    )
    variant: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    exposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    engaged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ExperimentDayStatsRow(Base):
    """What one day added to a variant's sufficient statistic of one metric (increments,
    upserted), per environment: the analysis adds the rows up."""

    __tablename__ = "experiment_day_stats"

    experiment: Mapped[str] = mapped_column(
        ForeignKey("experiments.name", ondelete="CASCADE"), primary_key=True
    )
    environment: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    variant: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    n: Mapped[int] = mapped_column(BigInteger)
    sum: Mapped[float] = mapped_column(Float)
    sum_squares: Mapped[float] = mapped_column(Float)


# -- privacy and security -----------------------------------------------------------------------


class ApiKeyRow(Base):
    """An API key: its public id, roles and life; only a salted hash of the secret."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[str] = mapped_column(String(100))
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RateBucketRow(Base):
    """A key's request allowance, shared by every API process: a token bucket the processes
    take small leases from."""

    __tablename__ = "rate_buckets"

    key_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    refilled_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditLogRow(Base):
    """The append-only, hash-chained audit log. The client appears only as a pseudonym."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "client_ref"), Index(None, "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    principal: Mapped[str] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    route: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int | None] = mapped_column(SmallInteger)
    client_ref: Mapped[str | None] = mapped_column(String(64))
    # Compact JSON text, kept as written: the hash is recomputed from it.
    detail: Mapped[str] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class ErasureRow(Base):
    """A tombstone: that a client was erased, when and by whom; no personal data."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client_ref: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[str] = mapped_column(String(120))
    # Rows removed per table, as JSON text: what the erasure covered.
    removed: Mapped[str] = mapped_column(Text)
    recreated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LearnedStateRow(Base):
    """A version number per learned model; bumped when the data it learned from is erased, so
    every server process rebuilds that model from what is left."""

    __tablename__ = "learned_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(200))


class RecommendationReviewRow(Base):
    """An advisor's approval or rejection of a regulated suggestion, with the reason."""

    __tablename__ = "recommendation_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("recommendations.recommendation_id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(120))
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- client messages (issue 9) ------------------------------------------------------------------


class ConversationStateRow(Base):
    """Where a multi-turn conversation stands (the goal-update flow's slots), one row per
    conversation; finishing or abandoning the flow deletes it. Holds no message text."""

    __tablename__ = "conversation_states"

    conversation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class AdvisorAlertRow(Base):
    """A message an advisor should look at (a complaint, a strongly negative message). The text
    is the PII-masked one, or none: the client's raw words are never stored."""

    __tablename__ = "advisor_alerts"
    __table_args__ = (Index(None, "client_id", "created_at"),)

    alert_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(36))
    conversation_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(64))
    negative: Mapped[float] = mapped_column(Float)
    masked_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
