"""Securities are found by ticker and by name, without mistaking ordinary words for them."""

from __future__ import annotations

import pytest

from nextbest.nlp.securities import MatchedBy, SecurityIndex, is_ticker

MASTER = {
    "AAPL": "EQ-AAPL",
    "Apple Inc.": "EQ-AAPL",
    "NPN.JO": "EQ-NPN",
    "Naspers": "EQ-NPN",
    "Next plc": "EQ-NXT",
    "Legal & General Group": "EQ-LGEN",
    "Vanguard FTSE All-World ETF": "ETF-VWRL",
    "F": "EQ-F",
    "IT": "EQ-GARTNER",
}


@pytest.fixture(scope="module")
def index() -> SecurityIndex:
    return SecurityIndex(MASTER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Should I sell AAPL?", [("EQ-AAPL", "AAPL", MatchedBy.TICKER)]),
        ("what about $aapl", [("EQ-AAPL", "$aapl", MatchedBy.TICKER)]),
        ("I like apple and naspers", [("EQ-AAPL", "apple", MatchedBy.NAME),
                                      ("EQ-NPN", "naspers", MatchedBy.NAME)]),
        ("NPN.JO fell.", [("EQ-NPN", "NPN.JO", MatchedBy.TICKER)]),
        ("Legal & General is cheap", [("EQ-LGEN", "Legal & General", MatchedBy.NAME)]),
        ("vanguard ftse all-world etf", [("ETF-VWRL", "vanguard ftse all-world etf",
                                          MatchedBy.NAME)]),
        ("buy some Next shares", [("EQ-NXT", "Next", MatchedBy.NAME)]),
        ("$F is a one-letter ticker", [("EQ-F", "$F", MatchedBy.TICKER)]),
    ],
)  # fmt: skip
def test_finds_securities(
    index: SecurityIndex, text: str, expected: list[tuple[str, str, MatchedBy]]
) -> None:
    found = index.find(text)
    assert [(m.security_id, m.text, m.matched_by) for m in found] == expected
    assert all(text[m.start : m.end] == m.text for m in found)


@pytest.mark.parametrize(
    "text",
    [
        "next year I want to retire",  # "Next plc" only matches capitalised
        "is it safe? F it",  # one-letter tickers need a cashtag
        "it is fine",  # lower-case "it" is a word, not Gartner's ticker
        "my card [CARD] was taken",
    ],
)
def test_ordinary_words_are_not_securities(index: SecurityIndex, text: str) -> None:
    assert index.find(text) == []


def test_prefers_the_longest_name() -> None:
    index = SecurityIndex({"Vanguard": "FUND-1", "Vanguard Global Bond": "FUND-2"})
    assert [m.security_id for m in index.find("the vanguard global bond fund")] == ["FUND-2"]


def test_an_index_is_reused_as_is() -> None:
    index = SecurityIndex(MASTER)
    assert SecurityIndex.of(index) is index
    assert len(SecurityIndex.of({"AAPL": "EQ-AAPL"})) == 1


def test_ticker_shapes() -> None:
    assert is_ticker("BRK.B")
    assert not is_ticker("aapl")
    assert not is_ticker("Naspers")
