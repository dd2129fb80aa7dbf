"""Segments: clients grouped by behaviour and demographics, and the priors each segment gives.

Features are scaled robustly (median and inter-quartile range, then clipped to ±3) so one extreme
client cannot stretch the space, and clustered with scikit-learn's k-means. Segment priors pool
each client's outcomes with a cap per client, so no single client can move a segment's prior much
(seed 002's "extreme outlier" case).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import orjson
from numpy.typing import NDArray

from nextbest.behavior.priors import SegmentPriors
from nextbest.behavior.profile import ProfileReport
from nextbest.domain.enums import (
    DetailLevel,
    EngagementLevel,
    InvestmentStyle,
    LifeStage,
    NotificationFrequency,
    RiskTolerance,
)

__all__ = [
    "FEATURES",
    "OUTCOME_CAP",
    "SegmentInput",
    "SegmentModel",
    "features",
    "fit_segments",
    "segment_priors",
]

OUTCOME_CAP = 20
"""Most accepts (and most dismissals) of one client counted per category in a segment prior."""
_CLIP = 3.0
_STYLES = tuple(InvestmentStyle)
_STAGES = tuple(LifeStage)
_RISK = {level: index / 4 for index, level in enumerate(RiskTolerance)}
_ENGAGEMENT = {EngagementLevel.LOW: 0.0, EngagementLevel.MEDIUM: 0.5, EngagementLevel.HIGH: 1.0}

FEATURES = (
    "log_sessions_per_week",
    "log_recency_days",
    "acceptance_rate",
    "dismissal_rate",
    "literacy",
    "engagement",
    "risk_tolerance",
    *(f"style_{style.value.lower()}" for style in _STYLES),
    *(f"stage_{stage.value.lower()}" for stage in _STAGES),
)


@dataclass(frozen=True, slots=True)
class SegmentInput:
    """One client as segmentation sees it: the profile built without any segment prior."""

    report: ProfileReport
    risk_tolerance: RiskTolerance


def features(item: SegmentInput) -> list[float]:
    report = item.report
    viewed = report.recommendations_viewed
    recency = 365.0 if report.recency_days is None else min(365.0, report.recency_days)
    literacy = report.financial_literacy.learned
    return [
        float(np.log1p(report.sessions_per_week)),
        float(np.log1p(recency)),
        (report.recommendations_accepted + 1) / (viewed + 2),
        (report.recommendations_dismissed + 1) / (viewed + 2),
        (5.0 if literacy is None else float(literacy)) / 10,
        _ENGAGEMENT[report.engagement_level],
        _RISK[item.risk_tolerance],
        *(1.0 if report.investment_style.learned is s else 0.0 for s in _STYLES),
        *(1.0 if report.life_stage.value is s else 0.0 for s in _STAGES),
    ]


@dataclass(frozen=True, slots=True)
class SegmentModel:
    version: int
    fitted_at: datetime
    center: tuple[float, ...]
    scale: tuple[float, ...]
    centroids: tuple[tuple[float, ...], ...]
    sizes: tuple[int, ...]
    priors: tuple[SegmentPriors, ...]
    silhouette: float | None
    outlier_events_per_week: float | None
    feature_names: tuple[str, ...] = FEATURES
    profiles: tuple[dict[str, object], ...] = field(default_factory=tuple)

    def assign(self, item: SegmentInput) -> int:
        point = self._scaled(np.asarray([features(item)]))
        centroids = np.asarray(self.centroids)
        return int(np.argmin(((centroids - point) ** 2).sum(axis=1)))

    def priors_for(self, item: SegmentInput) -> SegmentPriors:
        return self.priors[self.assign(item)]

    def _scaled(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        scaled: NDArray[np.float64] = (matrix - np.asarray(self.center)) / np.asarray(self.scale)
        return np.clip(scaled, -_CLIP, _CLIP)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "center": self.center,
                "scale": self.scale,
                "centroids": self.centroids,
                "sizes": self.sizes,
                "silhouette": self.silhouette,
                "outlier_events_per_week": self.outlier_events_per_week,
                "feature_names": self.feature_names,
                "profiles": self.profiles,
                "priors": [_priors_to_dict(p) for p in self.priors],
            }
        )

    @classmethod
    def from_json(cls, version: int, fitted_at: datetime, raw: bytes | str) -> SegmentModel:
        data = orjson.loads(raw)
        return cls(
            version=version,
            fitted_at=fitted_at,
            center=tuple(data["center"]),
            scale=tuple(data["scale"]),
            centroids=tuple(tuple(row) for row in data["centroids"]),
            sizes=tuple(data["sizes"]),
            priors=tuple(_priors_from_dict(p) for p in data["priors"]),
            silhouette=data["silhouette"],
            outlier_events_per_week=data["outlier_events_per_week"],
            feature_names=tuple(data["feature_names"]),
            profiles=tuple(data["profiles"]),
        )


def _priors_to_dict(priors: SegmentPriors) -> dict[str, object]:
    return {
        "segment": priors.segment,
        "label": priors.label,
        "category_means": dict(priors.category_means),
        "default_mean": priors.default_mean,
        "strength": priors.strength,
        "literacy": priors.literacy,
        "detail_level": priors.detail_level.value,
        "notification_frequency": priors.notification_frequency.value,
        "sessions_per_week": priors.sessions_per_week,
    }


def _priors_from_dict(data: dict[str, object]) -> SegmentPriors:
    segment = data["segment"]
    means = data["category_means"]
    assert isinstance(segment, int)
    assert isinstance(means, dict)
    return SegmentPriors(
        segment=segment,
        label=str(data["label"]),
        category_means={str(k): float(v) for k, v in means.items()},
        default_mean=float(str(data["default_mean"])),
        strength=float(str(data["strength"])),
        literacy=float(str(data["literacy"])),
        detail_level=DetailLevel(str(data["detail_level"])),
        notification_frequency=NotificationFrequency(str(data["notification_frequency"])),
        sessions_per_week=float(str(data["sessions_per_week"])),
    )


def segment_priors(segment: int, label: str, members: Sequence[ProfileReport]) -> SegmentPriors:
    """Robust priors of one segment: capped pooled acceptance, medians, modes."""
    accepted: Counter[str] = Counter()
    dismissed: Counter[str] = Counter()
    for report in members:
        for category in report.categories:
            accepted[category.category] += min(category.accepted, OUTCOME_CAP)
            dismissed[category.category] += min(category.dismissed, OUTCOME_CAP)
    means = {
        name: round((accepted[name] + 1) / (accepted[name] + dismissed[name] + 2), 4)
        for name in accepted.keys() | dismissed.keys()
    }
    total_a, total_d = sum(accepted.values()), sum(dismissed.values())
    literacies = [
        float(r.financial_literacy.learned)
        for r in members
        if r.financial_literacy.learned is not None and r.financial_literacy.learned_confidence > 0
    ]
    details = [
        r.detail_level.learned
        for r in members
        if r.detail_level.learned is not None and r.detail_level.learned_confidence >= 0.3
    ]
    frequencies = [
        r.notification_frequency.learned
        for r in members
        if r.notification_frequency.learned is not None
    ]
    return SegmentPriors(
        segment=segment,
        label=label,
        category_means=means,
        default_mean=round((total_a + 1) / (total_a + total_d + 2), 4),
        literacy=statistics.median(literacies) if literacies else 5.0,
        detail_level=Counter(details).most_common(1)[0][0] if details else DetailLevel.MODERATE,
        notification_frequency=Counter(frequencies).most_common(1)[0][0]
        if frequencies
        else NotificationFrequency.WEEKLY,
        sessions_per_week=round(statistics.median(r.sessions_per_week for r in members), 3)
        if members
        else 0.0,
    )


def _label(members: Sequence[ProfileReport]) -> tuple[str, dict[str, object]]:
    engagement = Counter(r.engagement_level for r in members).most_common(1)[0][0]
    style = Counter(r.investment_style.learned for r in members).most_common(1)[0][0]
    stage = Counter(r.life_stage.value for r in members).most_common(1)[0][0]
    style_name = "unknown" if style is None else style.value
    label = f"{engagement.value} engagement, {style_name}, {stage.value}"
    viewed = sum(r.recommendations_viewed for r in members)
    accepted = sum(r.recommendations_accepted for r in members)
    profile: dict[str, object] = {
        "engagement_level": engagement.value,
        "investment_style": style_name,
        "life_stage": stage.value,
        "median_sessions_per_week": round(
            statistics.median(r.sessions_per_week for r in members), 3
        ),
        "acceptance_rate": None if viewed == 0 else round(accepted / viewed, 4),
    }
    return label, profile


def fit_segments(
    items: Sequence[SegmentInput],
    *,
    version: int,
    fitted_at: datetime,
    clusters: int = 0,
    seed: int = 7,
) -> SegmentModel:
    """Fit k-means on robustly scaled features; ``clusters=0`` picks k in 3..8 by silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    if len(items) < 3:
        raise ValueError(f"segmentation needs at least 3 clients with a profile, not {len(items)}")
    matrix = np.asarray([features(item) for item in items], dtype=np.float64)
    center = np.median(matrix, axis=0)
    q75, q25 = np.percentile(matrix, [75, 25], axis=0)
    spread = q75 - q25
    fallback = matrix.std(axis=0)
    scale = np.where(spread > 1e-9, spread, np.where(fallback > 1e-9, fallback, 1.0))
    scaled = np.clip((matrix - center) / scale, -_CLIP, _CLIP)
    distinct = len(np.unique(scaled, axis=0))
    rng = np.random.default_rng(seed)
    sample = (
        scaled if len(scaled) <= 3_000 else scaled[rng.choice(len(scaled), 3_000, replace=False)]
    )
    candidates = [clusters] if clusters else list(range(3, 9))
    candidates = [k for k in candidates if k <= distinct] or [min(distinct, 2) or 1]
    best: tuple[float, KMeans] | None = None
    for k in candidates:
        model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(scaled)
        score = (
            float(silhouette_score(sample, model.predict(sample), random_state=seed))
            if 1 < k < len(sample) and len(set(model.predict(sample))) > 1
            else -1.0
        )
        if best is None or score > best[0]:
            best = (score, model)
    assert best is not None
    score, model = best
    labels = model.labels_
    reports = [item.report for item in items]
    priors: list[SegmentPriors] = []
    profiles: list[dict[str, object]] = []
    sizes: list[int] = []
    for segment in range(model.n_clusters):
        members = [reports[i] for i in np.flatnonzero(labels == segment)]
        sizes.append(len(members))
        if members:
            label, profile = _label(members)
        else:
            label, profile = "empty", {}
        priors.append(segment_priors(segment, label, members))
        profiles.append(profile)
    rates = np.asarray([r.events_per_week for r in reports])
    return SegmentModel(
        version=version,
        fitted_at=fitted_at,
        center=tuple(float(x) for x in center),
        scale=tuple(float(x) for x in scale),
        centroids=tuple(tuple(float(x) for x in row) for row in model.cluster_centers_),
        sizes=tuple(sizes),
        priors=tuple(priors),
        silhouette=None if score < -0.5 else round(score, 4),
        outlier_events_per_week=round(max(50.0, float(np.percentile(rates, 99)) * 5), 2),
        profiles=tuple(profiles),
    )
