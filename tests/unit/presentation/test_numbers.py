"""Every number in a text is its evidence value after the documented rounding, on every action."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from nextbest.cli.render import DemoExample
from nextbest.decision.catalog import load_catalog
from nextbest.domain.enums import CommentaryTone, DetailLevel
from nextbest.presentation import (
    BenefitEmphasis,
    Formatter,
    Framing,
    Presenter,
    Reader,
    UrgencyFraming,
    planner_round,
)
from nextbest.presentation.sources import as_number, read

from .test_variants import LITERACY, reader_for_example

ACTION_IDS = [a.action_id for a in load_catalog().actions]
FRAMINGS = [
    Framing(),
    Framing(BenefitEmphasis.MONETARY, UrgencyFraming.HIGH_URGENCY, social_proof=1234),
    Framing(BenefitEmphasis.PERCENTAGE, UrgencyFraming.LOW_PRESSURE, social_proof=40),
]


@pytest.mark.parametrize("action_id", ACTION_IDS)
def test_every_number_shown_traces_back_to_its_evidence(
    presenter: Presenter, examples: dict[str, DemoExample], action_id: str
) -> None:
    example = examples[action_id]
    checked = 0
    for detail in DetailLevel:
        for literacy in LITERACY.values():
            for tone in (CommentaryTone.ANALYTICAL, CommentaryTone.EMPATHETIC):
                for framing in FRAMINGS:
                    reader = reader_for_example(example, detail, literacy, tone)
                    presented = presenter.render(
                        example.action, example.candidate, example.client, reader, framing=framing
                    )
                    shown_in = f"{presented.title}\n{presented.text}"
                    for name, shown in presented.numbers.items():
                        assert shown.text in shown_in, (name, shown.text)
                        if shown.source == "framing.social_proof":
                            assert shown.exact == Decimal(framing.social_proof or 0)
                            continue
                        assert example.candidate is not None
                        assert as_number(read(example.candidate, shown.source)) == shown.exact
                        if not isinstance(shown.exact, date):
                            assert shown.value == planner_round(shown.kind, shown.exact)
                        checked += 1
                    rest = shown_in
                    for text in sorted(
                        [s.text for s in presented.numbers.values()]
                        + list(presented.words.values()),
                        key=len,
                        reverse=True,
                    ):
                        rest = rest.replace(text, "")
                    assert not re.search(r"\d", rest), rest
    assert checked > 0 or example.candidate is None


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("money", "7.254", "7.25"),
        ("money", "437.5", "438"),
        ("money", "12345.67", "12350"),
        ("money", "1234567", "1234600"),
        ("money_up", "39.01", "40"),
        ("money_up", "1000.01", "1010"),
        ("share", "0.6234", "62.3"),
        ("percent", "12.35", "12.4"),
        ("months", "1.37", "1.4"),
        ("year", "2045", "2045"),
    ],
)
def test_planner_rounding(kind: str, value: str, expected: str) -> None:
    assert planner_round(kind, Decimal(value)) == Decimal(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("locale", "currency", "money", "share"),
    [
        ("en_GB", "GBP", "£12,350", "62.3%"),
        ("en_ZA", "ZAR", "R12\xa0350", "62,3%"),
        ("en_US", "USD", "$12,350", "62.3%"),
    ],
)
def test_numbers_are_written_in_the_clients_locale(
    locale: str, currency: str, money: str, share: str
) -> None:
    formatter = Formatter(locale, currency)
    assert formatter.show("x", "money", Decimal("12345.67")).text == money
    assert formatter.show("x", "share", Decimal("0.6234")).text == share


def test_no_pennies_on_big_sums_but_pennies_on_small_ones() -> None:
    formatter = Formatter("en_GB", "GBP")
    assert formatter.show("x", "money", Decimal("2894.57")).text == "£2,890"
    assert formatter.show("x", "money", Decimal("7.5")).text == "£7.50"


def test_a_reader_outside_literacy_range_is_refused() -> None:
    with pytest.raises(ValueError, match="1-10"):
        Reader(DetailLevel.CONCISE, 11, CommentaryTone.CONCISE)


@pytest.mark.parametrize(
    ("locale", "currency"), [("en_GB", "GBP"), ("en_ZA", "ZAR"), ("en_US", "USD")]
)
@pytest.mark.parametrize("value", ["0.5", "7.25", "437", "12350", "1234600", "-2890"])
def test_the_fast_formatter_writes_what_babel_writes(
    locale: str, currency: str, value: str
) -> None:
    from babel.numbers import format_currency, format_percent

    formatter = Formatter(locale, currency)
    amount = Decimal(value)
    pattern = "¤#,##0.00" if amount != amount.to_integral_value() else "¤#,##0"
    expected = format_currency(
        amount, currency, format=pattern, locale=locale, currency_digits=False
    )
    assert formatter.format("money", amount) == expected
    share = (amount / 1000).quantize(Decimal("0.1"))
    assert formatter.format("percent", share) == format_percent(
        share / 100, "#,##0.#%", locale=locale
    )
