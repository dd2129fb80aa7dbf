"""Amounts of money in client language: "£5,000", "R 20k", "$1.2m", "5 thousand pounds".

Clients write amounts the way they speak, so the parser accepts symbols, ISO codes and currency
words on either side, thousands written with commas (or spaces after a symbol, as South Africans
write "R 20 000"), short multipliers (k, m, bn) and number words ("fifty thousand"). A bare
number only counts as an amount when its form says so (grouped thousands, a multiplier, or five
digits and more): "retire in 2045" and "at 60" are times and ages, not money.

>>> [(m.amount, m.currency) for m in find_money("R 20k now, £5,000 later, 5 thousand pounds")]
[(Decimal('20000'), 'ZAR'), (Decimal('5000'), 'GBP'), (Decimal('5000'), 'GBP')]
>>> [(m.amount, m.currency, m.per) for m in find_money("$1.2m, or 50,000, or 500 a month")]
[(Decimal('1200000'), 'USD', None), (Decimal('50000'), None, None), (Decimal('500'), None, 'month')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["NUMBER_WORDS", "MoneyMention", "find_money", "words_to_number"]


@dataclass(frozen=True, slots=True)
class MoneyMention:
    """An amount; ``currency`` is an ISO 4217 code, or ``None`` when the text names none.

    ``per`` is ``"week"``, ``"month"`` or ``"year"`` for a recurring amount ("£500 a month").
    """

    amount: Decimal
    currency: str | None
    text: str
    start: int
    end: int
    per: str | None = None


NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
"""Number words a client spells out; "a" and "an" count as one ("a million")."""

_MULTIPLIERS: dict[str, int] = {
    "k": 1_000,
    "thousand": 1_000,
    "grand": 1_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "mil": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
_SYMBOLS = {"£": "GBP", "$": "USD", "us$": "USD", "€": "EUR", "r": "ZAR"}
_CODES = ("GBP", "USD", "EUR", "ZAR")
_WORDS = {
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "sterling": "GBP",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "rand": "ZAR",
    **{code.lower(): code for code in _CODES},
}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SPACED = r"\d{1,3}(?: \d{3})+(?!\d)"
_MULT = r"(?:thousand|million|billion|grand|mil|mn|bn|k|m|b)(?![\w'])"
_CUR = r"(?:pounds?|quid|sterling|dollars?|bucks|euros?|rand|gbp|usd|eur|zar)\b"
_PERIOD = re.compile(
    r"\s?(?:(?:a|per|each|every)\s(?P<unit>week|month|year|annum)\b|/\s?(?P<slash>week|month|year|"
    r"wk|mo|yr)\b|(?P<adverb>weekly|monthly|annually|yearly)\b|(?P<abbr>pm|p\.m\.|pa|p\.a\.)(?!\w))",
    re.IGNORECASE,
)
_PERIOD_NAMES = {
    "week": "week",
    "wk": "week",
    "weekly": "week",
    "month": "month",
    "mo": "month",
    "monthly": "month",
    "pm": "month",
    "p.m.": "month",
    "year": "year",
    "yr": "year",
    "annum": "year",
    "annually": "year",
    "yearly": "year",
    "pa": "year",
    "p.a.": "year",
}
_WORD_NUM = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four"
    r"|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|an?)"
)
_PATTERN = re.compile(
    # 1. a symbol or code first: "£5,000", "R 20 000", "$1.2m", "ZAR 20k"
    rf"(?P<sym>US\$|\$|£|€|(?<![\w])R(?=\s?\d)|\b(?:{'|'.join(_CODES)})\b)\s?"
    rf"(?P<snum>{_SPACED}|{_NUM})(?:\s?(?P<smult>{_MULT}))?(?!\s?%)"
    # 2. a number first: "5 thousand pounds", "20k", "50,000", "3000 rand"
    rf"|(?<![\w.,$£€])(?P<num>{_NUM})(?:\s?(?P<mult>{_MULT}))?(?:\s(?P<cur>{_CUR}))?(?![\w%])"
    # 3. words: "fifty thousand pounds", "a million dollars", "half a million"
    rf"|\b(?P<half>half\s)?(?P<wnum>{_WORD_NUM})\s(?P<wmult>thousand|million|billion|grand)\b"
    rf"(?:\s(?P<wcur>{_CUR}))?",
    re.IGNORECASE,
)


def words_to_number(words: str) -> int | None:
    """``"twenty-five"`` to 25; ``None`` for words that are not a number.

    >>> words_to_number("twenty-five"), words_to_number("a"), words_to_number("lots")
    (25, 1, None)
    """
    total = 0
    for part in re.split(r"[- ]", words.lower()):
        if part not in NUMBER_WORDS:
            return None
        total += NUMBER_WORDS[part]
    return total


def _decimal(number: str) -> Decimal | None:
    try:
        return Decimal(number.replace(",", "").replace(" ", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None


def _period_after(text: str, end: int) -> tuple[str | None, int]:
    match = _PERIOD.match(text, end)
    if match is None:
        return None, end
    word = next(group for group in match.groups() if group is not None)
    return _PERIOD_NAMES[word.lower()], match.end()


def _from_match(match: re.Match[str]) -> MoneyMention | None:
    groups = match.groupdict()
    currency: str | None
    per, end = _period_after(match.string, match.end())
    if groups["snum"] is not None:
        amount = _decimal(groups["snum"])
        multiplier = groups["smult"]
        symbol = groups["sym"].lower()
        currency = _SYMBOLS.get(symbol) or symbol.upper()
    elif groups["num"] is not None:
        amount = _decimal(groups["num"])
        multiplier = groups["mult"]
        currency = _WORDS[groups["cur"].lower()] if groups["cur"] else None
        grouped = "," in groups["num"]
        large = amount is not None and amount >= 10_000
        if not (multiplier or currency or grouped or large or per):
            return None
    else:
        spelled = words_to_number(groups["wnum"].replace("  ", " "))
        amount = None if spelled is None else Decimal(spelled)
        if amount is not None and groups["half"]:
            amount = amount / 2
        multiplier = groups["wmult"]
        currency = _WORDS[groups["wcur"].lower()] if groups["wcur"] else None
    if amount is None:
        return None
    if multiplier:
        amount *= _MULTIPLIERS[multiplier.lower()]
    amount = amount.normalize() + 0  # drops exponents: 5E+3 becomes 5000
    return MoneyMention(
        amount, currency, match.string[match.start() : end], match.start(), end, per
    )


def find_money(text: str) -> list[MoneyMention]:
    """Every amount of money in ``text``, in order."""
    found = (_from_match(match) for match in _PATTERN.finditer(text))
    return [mention for mention in found if mention is not None]
