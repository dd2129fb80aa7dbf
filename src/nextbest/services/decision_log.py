"""The decision log entry of an answer, and the items an answer is made of.

What is stored is what the explanation endpoint and an off-policy evaluation will need later:
the point-in-time features, every action considered with each score component or the reason it
was removed, the model behind each propensity and the serving probability of each served action,
the versions in force, and what the client was shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nextbest.behavior.profile import ProfileReport
from nextbest.decision.catalog import Action
from nextbest.decision.engine import Decision, Served
from nextbest.decision.features import named
from nextbest.decision.policy import ScoreParts
from nextbest.domain.candidate import Candidate
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Recommendation, Status
from nextbest.presentation import Presented
from nextbest.storage.repositories.recommendations import DecisionRecord

__all__ = ["AnswerItem", "decision_record", "named_context"]


@dataclass(frozen=True, slots=True)
class AnswerItem:
    recommendation: Recommendation
    action: Action
    candidate: Candidate | None
    score: ScoreParts
    presented: Presented
    source: str

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.presented.reasons


def decision_record(
    decision_id: str,
    client_id: ClientId,
    decision: Decision,
    items: Sequence[AnswerItem],
    profile: ProfileReport,
    *,
    versions: Mapping[str, Any],
) -> DecisionRecord:
    """The decision log entry of one answer: features, every action considered with its score
    parts or removal reason, what was served and shown, and ``versions`` (models, catalog,
    signal engine, data gate) beside the decision's fallback."""
    served = {item.recommendation.candidate_key: item for item in items}
    considered: list[dict[str, Any]] = []
    for c in decision.considered:
        entry: dict[str, Any] = {
            "key": c.key,
            "action_id": c.action.action_id,
            "category": c.action.category.value,
            "mandatory": c.action.mandatory,
            "regulated": c.action.regulated,
        }
        if c.removed is not None:
            entry["removed"] = c.removed.value
            entry["reason"] = c.reason
        if c.score is not None:
            entry["score"] = {
                "propensity": c.score.propensity,
                "context_weight": c.score.context_weight,
                "value": str(c.score.value),
                "value_weight": c.score.value_weight,
                "lever": c.score.lever,
                "priority": c.score.priority,
            }
            entry["source"] = decision.sources.get(c.key, "mandatory")
        item = served.get(c.key)
        if c.candidate is not None:
            entry["signal"] = c.candidate.signal.value
            entry["urgency"] = c.candidate.urgency
            if item is not None:  # the numbers behind what was served, as they were then
                entry["evidence"] = dict(c.candidate.evidence)
        if item is not None:
            entry["rank"] = c.rank
            entry["recommendation_id"] = item.recommendation.recommendation_id
            entry["probability"] = item.recommendation.probability
            entry["reused"] = item.recommendation.decision_id != decision_id
            # a regulated suggestion waits for an advisor: decided, not yet shown
            entry["held_for_review"] = item.recommendation.status is Status.PENDING_REVIEW
            presented = item.presented
            entry["presented"] = {  # what the client was shown, for the explanation later
                "title": presented.title,
                "text": presented.text,
                "reasons": list(presented.reasons),
                "numbers": {
                    name: {"source": shown.source, "exact": str(shown.exact), "shown": shown.text}
                    for name, shown in presented.numbers.items()
                },
            }
        considered.append(entry)
    return DecisionRecord(
        decision_id=decision_id,
        client_id=client_id,
        channel=decision.channel,
        policy=decision.policy.value,
        decided_at=decision.decided_at,
        features={
            "client": dict(decision.features),
            "profile_status": profile.status.value,
            "personal_weight": profile.personal_weight,
            "segment": decision.segment,
            "served": {
                item.recommendation.recommendation_id: named_context(served_item)
                for item, served_item in zip(items, decision.served, strict=True)
            },
        },
        considered=considered,
        versions={**versions, "fallback": decision.fallback},
    )


def named_context(served: Served) -> dict[str, float]:
    return named(np.asarray(served.context, dtype=np.float64))
