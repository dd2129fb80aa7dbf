"""The narrowed glossary search finds exactly what one expression over every term finds."""

from __future__ import annotations

import re

import pytest

from nextbest.presentation import Presenter
from nextbest.presentation.glossary import ASCII_LOOKALIKES, Glossary

DEFINITIONS = {
    "fund": "A pot of money.",
    "emergency fund": "Cash for surprises.",
    "share": "A piece of a company.",
    "interest": "What a bank pays you.",
    "ESG": "A score for how a company behaves.",
    "capital gains tax": "A tax on profit.",
    "kiwisaver": "A New Zealand scheme.",
    "café fund": "A term outside ASCII.",
    "\u017ftock": "A term outside ASCII that ASCII text matches.",
}
TEXTS = [
    "",
    "Nothing to define here.",
    "Build an Emergency Fund before other funds, then buy SHARES.",
    "Your fundamental plan: refund the fundraiser.",
    "ESGs and esg and E.S.G. scores; interest, interests, interested.",
    "Capital gains tax\u00a0is due on R12\u00a0350 of “shares”.",
    "Split across sentences: emergency. Fund the capital gains. Tax it.",
    "A \u017fhare.",
    "An \u0130nterest.",
    "An \u0131nterest.",
    "A \u212aiwisaver.",
    "Lookalikes \u017f \u0130 \u0131 \u212a outside any term, and a fund.",
    "A café fund and a CAFÉ FUND.",
    "Stocks and shares.",
]


def full_search(definitions: dict[str, str], text: str) -> object:
    """The search as first written: one case-insensitive expression over every term."""
    terms = sorted(definitions, key=lambda t: (-len(t), t))
    lowered = {term.lower(): term for term in terms}
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(t) for t in terms) + r")(?:s|es)?\b", re.IGNORECASE
    )
    seen: dict[str, str] = {}
    for match in pattern.finditer(text):
        found = match.group(1)
        term = lowered.get(found.lower())
        if term is None:  # matched through a lookalike: the first term it matches in any case
            term = next(t for t in terms if re.fullmatch(re.escape(t), found, re.IGNORECASE))
        seen.setdefault(term, definitions[term])
    return tuple(seen.items())


def narrowed_search(definitions: dict[str, str], text: str) -> object:
    return Glossary(definitions).used_in(text)


@pytest.mark.parametrize("text", TEXTS)
def test_narrowing_finds_what_the_full_expression_finds(text: str) -> None:
    assert narrowed_search(DEFINITIONS, text) == full_search(DEFINITIONS, text)


def test_the_built_in_glossary_is_found_in_plurals_and_any_case(presenter: Presenter) -> None:
    text = "Your Portfolio holds shares, two BONDS and an emergency fund; no ESG data."
    found = dict(Glossary(presenter.library.glossary).used_in(text))
    assert list(found) == ["portfolio", "share", "bond", "emergency fund", "ESG"]
    for text in TEXTS:
        definitions = dict(presenter.library.glossary)
        assert narrowed_search(definitions, text) == full_search(definitions, text)


@pytest.mark.parametrize(
    ("text", "term"),
    [("A \u017fhare.", "share"), ("An \u0130nterest.", "interest"), ("Stocks.", "\u017ftock")],
)
def test_a_word_matched_through_a_lookalike_is_listed_as_its_term(text: str, term: str) -> None:
    assert [found for found, _ in Glossary(DEFINITIONS).used_in(text)] == [term]


def test_only_the_listed_characters_match_ascii_letters_case_insensitively() -> None:
    ascii_class = re.compile(r"[\x00-\x7f]", re.IGNORECASE)
    lookalikes = {
        chr(code) for code in range(0x80, 0x110000) if ascii_class.match(chr(code)) is not None
    }
    assert lookalikes == set(ASCII_LOOKALIKES)
    for character, letter in ASCII_LOOKALIKES.items():
        matched = {
            chr(code) for code in range(0x80) if re.match(re.escape(chr(code)), character, re.I)
        }
        assert matched == {letter, letter.upper()}
