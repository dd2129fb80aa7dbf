"""Who a text is written for: detail, literacy, tone, and the locale its numbers are written in.

A ``Reader`` is small and hashable: the decision loop builds one per client and request from the
client and its behaviour profile (``reader_for``), and the presenter keeps one number formatter
per locale and currency, not per reader.

>>> from nextbest.domain.enums import CommentaryTone, DetailLevel
>>> reader = Reader(DetailLevel.CONCISE, 2, CommentaryTone.EMPATHETIC, "en_GB", "GBP")
>>> reader.band
<LiteracyBand.LOW: 'LOW'>
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nextbest.behavior.profile import ProfileReport
from nextbest.domain.client import Client
from nextbest.domain.enums import CommentaryTone, DetailLevel

__all__ = ["DEFAULT_LOCALE", "LOCALES", "LiteracyBand", "Reader", "default_tone", "reader_for"]

LOCALES = {"GB": "en_GB", "ZA": "en_ZA", "US": "en_US"}
"""The locale numbers and dates are written in, by the client's country."""
DEFAULT_LOCALE = "en_GB"


class LiteracyBand(StrEnum):
    """Financial literacy 1-10 in three bands, each with its own wording.

    LOW (1-3): plain words, short sentences, a glossary of any term used; MIDDLE (4-7): everyday
    financial words; HIGH (8-10): the proper terms.
    """

    LOW = "LOW"
    MIDDLE = "MIDDLE"
    HIGH = "HIGH"

    @classmethod
    def of(cls, literacy: int) -> LiteracyBand:
        if not 1 <= literacy <= 10:
            raise ValueError(f"financial literacy is 1-10, not {literacy}")
        if literacy <= 3:
            return cls.LOW
        return cls.MIDDLE if literacy <= 7 else cls.HIGH


@dataclass(frozen=True, slots=True)
class Reader:
    detail: DetailLevel
    literacy: int
    tone: CommentaryTone
    locale: str = DEFAULT_LOCALE
    currency: str = "GBP"
    country: str = "GB"

    def __post_init__(self) -> None:
        LiteracyBand.of(self.literacy)  # refuses a literacy outside 1-10 when built

    @property
    def band(self) -> LiteracyBand:
        return LiteracyBand.of(self.literacy)


def default_tone(literacy: int) -> CommentaryTone:
    """The tone for a client who has not chosen one, after seed 002's ``adapt_tone``.

    A reader new to money is encouraged, an expert is given the figures, everyone else is kept
    short.
    """
    band = LiteracyBand.of(literacy)
    if band is LiteracyBand.LOW:
        return CommentaryTone.ENCOURAGING
    return CommentaryTone.ANALYTICAL if band is LiteracyBand.HIGH else CommentaryTone.CONCISE


def reader_for(client: Client, profile: ProfileReport) -> Reader:
    """The reader a client is: detail and literacy from the profile (which already prefers what
    the client set over what the host sent over what was learned), tone from the client profile,
    locale and currency from the client's country and base currency."""
    literacy = profile.financial_literacy.value
    tone = client.profile.preferences.commentary_tone or default_tone(literacy)
    return Reader(
        detail=profile.detail_level.value,
        literacy=literacy,
        tone=tone,
        locale=LOCALES.get(client.country, DEFAULT_LOCALE),
        currency=client.base_currency,
        country=client.country,
    )
