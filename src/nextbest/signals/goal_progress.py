"""GOAL_PROGRESS: is each goal on track, and if not, what would put it back?

Each goal is projected by Monte Carlo (:mod:`nextbest.finance.simulation`) from what funds it
(:mod:`nextbest.signals.goal_funding`), invested along the client's glide path, to the end of its
target year. Target amounts are read as today's money, so success is judged on the real outcome.
A goal is on track when the probability of success reaches the threshold of its priority
(``thresholds``: HIGH 85%, MEDIUM 75%, LOW 60%).

Off track, the candidate is INCREASE_CONTRIBUTION by the exact extra monthly amount the solver
finds, with the two other levers a planner offers in ``detail``: the earliest later target year
that works with today's saving and the largest target that does. Urgency grows with the gap to
the threshold and as the target nears::

    urgency = 30 + 50 * gap / threshold + 20 * max(0, 1 - years_to_target / 10)

On track, the candidate is a GOAL_ON_TRACK insight with low urgency (``on_track_urgency``), so
good news can be shown too; ``on_track_insights=False`` turns those off.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal

from nextbest.domain.candidate import ActionType, Benefit, Candidate, SignalType
from nextbest.domain.client import Goal
from nextbest.domain.enums import Priority
from nextbest.finance.glide_path import DEFAULT_GLIDE_PATH, GlidePath
from nextbest.finance.projection import GoalProjection, summarise
from nextbest.finance.simulation import DEFAULT_PATHS, LaterTargetSimulations
from nextbest.finance.solvers import (
    PRIORITY_THRESHOLDS,
    later_target_year,
    required_contribution,
    smaller_target,
)
from nextbest.signals.amounts import CENT, money, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.goal_funding import (
    GoalFunding,
    category_of,
    goal_funding,
    goal_label,
    months_to_target,
)

__all__ = ["GoalProgressDetector"]

_PROBABILITY = Decimal("0.0001")


def _p(value: float) -> Decimal:
    return Decimal(str(value)).quantize(_PROBABILITY)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


class GoalProgressDetector:
    """Projects every goal and suggests the saving that puts an off-track goal back on track."""

    name = "goal_progress"

    def __init__(
        self,
        *,
        paths: int = DEFAULT_PATHS,
        thresholds: Mapping[Priority, float] = PRIORITY_THRESHOLDS,
        glide_path: GlidePath = DEFAULT_GLIDE_PATH,
        max_extra_years: int = 15,
        on_track_insights: bool = True,
        on_track_urgency: int = 10,
    ) -> None:
        self.paths = paths
        self.thresholds = thresholds
        self.glide_path = glide_path
        self.max_extra_years = max_extra_years
        self.on_track_insights = on_track_insights
        self.on_track_urgency = on_track_urgency

    def detect(self, context: SignalContext) -> list[Candidate]:
        found: list[Candidate] = []
        for goal in context.client.profile.goals:
            candidate = self._goal(goal, context)
            if candidate is not None:
                found.append(candidate)
        return found

    def _goal(self, goal: Goal, context: SignalContext) -> Candidate | None:
        funding = goal_funding(goal, context.portfolio, context.master)
        months = months_to_target(goal.target_year, context.as_of)
        later = LaterTargetSimulations(
            months=months,
            max_extra_years=self.max_extra_years,
            assumptions=context.assumptions,
            glide_path=self.glide_path,
            risk_tolerance=context.client.risk_tolerance,
            paths=self.paths,
            seed=context.seed,
        )
        simulation = later[0]
        initial = float(funding.value)
        saving = float(funding.monthly_contribution)
        target = float(goal.target_amount)
        projection = summarise(
            simulation, initial_value=initial, monthly_contribution=saving, target_amount=target
        )
        threshold = self.thresholds[goal.priority]
        evidence = _evidence(goal, funding, projection, months, threshold, context)
        if projection.probability_real >= threshold:
            if not self.on_track_insights:
                return None
            return Candidate(
                key=f"{SignalType.GOAL_PROGRESS}:{goal.goal_id}:on_track",
                signal=SignalType.GOAL_PROGRESS,
                action_type=ActionType.GOAL_ON_TRACK,
                category=category_of(goal),
                urgency=self.on_track_urgency,
                goal_id=goal.goal_id,
                benefit=Benefit(
                    f"You are on track for {goal_label(goal)}: a "
                    f"{_pct(projection.probability_real)} chance of reaching it at today's saving.",
                    percentage=_p(projection.probability_real * 100).quantize(Decimal("0.01")),
                ),
                evidence=evidence,
            )
        needed = required_contribution(
            simulation, initial_value=initial, target_amount=target, threshold=threshold
        )
        # Up, not to the nearest cent: a declared funding_share can leave today's saving a
        # fraction of a cent short of the answer, which must not round to "0.00 more".
        extra = (Decimal(str(needed.monthly_contribution)) - funding.monthly_contribution).quantize(
            CENT, rounding=ROUND_CEILING
        )
        smaller = smaller_target(
            simulation, initial_value=initial, monthly_contribution=saving, threshold=threshold
        )
        later_year = later_target_year(
            later,
            initial_value=initial,
            monthly_contribution=saving,
            target_amount=target,
            threshold=threshold,
        )
        gap = threshold - projection.probability_real
        years = months / 12
        score = 30 + 50 * gap / threshold + 20 * max(0.0, 1 - years / 10)
        currency = context.client.base_currency
        return Candidate(
            key=f"{SignalType.GOAL_PROGRESS}:{goal.goal_id}",
            signal=SignalType.GOAL_PROGRESS,
            action_type=ActionType.INCREASE_CONTRIBUTION,
            category=category_of(goal),
            urgency=urgency(score),
            goal_id=goal.goal_id,
            benefit=Benefit(
                f"Saving {extra:,.2f} {currency} more a month would lift the chance of reaching "
                f"{goal_label(goal)} from {_pct(projection.probability_real)} to "
                f"{_pct(needed.probability)}.",
                amount=extra,
                percentage=(
                    (_p(needed.probability) - _p(projection.probability_real)) * 100
                ).quantize(Decimal("0.01")),
            ),
            evidence={
                **evidence,
                "required_monthly_contribution": str(
                    money(Decimal(str(needed.monthly_contribution)))
                ),
                "monthly_increase": str(extra),
                "probability_with_increase": str(_p(needed.probability)),
            },
            detail={
                "later_target_year": None
                if later_year is None
                else goal.target_year + later_year.extra_years,
                "later_target_year_probability": None
                if later_year is None
                else str(_p(later_year.probability)),
                "smaller_target_amount": str(money(Decimal(str(smaller.target_amount)))),
            },
        )


def _evidence(
    goal: Goal,
    funding: GoalFunding,
    projection: GoalProjection,
    months: int,
    threshold: float,
    context: SignalContext,
) -> dict[str, object]:
    return {
        "goal_type": goal.goal_type.value,
        "priority": goal.priority.value,
        "target_year": goal.target_year,
        "target_amount_today": str(goal.target_amount),
        "months_to_target": months,
        **funding.evidence(),
        "probability_real": str(_p(projection.probability_real)),
        "probability_nominal": str(_p(projection.probability_nominal)),
        "threshold": str(_p(threshold)),
        "outcome_today_p10": str(money(Decimal(str(projection.real.p10)))),
        "outcome_today_p50": str(money(Decimal(str(projection.real.p50)))),
        "outcome_today_p90": str(money(Decimal(str(projection.real.p90)))),
        "outcome_nominal_p50": str(money(Decimal(str(projection.nominal.p50)))),
        "risk_tolerance": context.client.risk_tolerance.value,
        "paths": projection.paths,
        "seed": projection.seed,
        "assumptions": context.assumptions.fingerprint(),
    }
