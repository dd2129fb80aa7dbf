"""Which glossary terms a text uses: the plain definitions a low-literacy reader is given.

A term is found as a whole word, in any case, plural included ("Funds", "bonds"), the longest
term first ("emergency fund" before "fund"), and listed once, in the order the text first uses it.
A word the search matches through one of the lookalikes below ("İnterest") is listed as the term
it matched, where the search used to end in a ``KeyError`` (and the render with it).

That is one case-insensitive regular expression over every term, and it is slow: it tries every
term at every word of the text, and on a long text costs more than the rest of the render. Most
texts use no term at all, so the terms a text could use are narrowed first with a substring test,
and the expression is built (once, and kept) for just those. The narrowing never drops a term the
full expression would find, so the result is the same:

* a term in ASCII can only match where the text, lowercased, contains the term lowercased, once
  the four characters outside ASCII that a case-insensitive match takes for ASCII letters
  (U+0130 and U+0131, dotted capital and dotless small I, for *i*; U+017F, long S, for *s*;
  U+212A, the Kelvin sign, for *k*; a test checks there are no others) are turned into those
  letters;
* a term outside ASCII is always kept;
* leaving out of the alternation a term that matches nowhere in the text changes no match.

>>> glossary = Glossary({"fund": "A pot of money.", "emergency fund": "Cash for surprises."})
>>> glossary.used_in("Build an emergency fund before other funds.")
(('emergency fund', 'Cash for surprises.'), ('fund', 'A pot of money.'))
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

__all__ = ["ASCII_LOOKALIKES", "Glossary"]

ASCII_LOOKALIKES = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
"""The characters outside ASCII that a case-insensitive expression matches to an ASCII letter."""


class Glossary:
    """The glossary's terms and definitions, and a finder of the ones a text uses."""

    def __init__(self, definitions: Mapping[str, str]) -> None:
        self.definitions = definitions
        terms = sorted(definitions, key=lambda t: (-len(t), t))
        self._terms = {term.lower(): term for term in terms}
        self._narrowing = tuple((term, term.lower() if term.isascii() else None) for term in terms)
        self._pattern = lru_cache(maxsize=256)(_pattern)

    def used_in(self, text: str) -> tuple[tuple[str, str], ...]:
        """(term, definition) for every term ``text`` uses, in order of first use."""
        folded = text
        if not text.isascii():  # (str.translate would cost more than the search it saves)
            for lookalike, letter in ASCII_LOOKALIKES.items():
                if lookalike in folded:
                    folded = folded.replace(lookalike, letter)
        folded = folded.lower()
        candidates = tuple(
            term for term, lower in self._narrowing if lower is None or lower in folded
        )
        if not candidates:
            return ()
        seen: dict[str, str] = {}
        for match in self._pattern(candidates).finditer(text):
            found = match.group(1)
            term = self._terms.get(found.lower())
            if term is None:
                term = _spelt(found, candidates)
            if term not in seen:
                seen[term] = self.definitions[term]
        return tuple(seen.items())


def _spelt(found: str, terms: tuple[str, ...]) -> str:
    """The term ``found`` spells through a lookalike ("İnterest" is not "interest" lowercased,
    but the search matched it as that): the first term it matches in any case."""
    return next(t for t in terms if re.fullmatch(re.escape(t), found, re.IGNORECASE))


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``terms`` (longest first) as a whole word, plural included, in any case."""
    return re.compile(
        r"\b(" + "|".join(re.escape(t) for t in terms) + r")(?:s|es)?\b", re.IGNORECASE
    )
