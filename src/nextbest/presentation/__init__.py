"""Presentation: every suggestion written for its reader, with numbers that trace to evidence.

The public surface, in the order the decision loop uses it::

    reader = reader_for(client, profile)             # detail, literacy, tone, locale, currency
    reasons = reasons_for(action, candidate, client, profile)
    presented = presenter.render(action, candidate, client, reader,
                                 framing=Framing(), reasons=reasons)

``Presenter`` compiles the templates once (build one per process, or use
``default_presenter()``); ``insight_report`` writes the narrative on a client's portfolio.
"""

from nextbest.presentation.figures import Formatter, Shown, planner_round
from nextbest.presentation.framing import (
    DEFAULT_SOCIAL_PROOF_FLOOR,
    BenefitEmphasis,
    Framing,
    UrgencyFraming,
)
from nextbest.presentation.insights import Insight, build_insight, insight_report
from nextbest.presentation.library import TemplateError, TemplateLibrary, load_library
from nextbest.presentation.presenter import (
    PresentationError,
    Presented,
    Presenter,
    default_presenter,
    render,
)
from nextbest.presentation.reader import LOCALES, LiteracyBand, Reader, default_tone, reader_for
from nextbest.presentation.reasons import reasons_for

__all__ = [
    "DEFAULT_SOCIAL_PROOF_FLOOR",
    "LOCALES",
    "BenefitEmphasis",
    "Formatter",
    "Framing",
    "Insight",
    "LiteracyBand",
    "PresentationError",
    "Presented",
    "Presenter",
    "Reader",
    "Shown",
    "TemplateError",
    "TemplateLibrary",
    "UrgencyFraming",
    "build_insight",
    "default_presenter",
    "default_tone",
    "insight_report",
    "load_library",
    "planner_round",
    "reader_for",
    "reasons_for",
    "render",
]
