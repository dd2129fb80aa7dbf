"""The verdict: seed 002's rule, made safe to apply every day.

Seed 002 rolls out the winner when its lift over control exceeds 10% and the test is
significant at 95%, and otherwise keeps testing. Read literally on a dashboard refreshed daily
that rule finds winners that are not there, so here:

* *significant* means the corrected p-value (Holm or Benjamini-Hochberg across every variant
  and metric) is below alpha — the always-valid sequential one at any time, or the fixed-horizon
  one once every arm has reached the minimum sample size;
* the lift threshold applies to the point estimate of the relative lift in the success metric's
  good direction, as in the seed;
* a sample-ratio mismatch comes first: with a broken split no result can be trusted
  (``CHECK_SETUP``);
* a variant that makes a guardrail significantly worse (by the always-valid test, so it may be
  caught on any day) or is significantly worse on the success metric is stopped
  (``STOP_FOR_HARM``) — the seed has no guardrails, but a wording that doubles dismissals
  should not wait for the horizon;
* at the horizon with no winner the answer is ``KEEP_CONTROL`` (the seed's "refine the
  hypothesis"), not another month of testing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from nextbest.experiments.comparison import AnalysisPlan, MetricComparison
from nextbest.experiments.srm import SrmCheck

__all__ = ["Verdict", "VerdictKind", "decide"]


class VerdictKind(StrEnum):
    ROLL_OUT = "ROLL_OUT"
    KEEP_TESTING = "KEEP_TESTING"
    KEEP_CONTROL = "KEEP_CONTROL"
    STOP_FOR_HARM = "STOP_FOR_HARM"
    CHECK_SETUP = "CHECK_SETUP"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do, for which variant (None when it concerns the experiment), and why."""

    kind: VerdictKind
    variant: str | None
    reason: str


def _percent(value: float) -> str:
    return f"{value * 100:+.1f}%"


def _significant(item: MetricComparison, alpha: float, at_horizon: bool) -> bool:
    sequential = item.adjusted_sequential_p_value
    fixed = item.adjusted_p_value
    return (sequential is not None and sequential < alpha) or (
        at_horizon and fixed is not None and fixed < alpha
    )


def _p_text(item: MetricComparison, at_horizon: bool) -> str:
    fixed, sequential = item.adjusted_p_value, item.adjusted_sequential_p_value
    if at_horizon and fixed is not None:
        return f"adjusted p = {fixed:.3g}"
    if sequential is not None:
        return f"always-valid adjusted p = {sequential:.3g}"
    return "no p-value" if fixed is None else f"adjusted p = {fixed:.3g}"


def decide(
    comparisons: Sequence[MetricComparison],
    *,
    plan: AnalysisPlan,
    srm: SrmCheck,
    at_horizon: bool,
    progress: str,
) -> Verdict:
    """The verdict for an experiment's comparisons (every treatment, every metric).

    ``at_horizon``: every arm has reached the plan's minimum sample size. ``progress`` is a
    short account of the sample so far, used in the "keep testing" reason.
    """
    if not comparisons:
        return Verdict(
            VerdictKind.CHECK_SETUP, None, "the experiment has no variant besides its control"
        )
    if srm.mismatch:
        return Verdict(VerdictKind.CHECK_SETUP, None, f"sample ratio mismatch: {srm.reason}")
    for item in comparisons:
        is_guardrail = item.metric != plan.success
        harmed = not item.better and item.lift.absolute not in (None, 0.0)
        # The success metric is judged at the horizon anyway (KEEP_CONTROL); before it, only
        # the always-valid test may stop a variant, on any metric.
        if harmed and _significant(item, plan.alpha, at_horizon and is_guardrail):
            kind = "guardrail" if is_guardrail else "success metric"
            change = _percent(item.lift.relative) if item.lift.relative is not None else "worse"
            return Verdict(
                VerdictKind.STOP_FOR_HARM,
                item.variant,
                f"stop {item.variant}: it makes the {kind} {item.metric.name} worse "
                f"({change}, {_p_text(item, at_horizon and is_guardrail)}); other variants may "
                "continue",
            )
    success = [item for item in comparisons if item.metric == plan.success]
    winners = [
        item
        for item in success
        if item.improvement is not None
        and item.improvement > plan.min_relative_lift
        and _significant(item, plan.alpha, at_horizon)
    ]
    if winners:
        best = max(winners, key=lambda item: item.improvement or 0.0)
        assert best.improvement is not None
        interval = best.lift.relative_ci
        shown = f" (CI {_percent(interval[0])} to {_percent(interval[1])})" if interval else ""
        return Verdict(
            VerdictKind.ROLL_OUT,
            best.variant,
            f"roll out {best.variant}: {best.metric.name} {_percent(best.lift.relative or 0.0)}"
            f"{shown} against control, past the {_percent(plan.min_relative_lift)} threshold, "
            f"{_p_text(best, at_horizon)} ({plan.correction.value.lower()})",
        )
    if at_horizon:
        return Verdict(
            VerdictKind.KEEP_CONTROL,
            None,
            "every arm has reached the minimum sample size and no variant beat the control by "
            f"more than {_percent(plan.min_relative_lift)} with significance: keep the control "
            "or refine the hypothesis",
        )
    blocked = [item.lift.reason for item in success if item.lift.reason]
    detail = (
        f"; {blocked[0]}" if blocked and all(item.lift.p_value is None for item in success) else ""
    )
    return Verdict(
        VerdictKind.KEEP_TESTING,
        None,
        f"no variant is a significant winner yet ({progress}){detail}",
    )
