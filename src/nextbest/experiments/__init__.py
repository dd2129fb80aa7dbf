"""Experiments: deterministic assignment and the statistics a data scientist would trust.

Pure library code — no storage, HTTP or clock. ``assignment`` decides who sees what;
``sufficient`` holds the mergeable counts storage keeps per variant and day; ``analysis`` turns
them into an ``ExperimentResult`` (``frequentist``, ``bayesian``, ``sequential``, ``srm``,
``corrections``, ``verdict``); ``power`` plans the sample size; ``plot`` draws the lift over
time.
"""

from nextbest.experiments.analysis import (
    ExperimentResult,
    LiftPoint,
    VariantResult,
    analyse,
    lift_over_time,
)
from nextbest.experiments.assignment import (
    BUCKETS,
    Assignment,
    Environment,
    Exclusion,
    ExperimentSpec,
    Layer,
    LayerSlot,
    Variant,
    assign,
    bucket,
    conflicts_with_hash,
)
from nextbest.experiments.bayesian import BayesianResult, bayesian
from nextbest.experiments.comparison import AnalysisPlan, Metric, MetricComparison
from nextbest.experiments.corrections import Correction, adjust
from nextbest.experiments.frequentist import LiftEstimate, lift
from nextbest.experiments.power import SampleSize, sample_size
from nextbest.experiments.sequential import SequentialResult, sequential_test
from nextbest.experiments.srm import SrmCheck, sample_ratio_mismatch
from nextbest.experiments.sufficient import (
    REASONS,
    DayStats,
    Degenerate,
    Moments,
    Proportion,
    Statistic,
    cumulative,
    totals,
)
from nextbest.experiments.verdict import Verdict, VerdictKind

__all__ = [
    "BUCKETS",
    "REASONS",
    "AnalysisPlan",
    "Assignment",
    "BayesianResult",
    "Correction",
    "DayStats",
    "Degenerate",
    "Environment",
    "Exclusion",
    "ExperimentResult",
    "ExperimentSpec",
    "Layer",
    "LayerSlot",
    "LiftEstimate",
    "LiftPoint",
    "Metric",
    "MetricComparison",
    "Moments",
    "Proportion",
    "SampleSize",
    "SequentialResult",
    "SrmCheck",
    "Statistic",
    "Variant",
    "VariantResult",
    "Verdict",
    "VerdictKind",
    "adjust",
    "analyse",
    "assign",
    "bayesian",
    "bucket",
    "conflicts_with_hash",
    "cumulative",
    "lift",
    "lift_over_time",
    "sample_ratio_mismatch",
    "sample_size",
    "sequential_test",
    "totals",
]
