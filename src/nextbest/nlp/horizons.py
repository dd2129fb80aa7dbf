"""Dates, target years, horizons and ages in client language, resolved against a given day.

"by 2045", "in 10 years", "next March", "15 March 2027", "retire at 60": goals are set in years,
so every mention carries the year it points at, and a date where the text gives one. Relative
mentions resolve against ``today``, which the caller passes in; nothing here reads a clock. An age
("at 60") needs a birth year to become a year, so it is kept as an age and resolved by the caller.

>>> from datetime import date
>>> found = find_times("retire at 60, by 2045, in 10 years or next March", today=date(2026, 2, 1))
>>> [(t.kind.value, t.year, t.age) for t in found]
[('AGE', None, 60), ('YEAR', 2045, None), ('HORIZON', 2036, None), ('MONTH', 2026, None)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from nextbest.nlp.money import words_to_number

__all__ = ["TimeKind", "TimeMention", "find_times"]


class TimeKind(StrEnum):
    DATE = "DATE"
    MONTH = "MONTH"
    YEAR = "YEAR"
    HORIZON = "HORIZON"
    AGE = "AGE"


@dataclass(frozen=True, slots=True)
class TimeMention:
    """One mention of a time. ``on`` is the day it points at, the first of a month or year that
    the text names no day of; ``None`` for an age."""

    kind: TimeKind
    text: str
    start: int
    end: int
    on: date | None = None
    age: int | None = None

    @property
    def year(self) -> int | None:
        return None if self.on is None else self.on.year


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<{}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_COUNT = (
    r"(?P<n>\d{1,2}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|(?:twenty|thirty|forty)[- ](?:one|two|three|four|five))"
)
_PATTERNS: tuple[tuple[TimeKind, re.Pattern[str]], ...] = (
    (TimeKind.DATE, re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")),
    (TimeKind.DATE, re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>(?:19|20)\d{2})\b")),
    (
        TimeKind.DATE,
        re.compile(
            r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?(?: of)? "
            + _MONTH.format("mn")
            + r",? (?P<y>\d{4})\b",
            re.IGNORECASE,
        ),
    ),
    (
        TimeKind.DATE,
        re.compile(
            r"\b" + _MONTH.format("mn") + r" (?P<d>\d{1,2})(?:st|nd|rd|th)?,? (?P<y>\d{4})\b",
            re.IGNORECASE,
        ),
    ),
    (TimeKind.MONTH, re.compile(r"\b" + _MONTH.format("mn") + r",? (?P<y>\d{4})\b", re.IGNORECASE)),
    (
        TimeKind.HORIZON,
        re.compile(
            r"\b(?:in|within|over|for|after) (?:the next )?"
            + _COUNT
            + r" (?P<unit>years?|months?|weeks?)(?:'s?)?(?: time)?\b"
            r"|\b"
            + _COUNT.replace("?P<n>", "?P<n2>")
            + r" (?P<unit2>years?|months?|weeks?) (?:from now|from today|away|time)\b",
            re.IGNORECASE,
        ),
    ),
    (
        TimeKind.AGE,
        re.compile(
            r"\b(?:at(?: the)?(?: age)?(?: of)?|aged?|when (?:i|we)(?:'m|'re| am| are| turn| reach)"
            r"|by (?:the )?age(?: of)?) (?P<age>[4-9]\d)\b(?![%\d]|[.,]\d| ?(?:years?|k|m|grand))",
            re.IGNORECASE,
        ),
    ),
    (
        TimeKind.MONTH,
        re.compile(
            r"\b(?P<rel>next|this|in|by|from|until|before|till|coming) (?P<mn>"
            + "|".join(name for name in _MONTHS if len(name) > 3 or name == "may")
            + r")\b",
            re.IGNORECASE,
        ),
    ),
    (
        TimeKind.YEAR,
        re.compile(
            r"\b(?P<rel>next|this|last) (?P<unit>year|month)\b"
            r"|\bend of (?:the |this )?(?P<eoy>year)\b",
            re.IGNORECASE,
        ),
    ),
    (TimeKind.YEAR, re.compile(r"(?<![\w$£€.,/-])(?P<y>(?:19|20)\d{2})(?![\w%/-]|[.,]\d)")),
)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, 1)


def _resolve(kind: TimeKind, match: re.Match[str], today: date) -> TimeMention | None:
    groups = {name: value for name, value in match.groupdict().items() if value is not None}

    def mention(on: date | None, age: int | None = None, as_kind: TimeKind = kind) -> TimeMention:
        return TimeMention(as_kind, match.group(), match.start(), match.end(), on, age)

    if kind is TimeKind.AGE:
        return mention(None, int(groups["age"]))
    if kind is TimeKind.HORIZON:
        count = groups.get("n") or groups["n2"]
        number = int(count) if count.isdigit() else words_to_number(count)
        unit = (groups.get("unit") or groups["unit2"]).lower()
        if number is None:  # pragma: no cover - the pattern admits only number words
            return None
        months = number * 12 if unit.startswith("year") else number
        if unit.startswith("week"):
            months = number // 4
        return mention(_add_months(today, months))
    if "rel" in groups and "mn" in groups:
        if groups["mn"] == "may":  # "this may take a while": only "May" is the month
            return None
        month = _MONTHS[groups["mn"].lower().rstrip(".")]
        year = today.year if month > today.month else today.year + 1
        return mention(date(year, month, 1))
    if "rel" in groups or "eoy" in groups:
        relation = groups.get("rel", "this").lower()
        step = {"next": 1, "this": 0, "last": -1}[relation]
        if groups.get("unit", "year").lower() == "month":
            return mention(_add_months(today, step), as_kind=TimeKind.MONTH)
        if "eoy" in groups:
            return mention(date(today.year, 12, 31), as_kind=TimeKind.DATE)
        return mention(date(today.year + step, 1, 1))
    year = int(groups["y"])
    month = _MONTHS[groups["mn"].lower().rstrip(".")] if "mn" in groups else int(groups.get("m", 1))
    try:
        return mention(date(year, month, int(groups.get("d", 1))))
    except ValueError:
        return None


def find_times(text: str, *, today: date) -> list[TimeMention]:
    """Every time mention in ``text``, in order; the more specific pattern wins an overlap.

    A bare year counts only within a planning range (five years back to eighty ahead), so a sum
    like "2000" in "I saved 2000" is not read as the year 2000 when it is long past.
    """
    found: list[TimeMention] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < m.end and m.start < match.end() for m in found):
                continue
            resolved = _resolve(kind, match, today)
            if resolved is None:
                continue
            if kind is TimeKind.YEAR and "y" in match.groupdict() and match.group("y"):
                if not today.year - 5 <= int(match.group("y")) <= today.year + 80:
                    continue
            found.append(resolved)
    return sorted(found, key=lambda m: m.start)
