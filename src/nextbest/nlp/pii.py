"""Personal data in client messages, found by pattern and confirmed by checksum, then masked.

A message is masked before anything else sees it, so the stored text, the logs and the models
never hold a card number or an identity number. A digit run only counts as a card when the Luhn
check passes, an IBAN only when its mod-97 check gives 1, and a South African identity number only
when its date of birth is real and its Luhn digit holds; that keeps amounts, reference numbers and
years out of the masks.

>>> masked = mask_pii("Card 4111 1111 1111 1111, mail me at jo@example.com")
>>> masked.text
'Card [CARD], mail me at [EMAIL]'
>>> [m.kind.value for m in masked.found]
['CARD', 'EMAIL']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "PLACEHOLDER_PATTERN",
    "MaskedText",
    "PiiKind",
    "PiiMatch",
    "find_pii",
    "iban_is_valid",
    "luhn_is_valid",
    "mask_pii",
    "za_id_is_valid",
]


class PiiKind(StrEnum):
    CARD = "CARD"
    IBAN = "IBAN"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    UK_NI = "UK_NI"
    ZA_ID = "ZA_ID"
    US_SSN = "US_SSN"


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """Where one piece of personal data sat in the original text; the value itself is not kept."""

    kind: PiiKind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaskedText:
    """The text with every piece of personal data replaced by ``[KIND]``."""

    text: str
    found: tuple[PiiMatch, ...]


PLACEHOLDER_PATTERN = re.compile(r"\[(?:" + "|".join(k.value for k in PiiKind) + r")\]")
"""Matches the placeholders ``mask_pii`` writes, so later stages can skip them."""

_EMAIL = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b")
_DIGIT_RUN = re.compile(r"(?<![\w.,])\d(?:[ -]?\d){8,18}(?![\w]|[.,]\d)")
_SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b")
_UK_NI = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(0\))?[ .-]?|\(\d{2,5}\)[ .-]?|0)\d[\d .-]{6,14}\d(?!\w)"
    r"|\b\d{3}[.-]\d{3}[.-]\d{4}\b"
)


def luhn_is_valid(digits: str) -> bool:
    """The Luhn (mod-10) check used by payment cards and South African identity numbers.

    >>> luhn_is_valid("4111111111111111"), luhn_is_valid("4111111111111112")
    (True, False)
    """
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 is 1.

    >>> iban_is_valid("GB82 WEST 1234 5698 7654 32"), iban_is_valid("GB82 WEST 1234 5698 7654 33")
    (True, False)
    """
    compact = iban.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    as_number = "".join(str(int(char, 36)) for char in rearranged)
    return int(as_number) % 97 == 1


def za_id_is_valid(number: str) -> bool:
    """A South African identity number: YYMMDD, four sequence digits, citizenship, 8, Luhn digit.

    >>> za_id_is_valid("8001015009087"), za_id_is_valid("8013015009087")
    (True, False)
    """
    if len(number) != 13 or not number.isdigit() or number[10] not in "012":
        return False
    month, day = int(number[2:4]), int(number[4:6])
    try:
        date(2000, month, day)  # a leap year, so 29 February is accepted for any century
    except ValueError:
        return False
    return luhn_is_valid(number)


def _digit_kind(run: str) -> PiiKind | None:
    digits = re.sub(r"[ -]", "", run)
    if len(digits) == 13 and za_id_is_valid(digits):
        return PiiKind.ZA_ID
    if 13 <= len(digits) <= 19 and luhn_is_valid(digits):
        return PiiKind.CARD
    return None


def find_pii(text: str) -> list[PiiMatch]:
    """Every piece of personal data in ``text``, in order, without overlaps.

    Earlier kinds win where two would overlap: an e-mail address, IBAN, card or identity number
    is never also reported as a phone number.
    """
    found: list[PiiMatch] = []

    def overlaps(start: int, end: int) -> bool:
        return any(start < m.end and m.start < end for m in found)

    def add(kind: PiiKind, start: int, end: int) -> None:
        if not overlaps(start, end):
            found.append(PiiMatch(kind, start, end))

    for match in _EMAIL.finditer(text):
        add(PiiKind.EMAIL, match.start(), match.end())
    for match in _IBAN.finditer(text):
        if iban_is_valid(match.group()):
            add(PiiKind.IBAN, match.start(), match.end())
    for match in _DIGIT_RUN.finditer(text):
        kind = _digit_kind(match.group())
        if kind is not None:
            add(kind, match.start(), match.end())
    for match in _SSN.finditer(text):
        add(PiiKind.US_SSN, match.start(), match.end())
    for match in _UK_NI.finditer(text):
        add(PiiKind.UK_NI, match.start(), match.end())
    for match in _PHONE.finditer(text):
        digits = sum(char.isdigit() for char in match.group())
        if 9 <= digits <= 15:
            add(PiiKind.PHONE, match.start(), match.end())
    return sorted(found, key=lambda m: m.start)


def mask_pii(text: str) -> MaskedText:
    """``text`` with each piece of personal data replaced by its kind in brackets."""
    found = find_pii(text)
    parts: list[str] = []
    cursor = 0
    for match in found:
        parts.append(text[cursor : match.start])
        parts.append(f"[{match.kind.value}]")
        cursor = match.end
    parts.append(text[cursor:])
    return MaskedText("".join(parts), tuple(found))
