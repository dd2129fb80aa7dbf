"""Experiments: layers, definitions, clients' assignments and the daily statistics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nextbest.storage.tables.base import Base
from nextbest.storage.types import Json, UtcDateTime

__all__ = [
    "ExperimentAssignmentRow",
    "ExperimentDayStatsRow",
    "ExperimentLayerRow",
    "ExperimentRow",
]


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
