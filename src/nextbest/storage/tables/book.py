"""The client book: clients and their consents, the security master, portfolios with their accounts
and holdings, and each client's cached signals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nextbest.storage.tables.base import Base, BigId
from nextbest.storage.types import ExactDecimal, Json, Quantity, UtcDateTime, money

__all__ = [
    "AccountRow",
    "ClientRow",
    "ConsentRow",
    "HoldingRow",
    "PortfolioRow",
    "SecurityRow",
    "SignalCacheRow",
]


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
