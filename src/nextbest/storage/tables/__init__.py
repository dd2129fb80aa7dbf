"""The relational schema, as SQLAlchemy 2 ORM rows, one module per area. Only ``storage``
imports this package.

Relationships load with ``lazy="raise"``: repositories say what they load, and an accidental
N+1 query fails loudly instead of slowly.
"""

from nextbest.storage.tables.base import Base, table_of
from nextbest.storage.tables.behaviour import (
    EventReceiptRow,
    EventRow,
    PersonalizationProfileRow,
    ProfileQueueRow,
    SegmentModelRow,
)
from nextbest.storage.tables.book import (
    AccountRow,
    ClientRow,
    ConsentRow,
    HoldingRow,
    PortfolioRow,
    SecurityRow,
    SignalCacheRow,
)
from nextbest.storage.tables.decisions import (
    DecisionRow,
    RecommendationFeedbackRow,
    RecommendationOutcomeRow,
    RecommendationReviewRow,
    RecommendationRow,
)
from nextbest.storage.tables.experiments import (
    ExperimentAssignmentRow,
    ExperimentDayStatsRow,
    ExperimentLayerRow,
    ExperimentRow,
)
from nextbest.storage.tables.messages import (
    AdvisorAlertRow,
    ConversationStateRow,
)
from nextbest.storage.tables.security import (
    ApiKeyRow,
    AuditLogRow,
    ErasureRow,
    LearnedStateRow,
    RateBucketRow,
)

__all__ = [
    "AccountRow",
    "AdvisorAlertRow",
    "ApiKeyRow",
    "AuditLogRow",
    "Base",
    "ClientRow",
    "ConsentRow",
    "ConversationStateRow",
    "DecisionRow",
    "ErasureRow",
    "EventReceiptRow",
    "EventRow",
    "ExperimentAssignmentRow",
    "ExperimentDayStatsRow",
    "ExperimentLayerRow",
    "ExperimentRow",
    "HoldingRow",
    "LearnedStateRow",
    "PersonalizationProfileRow",
    "PortfolioRow",
    "ProfileQueueRow",
    "RateBucketRow",
    "RecommendationFeedbackRow",
    "RecommendationOutcomeRow",
    "RecommendationReviewRow",
    "RecommendationRow",
    "SecurityRow",
    "SegmentModelRow",
    "SignalCacheRow",
    "table_of",
]
