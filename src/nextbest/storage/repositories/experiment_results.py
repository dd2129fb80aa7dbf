"""What experiments did to clients: sticky assignments, first exposures and conversions, and
the daily sufficient statistics.

Assignments are keyed by client, environment and experiment, so a test deployment's never
mix with production's, and an insert that meets a stored one changes nothing (the stored one
wins; the caller re-reads it). Exposure and conversion are set once per client with a guarded
``UPDATE ... WHERE <column> IS NULL``: whichever process gets there first counts, the others
match nothing. The statistics are increments upserted with ``n = n + :n``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import distinct, func, select, update
from sqlalchemy.orm import Session

from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Status
from nextbest.experiments.sufficient import DayStats, Moments, Proportion, Statistic
from nextbest.storage.tables import (
    ExperimentAssignmentRow,
    ExperimentDayStatsRow,
    RecommendationOutcomeRow,
    RecommendationRow,
)
from nextbest.storage.upsert import dialect_insert

__all__ = [
    "CONVERSION_COLUMNS",
    "ExperimentResultsRepository",
    "StatIncrement",
    "StoredAssignment",
]

_A = ExperimentAssignmentRow
_S = ExperimentDayStatsRow

CONVERSION_COLUMNS = {
    "acceptance_rate": _A.accepted_at,
    "engagement_rate": _A.engaged_at,
    "dismissal_rate": _A.dismissed_at,
}
"""Where each rate metric's first conversion of a client is kept."""

_ACTED = (Status.ACCEPTED.value, Status.PARTIALLY_ACCEPTED.value)


@dataclass(frozen=True, slots=True)
class StoredAssignment:
    experiment: str
    variant: str
    exposed_at: datetime | None


@dataclass(frozen=True, slots=True)
class StatIncrement:
    """What one event adds to one day's row of one variant and metric."""

    experiment: str
    environment: str
    day: date
    variant: str
    metric: str
    stat: Statistic


class ExperimentResultsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- assignments --------------------------------------------------------------------------

    def assignments(
        self, client_id: ClientId, environment: str, experiments: Collection[str]
    ) -> dict[str, StoredAssignment]:
        """The client's stored assignments in ``experiments``, in one query."""
        if not experiments:
            return {}
        rows = self._session.execute(
            select(_A.experiment, _A.variant, _A.exposed_at).where(
                _A.client_id == client_id,
                _A.environment == environment,
                _A.experiment.in_(list(experiments)),
            )
        )
        return {row.experiment: StoredAssignment(*row) for row in rows}

    def add_assignments(
        self,
        client_id: ClientId,
        environment: str,
        variants: Sequence[tuple[str, str]],
        *,
        now: datetime,
    ) -> int:
        """Store (experiment, variant) pairs for the client; a pair already stored (another
        request got there first) is left as it is. Returns how many were new."""
        if not variants:
            return 0
        insert = dialect_insert(self._session, _A).values(
            [
                {
                    "client_id": client_id,
                    "environment": environment,
                    "experiment": experiment,
                    "variant": variant,
                    "assigned_at": now,
                }
                for experiment, variant in variants
            ]
        )
        # RETURNING counts what was inserted on both databases (psycopg's rowcount may be -1).
        inserted = self._session.execute(insert.on_conflict_do_nothing().returning(_A.experiment))
        return len(inserted.all())

    def expose(
        self, client_id: ClientId, environment: str, experiments: Collection[str], *, at: datetime
    ) -> list[tuple[str, str]]:
        """Mark the client exposed in those of ``experiments`` where it was not yet; returns
        the (experiment, variant) pairs this call exposed, each counted once ever."""
        if not experiments:
            return []
        rows = self._session.execute(
            update(_A)
            .where(
                _A.client_id == client_id,
                _A.environment == environment,
                _A.experiment.in_(list(experiments)),
                _A.exposed_at.is_(None),
            )
            .values(exposed_at=at)
            .returning(_A.experiment, _A.variant)
        )
        return sorted((row.experiment, row.variant) for row in rows)

    def convert(
        self,
        client_id: ClientId,
        environment: str,
        experiments: Collection[str],
        *,
        metric: str,
        at: datetime,
        delivered_at: datetime,
    ) -> list[tuple[str, str]]:
        """Record the client's first conversion on ``metric`` in those of ``experiments`` it
        was exposed to by ``delivered_at`` (the recommendation was served under them) and
        had not converted in yet; returns the (experiment, variant) pairs it converted."""
        if not experiments:
            return []
        column = CONVERSION_COLUMNS[metric]
        rows = self._session.execute(
            update(_A)
            .where(
                _A.client_id == client_id,
                _A.environment == environment,
                _A.experiment.in_(list(experiments)),
                _A.exposed_at.is_not(None),
                _A.exposed_at <= delivered_at,
                column.is_(None),
            )
            .values({column.key: at})
            .returning(_A.experiment, _A.variant)
        )
        return sorted((row.experiment, row.variant) for row in rows)

    # -- sufficient statistics ----------------------------------------------------------------

    def add_stats(self, increments: Iterable[StatIncrement]) -> None:
        """Add each increment to its day's row (created at zero when missing), in one
        statement. Increments of one row are summed first: an upsert may not touch a row twice."""
        summed: dict[tuple[str, str, date, str, str], Statistic] = {}
        for i in increments:
            key = (i.experiment, i.environment, i.day, i.variant, i.metric)
            found = summed.get(key)
            if found is None:
                summed[key] = i.stat
            elif isinstance(found, Proportion) and isinstance(i.stat, Proportion):
                summed[key] = found + i.stat
            elif isinstance(found, Moments) and isinstance(i.stat, Moments):
                summed[key] = found + i.stat
            else:
                raise TypeError(f"metric {i.metric!r} mixes rates and continuous values")
        if not summed:
            return
        rows = [
            {
                "experiment": experiment,
                "environment": environment,
                "day": day,
                "variant": variant,
                "metric": metric,
                "kind": "proportion" if isinstance(stat, Proportion) else "moments",
                "n": stat.n,
                "sum": float(stat.sum),
                "sum_squares": float(stat.sum_squares),
            }
            for (experiment, environment, day, variant, metric), stat in summed.items()
        ]
        insert = dialect_insert(self._session, _S)
        statement = insert.values(rows).on_conflict_do_update(
            index_elements=[_S.experiment, _S.environment, _S.day, _S.variant, _S.metric],
            set_={
                "n": _S.n + insert.excluded.n,
                "sum": _S.sum + insert.excluded.sum,
                "sum_squares": _S.sum_squares + insert.excluded.sum_squares,
            },
        )
        self._session.execute(statement)

    def daily(self, experiment: str, *, environment: str) -> list[DayStats]:
        rows = self._session.execute(
            select(_S)
            .where(_S.experiment == experiment, _S.environment == environment)
            .order_by(_S.day, _S.variant, _S.metric)
        ).scalars()
        return [
            DayStats(
                row.day,
                row.variant,
                row.metric,
                Proportion(row.n, round(row.sum))
                if row.kind == "proportion"
                else Moments(row.n, row.sum, row.sum_squares),
            )
            for row in rows
        ]

    # -- what the decision log tells experiments ----------------------------------------------

    def acted_counts(self) -> dict[tuple[str, str], int]:
        """Distinct clients who accepted (fully or partly) each action, by segment: the real
        counts behind "N clients like you acted on this"."""
        rows = self._session.execute(
            select(
                RecommendationRow.action_id,
                RecommendationRow.segment,
                func.count(distinct(RecommendationRow.client_id)),
            )
            .where(RecommendationRow.status.in_(_ACTED))
            .group_by(RecommendationRow.action_id, RecommendationRow.segment)
        )
        return {(action, segment): int(count) for action, segment, count in rows}

    def baseline(self, statuses: Collection[Status], *, since: datetime) -> Proportion:
        """Clients delivered a recommendation since ``since``, and how many of them reached
        one of ``statuses`` on one: a metric's recent rate, to plan a sample size with."""
        delivered = self._session.scalar(
            select(func.count(distinct(RecommendationRow.client_id))).where(
                RecommendationRow.delivered_at >= since
            )
        )
        converted = self._session.scalar(
            select(func.count(distinct(RecommendationOutcomeRow.client_id)))
            .join(RecommendationRow)
            .where(
                RecommendationRow.delivered_at >= since,
                RecommendationOutcomeRow.status.in_([s.value for s in statuses]),
            )
        )
        return Proportion(int(delivered or 0), int(converted or 0))
