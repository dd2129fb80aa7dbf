"""Times resolve against the day given, never the clock."""

from __future__ import annotations

from datetime import date

import pytest

from nextbest.nlp.horizons import TimeKind, find_times

TODAY = date(2026, 2, 1)


@pytest.mark.parametrize(
    ("text", "kind", "on"),
    [
        ("I want to retire by 2045", TimeKind.YEAR, date(2045, 1, 1)),
        ("move the goal to 2040, please", TimeKind.YEAR, date(2040, 1, 1)),
        ("in 10 years", TimeKind.HORIZON, date(2036, 2, 1)),
        ("in ten years' time", TimeKind.HORIZON, date(2036, 2, 1)),
        ("5 years from now", TimeKind.HORIZON, date(2031, 2, 1)),
        ("within six months", TimeKind.HORIZON, date(2026, 8, 1)),
        ("next March", TimeKind.MONTH, date(2026, 3, 1)),
        ("by January", TimeKind.MONTH, date(2027, 1, 1)),
        ("next year", TimeKind.YEAR, date(2027, 1, 1)),
        ("by the end of the year", TimeKind.DATE, date(2026, 12, 31)),
        ("on 15 March 2027", TimeKind.DATE, date(2027, 3, 15)),
        ("March 15, 2027", TimeKind.DATE, date(2027, 3, 15)),
        ("from 01/03/2026", TimeKind.DATE, date(2026, 3, 1)),
        ("2027-03-15", TimeKind.DATE, date(2027, 3, 15)),
        ("by Dec 2030", TimeKind.MONTH, date(2030, 12, 1)),
    ],
)
def test_resolves_times(text: str, kind: TimeKind, on: date) -> None:
    [found] = find_times(text, today=TODAY)
    assert (found.kind, found.on) == (kind, on)


@pytest.mark.parametrize(
    ("text", "age"),
    [("retire at 60", 60), ("at the age of 55", 55), ("when I turn 65", 65), ("aged 58", 58)],
)
def test_ages_stay_ages(text: str, age: int) -> None:
    [found] = find_times(text, today=TODAY)
    assert (found.kind, found.age, found.year) == (TimeKind.AGE, age, None)


@pytest.mark.parametrize(
    "text",
    [
        "this may take a while",  # "may" the verb
        "I have 60% in shares",
        "I saved 2000 once",  # long past: not a planning year
        "at 60.5 percent",
        "by 2199",  # too far ahead to be a plan
    ],
)
def test_ignores_what_is_not_a_time(text: str) -> None:
    assert find_times(text, today=TODAY) == []


def test_several_mentions_come_back_in_order() -> None:
    found = find_times("retire at 60, by 2045, in 10 years or next March", today=TODAY)
    assert [t.kind for t in found] == [
        TimeKind.AGE,
        TimeKind.YEAR,
        TimeKind.HORIZON,
        TimeKind.MONTH,
    ]
