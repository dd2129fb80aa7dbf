"""Word lists the deterministic stages share: stop words, topics and goal types.

Kept as data in one place so a reviewer can read (and a product owner can extend) exactly which
words lead to which topic or goal type. Keywords are lower case; a keyword of several words
matches as a phrase, and one ending in ``*`` matches any word it starts (``retir*``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import MappingProxyType

from nextbest.domain.enums import GoalType

__all__ = ["GOAL_KEYWORDS", "STOPWORDS", "TOPIC_KEYWORDS", "keyword_pattern"]


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive pattern for a keyword list (``*`` at the end is a word prefix).

    >>> [m.group() for m in keyword_pattern(["retir*", "on track"]).finditer("On track to retire")]
    ['On track', 'retire']
    """
    parts = sorted(
        (
            re.escape(word[:-1]) + r"[\w'-]*" if word.endswith("*") else re.escape(word) + r"\b"
            for word in keywords
        ),
        key=len,
        reverse=True,
    )
    return re.compile(r"\b(?:" + "|".join(parts) + ")", re.IGNORECASE)


STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each either else ever every few for from further get gets got
    had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its itself just
    let's like me might more most much must mustn't my myself need needs no nor not now of off
    often on once one only or other ought our ours ourselves out over own please really same shall
    shan't she she'd she'll she's should shouldn't since so some still such than that that's the
    their theirs them themselves then there there's these they they'd they'll they're they've this
    those though through to too under until up upon us very want wants was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's whether which while who who's
    whom why why's will with within without won't would wouldn't yes yet you you'd you'll you're
    you've your yours yourself yourselves next last new good great well back way thing things lot
    lots bit sure okay ok hi hello hey thanks thank cheers able going go make made know think
    tell say said see look help let give take put keep right even still already soon
    """.split()
)
"""English function words and filler that never make a key phrase on their own."""

TOPIC_KEYWORDS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "RETIREMENT": ("retir*", "pension*", "annuit*", "401k", "ira", "sipp", "drawdown",
                       "preservation fund", "state pension", "stop working"),
        "TAX": ("tax*", "isa allowance", "capital gains", "cgt", "hmrc", "sars", "irs",
                "tax-free", "tfsa", "dividend tax", "tax year"),
        "ESG": ("esg", "ethical*", "sustainab*", "green", "climate", "carbon", "fossil*",
                "renewable*", "tobacco", "weapons", "gambling", "impact investing", "net zero",
                "halal", "sharia", "responsib*"),
        "MARKETS": ("market*", "volatil*", "crash*", "recession", "downturn", "bear market",
                    "sell-off", "inflation", "interest rate*", "stock market", "turmoil"),
        "FEES": ("fee*", "charge*", "cost*", "expense ratio", "ter", "commission*"),
        "GOALS": ("goal*", "target*", "on track", "deposit", "saving for", "save for"),
        "SAVINGS": ("cash", "savings", "emergency fund", "rainy day", "interest", "buffer",
                    "safety net", "money market"),
        "CONTRIBUTIONS": ("contribut*", "debit order", "direct debit", "top up", "lump sum",
                          "monthly payment*", "pay in", "invest more"),
        "PERFORMANCE": ("perform*", "return*", "growth", "gain*", "loss*", "benchmark",
                        "portfolio value", "worth"),
        "RISK": ("risk*", "rebalanc*", "allocation", "diversif*", "concentrat*", "exposure",
                 "aggressive", "conservative", "cautious", "bonds", "equities"),
        "ADVICE": ("advis*", "adviser*", "planner*", "speak to", "talk to", "call me", "meeting",
                   "appointment", "review"),
        "COMPLAINT": ("complain*", "complaint*", "unacceptable", "disappointed", "ombudsman",
                      "terrible", "appalling", "disgrace*", "unhappy", "furious"),
        "LIFE_EVENTS": ("married", "wedding", "divorc*", "baby", "pregnan*", "redundan*",
                        "lost my job", "inherit*", "passed away", "new job", "emigrat*",
                        "promotion", "maternity"),
        "CARDS": ("card*", "pin", "contactless", "atm", "apple pay", "google pay"),
        "PAYMENTS": ("transfer*", "payment*", "refund*", "direct debit", "beneficiary",
                     "exchange rate", "top-up", "top up", "withdraw*"),
        "SECURITY": ("fraud*", "stolen", "compromised", "hacked", "scam*", "verify", "identity",
                     "passcode", "password"),
    }
)  # fmt: skip
"""Topic name to the keywords that raise it."""

GOAL_KEYWORDS: MappingProxyType[GoalType, tuple[str, ...]] = MappingProxyType(
    {
        GoalType.RETIREMENT: ("retir*", "pension*", "401k", "ira", "sipp", "stop working",
                              "retirement annuity"),
        GoalType.EDUCATION: ("education", "university", "uni", "college", "school fees",
                             "tuition", "studies", "gap year"),
        GoalType.HOME_PURCHASE: ("house", "home", "flat", "apartment", "property", "deposit",
                                 "mortgage", "first home"),
        GoalType.EMERGENCY_FUND: ("emergency fund", "emergency", "rainy day", "safety net",
                                  "buffer"),
        GoalType.MAJOR_PURCHASE: ("car", "wedding", "holiday", "boat", "kitchen", "renovation*",
                                  "motorbike", "trip", "sabbatical", "travel fund"),
        GoalType.LEGACY: ("legacy", "grandchildren", "estate", "leave money", "inheritance for",
                          "bequest"),
        GoalType.WEALTH_GROWTH: ("grow my wealth", "wealth growth", "build wealth",
                                 "financial independence", "grow my money"),
    }
)  # fmt: skip
"""Goal type to the words that name it in a message."""
