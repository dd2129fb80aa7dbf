"""Experiments: their definitions and the layers that keep concurrent ones apart (who was
assigned, exposed and converted, and the daily statistics, are ``experiment_results``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

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
from nextbest.storage.tables import (
    ExperimentLayerRow,
    ExperimentRow,
)
from nextbest.storage.upsert import dialect_insert

__all__ = ["ExperimentRepository"]


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
