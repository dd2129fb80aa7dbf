"""The closed sets of values nextbest understands; each ``StrEnum`` is its own wire form."""

from enum import StrEnum

__all__ = [
    "AccountType",
    "AssetClass",
    "Channel",
    "CommentaryTone",
    "ConsentPurpose",
    "Controversy",
    "DetailLevel",
    "EngagementLevel",
    "EsgFocus",
    "EventType",
    "GoalType",
    "IncomeBand",
    "InvestmentStyle",
    "LifeStage",
    "NetWorthBand",
    "NotificationFrequency",
    "Priority",
    "RiskTolerance",
    "Sector",
    "TaxWrapper",
]


class GoalType(StrEnum):
    RETIREMENT = "RETIREMENT"
    EDUCATION = "EDUCATION"
    HOME_PURCHASE = "HOME_PURCHASE"
    EMERGENCY_FUND = "EMERGENCY_FUND"
    WEALTH_GROWTH = "WEALTH_GROWTH"
    MAJOR_PURCHASE = "MAJOR_PURCHASE"
    LEGACY = "LEGACY"
    CUSTOM = "CUSTOM"


class Priority(StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class RiskTolerance(StrEnum):
    """Stated risk tolerance; seed 002's LOW/MEDIUM/HIGH with the two extremes a planner uses."""

    VERY_LOW = "VERY_LOW"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    VERY_HIGH = "VERY_HIGH"


class IncomeBand(StrEnum):
    """Annual household income, in the client's base currency, banded so no exact figure is held."""

    LOW = "LOW"
    LOWER_MIDDLE = "LOWER_MIDDLE"
    MIDDLE = "MIDDLE"
    UPPER_MIDDLE = "UPPER_MIDDLE"
    HIGH = "HIGH"


class NetWorthBand(StrEnum):
    MASS_MARKET = "MASS_MARKET"
    MASS_AFFLUENT = "MASS_AFFLUENT"
    AFFLUENT = "AFFLUENT"
    HIGH_NET_WORTH = "HIGH_NET_WORTH"
    ULTRA_HIGH_NET_WORTH = "ULTRA_HIGH_NET_WORTH"


class EsgFocus(StrEnum):
    NONE = "NONE"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class CommentaryTone(StrEnum):
    CONCISE = "CONCISE"
    EMPATHETIC = "EMPATHETIC"
    ANALYTICAL = "ANALYTICAL"
    ENCOURAGING = "ENCOURAGING"


class DetailLevel(StrEnum):
    CONCISE = "CONCISE"
    MODERATE = "MODERATE"
    DETAILED = "DETAILED"


class NotificationFrequency(StrEnum):
    """How often a client wants to hear from nextbest (seed 002)."""

    REAL_TIME = "REAL_TIME"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class EngagementLevel(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class InvestmentStyle(StrEnum):
    """How a client engages with investing, inferred from what they use and read."""

    HANDS_OFF = "HANDS_OFF"
    GOAL_BASED = "GOAL_BASED"
    SELF_DIRECTED = "SELF_DIRECTED"


class LifeStage(StrEnum):
    EARLY_CAREER = "EARLY_CAREER"
    FAMILY_BUILDING = "FAMILY_BUILDING"
    MID_CAREER = "MID_CAREER"
    PRE_RETIREMENT = "PRE_RETIREMENT"
    RETIRED = "RETIRED"


class ConsentPurpose(StrEnum):
    """What a client may consent to, one purpose at a time (GDPR art. 6, POPIA s. 11)."""

    PERSONALIZATION = "PERSONALIZATION"
    TRACKING = "TRACKING"
    MARKETING = "MARKETING"


class AssetClass(StrEnum):
    EQUITY = "EQUITY"
    BOND = "BOND"
    CASH = "CASH"
    PROPERTY = "PROPERTY"
    ALTERNATIVE = "ALTERNATIVE"


class Sector(StrEnum):
    """GICS level-1 sectors, plus the ones cash, funds and government bonds fall in."""

    COMMUNICATION_SERVICES = "COMMUNICATION_SERVICES"
    CONSUMER_DISCRETIONARY = "CONSUMER_DISCRETIONARY"
    CONSUMER_STAPLES = "CONSUMER_STAPLES"
    ENERGY = "ENERGY"
    FINANCIALS = "FINANCIALS"
    HEALTH_CARE = "HEALTH_CARE"
    INDUSTRIALS = "INDUSTRIALS"
    INFORMATION_TECHNOLOGY = "INFORMATION_TECHNOLOGY"
    MATERIALS = "MATERIALS"
    REAL_ESTATE = "REAL_ESTATE"
    UTILITIES = "UTILITIES"
    GOVERNMENT = "GOVERNMENT"
    DIVERSIFIED = "DIVERSIFIED"
    CASH = "CASH"


class Controversy(StrEnum):
    """Business involvements that clients commonly exclude (the usual negative screens)."""

    TOBACCO = "TOBACCO"
    GAMBLING = "GAMBLING"
    WEAPONS = "WEAPONS"
    FOSSIL_FUELS = "FOSSIL_FUELS"
    ALCOHOL = "ALCOHOL"
    ADULT_ENTERTAINMENT = "ADULT_ENTERTAINMENT"
    NUCLEAR_POWER = "NUCLEAR_POWER"
    ANIMAL_TESTING = "ANIMAL_TESTING"


class AccountType(StrEnum):
    TAXABLE = "TAXABLE"
    RETIREMENT = "RETIREMENT"
    EDUCATION = "EDUCATION"
    TAX_FREE_SAVINGS = "TAX_FREE_SAVINGS"
    CASH = "CASH"


class TaxWrapper(StrEnum):
    """The tax treatment of an account, by country (UK, South Africa, US)."""

    NONE = "NONE"
    ISA = "ISA"
    SIPP = "SIPP"
    LISA = "LISA"
    JISA = "JISA"
    TFSA = "TFSA"
    RETIREMENT_ANNUITY = "RETIREMENT_ANNUITY"
    PRESERVATION_FUND = "PRESERVATION_FUND"
    IRA = "IRA"
    ROTH_IRA = "ROTH_IRA"
    K401 = "401K"
    PLAN_529 = "529"


class Channel(StrEnum):
    IN_APP = "IN_APP"
    WEB = "WEB"
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    ADVISOR = "ADVISOR"


class EventType(StrEnum):
    """Seed 002's interaction types plus session events."""

    RECOMMENDATION_VIEWED = "RECOMMENDATION_VIEWED"
    RECOMMENDATION_ACCEPTED = "RECOMMENDATION_ACCEPTED"
    RECOMMENDATION_DISMISSED = "RECOMMENDATION_DISMISSED"
    FEATURE_USED = "FEATURE_USED"
    GOAL_CREATED = "GOAL_CREATED"
    CONTENT_READ = "CONTENT_READ"
    TIME_SPENT = "TIME_SPENT"
    SEARCH_PERFORMED = "SEARCH_PERFORMED"
    LOGIN = "LOGIN"
    LOGOUT = "LOGOUT"
    PAGE_VIEW = "PAGE_VIEW"
    FEEDBACK = "FEEDBACK"
