"""Amounts as clients write them, and numbers that are not amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nextbest.nlp.money import find_money, words_to_number


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("I have £5,000 spare", "5000", "GBP"),
        ("about R 20k", "20000", "ZAR"),
        ("R2 million by then", "2000000", "ZAR"),
        ("R 20 000 in cash", "20000", "ZAR"),
        ("roughly $1.2m", "1200000", "USD"),
        ("US$300k", "300000", "USD"),
        ("€750", "750", "EUR"),
        ("ZAR 250000", "250000", "ZAR"),
        ("GBP 3.5k", "3500", "GBP"),
        ("5 thousand pounds", "5000", "GBP"),
        ("fifty thousand rand", "50000", "ZAR"),
        ("twenty-five thousand euros", "25000", "EUR"),
        ("half a million dollars", "500000", "USD"),
        ("3000 rand", "3000", "ZAR"),
        ("a target of 50,000", "50000", None),
        ("make it 20k", "20000", None),
        ("£1,200.50 exactly", "1200.5", "GBP"),
    ],
)
def test_reads_amounts(text: str, amount: str, currency: str | None) -> None:
    [found] = find_money(text)
    assert (found.amount, found.currency) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    "text",
    [
        "retire in 2045",
        "I'm 45 and retire at 60",
        "increase it by 2%",
        "in 10 years",
        "top 10 funds",
        "I have 2000 saved",  # a bare four-digit number may be a year: not an amount
    ],
)
def test_numbers_that_are_not_amounts(text: str) -> None:
    assert find_money(text) == []


@pytest.mark.parametrize(
    ("text", "per"),
    [
        ("£500 a month", "month"),
        ("750/month", "month"),
        ("R2,500 pm", "month"),
        ("100 monthly", "month"),
        ("2000 pa", "year"),
        ("£20 each week", "week"),
    ],
)
def test_recurring_amounts_carry_their_period(text: str, per: str) -> None:
    [found] = find_money(text)
    assert found.per == per
    assert found.text == text


def test_positions_point_at_the_amount() -> None:
    text = "Move it to R2 million please"
    [found] = find_money(text)
    assert text[found.start : found.end] == "R2 million"


def test_number_words() -> None:
    assert words_to_number("ninety-nine") == 99
    assert words_to_number("an") == 1
    assert words_to_number("several") is None
