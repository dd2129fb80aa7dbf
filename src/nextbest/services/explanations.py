"""Why a recommendation was served, rebuilt from the decision log: for the client and for staff.

An explanation reads only what the decision stored when it was made (the score components, the
model behind each propensity, the evidence, the text shown, the arbitration trace and the
versions), so it says what was decided then, not what today's models would do. A recommendation
served again later keeps its first decision, and that is the one explained.

Logs written by older versions may lack keys; every reader here treats a missing or ill-typed
value as "not recorded" (staff see the list under ``not_recorded``), never as an error.

The readers are in ``explanation_log``, the two audiences in ``explanation_staff`` and
``explanation_client``; this module is the service and the public names.
"""

from __future__ import annotations

from datetime import datetime

from nextbest.decision.contact import ContactPolicy
from nextbest.errors import NotFound
from nextbest.services.explanation_client import ClientExplanation, Control, client_explanation
from nextbest.services.explanation_log import NOT_RECORDED, Audience, Logged
from nextbest.services.explanation_staff import (
    Component,
    StaffExplanation,
    TraceEntry,
    arbitration_trace,
    score_components,
    staff_explanation,
)
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = [
    "NOT_RECORDED",
    "Audience",
    "ClientExplanation",
    "Component",
    "Control",
    "Logged",
    "StaffExplanation",
    "TraceEntry",
    "arbitration_trace",
    "client_explanation",
    "explain",
    "score_components",
    "staff_explanation",
]


# -- the service ----------------------------------------------------------------------------


def explain(
    recommendation_id: str,
    *,
    audience: Audience,
    uow: UnitOfWork,
    contact: ContactPolicy,
    now: datetime,
) -> ClientExplanation | StaffExplanation:
    """The explanation of a served recommendation for ``audience``, from its first decision.
    ``contact`` holds today's contact rules (what dismissing would do from now on)."""
    with uow:
        recommendation = uow.recommendations.get(recommendation_id)
        if recommendation is None:
            raise NotFound("recommendation", recommendation_id)
        record = uow.recommendations.decision(recommendation.decision_id)
        changes = uow.recommendations.changes(recommendation_id)
    logged = Logged.of(recommendation, record, changes)
    if audience is Audience.STAFF:
        return staff_explanation(logged)
    return client_explanation(logged, contact=contact, now=now)
