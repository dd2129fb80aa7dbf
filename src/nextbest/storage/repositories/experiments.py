"""Experiments: definitions, layers, sticky assignments and the daily sufficient statistics.

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
from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func, select, update
from sqlalchemy.orm import Session

from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Status
from nextbest.experiments.assignment import ExperimentSpec, Layer, LayerSlot, Variant
from nextbest.experiments.comparison import AnalysisPlan, Metric
from nextbest.experiments.corrections import Correction
from nextbest.experiments.lifecycle import (
    RATE_METRICS,
    Experiment,
    ExperimentStatus,
    LayerPlacement,
    TreatmentKind,
)
from nextbest.experiments.sufficient import DayStats, Moments, Proportion, Statistic
from nextbest.storage.tables import (
    ExperimentAssignmentRow,
    ExperimentDayStatsRow,
    ExperimentLayerRow,
    ExperimentRow,
    RecommendationOutcomeRow,
    RecommendationRow,
)
from nextbest.storage.upsert import dialect_insert

__all__ = [
    "CONVERSION_COLUMNS",
    "ExperimentRepository",
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


def _metric(name: str) -> Metric:
    return RATE_METRICS.get(name, Metric(name))


def _definition(experiment: Experiment) -> dict[str, Any]:
    spec, plan = experiment.spec, experiment.plan
    descriptions = experiment.descriptions or {}
    return {
        "variants": [
            {
                "name": v.name,
                "share": str(v.share),
                "treatment": experiment.treatments[v.name],
                "description": descriptions.get(v.name),
            }
            for v in spec.variants
        ],
        "control": spec.control,
        "salt": spec.salt,
        "segments": None if spec.segments is None else sorted(spec.segments),
        "plan": {
            "success": plan.success.name,
            "guardrails": [m.name for m in plan.guardrails],
            "alpha": plan.alpha,
            "correction": plan.correction.value,
            "min_relative_lift": plan.min_relative_lift,
            "minimum_sample_size": plan.minimum_sample_size,
        },
        "design": {
            "minimum_detectable_effect": experiment.minimum_detectable_effect,
            "mde_relative": experiment.mde_relative,
            "baseline_rate": experiment.baseline_rate,
            "power": experiment.power,
        },
        "layer_percent": None if experiment.placement is None else experiment.placement.percent,
    }


def _experiment(row: ExperimentRow) -> Experiment:
    d = row.definition
    plan, design = d["plan"], d["design"]
    segments = d.get("segments")
    spec = ExperimentSpec(
        row.name,
        tuple(Variant(v["name"], Decimal(v["share"])) for v in d["variants"]),
        salt=d["salt"],
        control=d["control"],
        segments=None if segments is None else frozenset(segments),
        layer=row.layer,
    )
    placement = None
    if row.layer is not None and row.layer_start is not None and row.layer_stop is not None:
        placement = LayerPlacement(row.layer, d["layer_percent"], row.layer_start, row.layer_stop)
    return Experiment(
        spec=spec,
        plan=AnalysisPlan(
            _metric(plan["success"]),
            tuple(_metric(name) for name in plan["guardrails"]),
            alpha=plan["alpha"],
            correction=Correction(plan["correction"]),
            min_relative_lift=plan["min_relative_lift"],
            minimum_sample_size=plan["minimum_sample_size"],
        ),
        kind=TreatmentKind(row.treatment),
        treatments={v["name"]: v["treatment"] for v in d["variants"]},
        descriptions={v["name"]: v["description"] for v in d["variants"] if v.get("description")},
        hypothesis=row.hypothesis,
        status=ExperimentStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        placement=placement,
        start_at=row.start_at,
        end_at=row.end_at,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
        concluded_at=row.concluded_at,
        conclusion=row.conclusion,
        minimum_detectable_effect=design["minimum_detectable_effect"],
        mde_relative=design["mde_relative"],
        baseline_rate=design["baseline_rate"],
        power=design["power"],
    )


class ExperimentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- definitions --------------------------------------------------------------------------

    def add(self, experiment: Experiment) -> None:
        placement = experiment.placement
        self._session.add(
            ExperimentRow(
                name=experiment.name,
                treatment=experiment.kind.value,
                status=experiment.status.value,
                hypothesis=experiment.hypothesis,
                definition=_definition(experiment),
                layer=None if placement is None else placement.layer,
                layer_start=None if placement is None else placement.start,
                layer_stop=None if placement is None else placement.stop,
                start_at=experiment.start_at,
                end_at=experiment.end_at,
                created_at=experiment.created_at,
                updated_at=experiment.updated_at,
            )
        )
        self._session.flush()

    def exists(self, name: str) -> bool:
        return self._session.get(ExperimentRow, name) is not None

    def get(self, name: str, *, lock: bool = False) -> Experiment | None:
        query = select(ExperimentRow).where(ExperimentRow.name == name)
        row = self._session.scalars(query.with_for_update() if lock else query).one_or_none()
        return None if row is None else _experiment(row)

    def all(self, status: ExperimentStatus | None = None) -> list[Experiment]:
        query = select(ExperimentRow).order_by(ExperimentRow.created_at, ExperimentRow.name)
        if status is not None:
            query = query.where(ExperimentRow.status == status.value)
        return [_experiment(row) for row in self._session.scalars(query)]

    def save_status(self, experiment: Experiment) -> None:
        """Store the status, its timestamps and the conclusion; a concluded experiment gives
        its layer slot back (its buckets stay on record in ``layer_start``/``layer_stop``)."""
        self._session.execute(
            update(ExperimentRow)
            .where(ExperimentRow.name == experiment.name)
            .values(
                status=experiment.status.value,
                started_at=experiment.started_at,
                stopped_at=experiment.stopped_at,
                concluded_at=experiment.concluded_at,
                conclusion=experiment.conclusion,
                updated_at=experiment.updated_at,
            )
        )

    # -- layers -------------------------------------------------------------------------------

    def layer(self, name: str, *, lock: bool = False) -> Layer | None:
        """The layer with the slots of its experiments not yet concluded; ``lock`` holds the
        layer row until commit, so two experiments cannot take the same free slot."""
        query = select(ExperimentLayerRow.salt).where(ExperimentLayerRow.name == name)
        salt = self._session.scalar(query.with_for_update() if lock else query)
        if salt is None:
            return None
        return Layer(name, salt, tuple(self._slots([name]).get(name, ())))

    def add_layer(self, name: str, salt: str, *, now: datetime) -> Layer:
        insert = dialect_insert(self._session, ExperimentLayerRow)
        self._session.execute(
            insert.values(name=name, salt=salt, created_at=now).on_conflict_do_nothing(
                index_elements=[ExperimentLayerRow.name]
            )
        )
        found = self.layer(name, lock=True)
        assert found is not None
        return found

    def _slots(self, layers: Collection[str]) -> dict[str, list[LayerSlot]]:
        rows = self._session.execute(
            select(
                ExperimentRow.layer,
                ExperimentRow.name,
                ExperimentRow.layer_start,
                ExperimentRow.layer_stop,
            ).where(
                ExperimentRow.layer.in_(list(layers)),
                ExperimentRow.status != ExperimentStatus.CONCLUDED.value,
                ExperimentRow.layer_start.is_not(None),
                ExperimentRow.layer_stop.is_not(None),
            )
        )
        slots: dict[str, list[LayerSlot]] = {}
        for row in rows:
            slots.setdefault(row.layer, []).append(
                LayerSlot(row.name, row.layer_start, row.layer_stop)
            )
        return slots

    def running(self) -> tuple[list[Experiment], dict[str, Layer]]:
        """Every RUNNING experiment, and the layers they belong to, in two queries."""
        experiments = self.all(ExperimentStatus.RUNNING)
        names = {e.spec.layer for e in experiments if e.spec.layer is not None}
        if not names:
            return experiments, {}
        rows = self._session.execute(
            select(ExperimentLayerRow.name, ExperimentLayerRow.salt).where(
                ExperimentLayerRow.name.in_(names)
            )
        )
        salts = {row.name: row.salt for row in rows}
        slots = self._slots(names)
        layers = {
            name: Layer(name, salt, tuple(slots.get(name, ()))) for name, salt in salts.items()
        }
        return experiments, layers

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
