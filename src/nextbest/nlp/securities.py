"""Securities named in a message, matched against the host's security master.

The master is a plain mapping of ticker or name to security id. Tickers ("AAPL", "NPN.JO") match
case-sensitively, or in any case after a cashtag ("$aapl"), because "IT" or "ALL" written in lower
case are words; a one-letter ticker needs its cashtag. Names match in any case on word
boundaries, the longest first, and also without a legal suffix ("Apple Inc." is found as
"Apple"); a name that is a common word without its suffix ("Next plc") only matches capitalised.

>>> index = SecurityIndex({"AAPL": "EQ-1", "Apple Inc.": "EQ-1", "Naspers": "EQ-2"})
>>> [(m.security_id, m.text) for m in index.find("Should I sell apple or $NPN and naspers?")]
[('EQ-1', 'apple'), ('EQ-2', 'naspers')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from nextbest.nlp.lexicon import STOPWORDS

__all__ = ["MatchedBy", "SecurityIndex", "SecurityMention", "is_ticker"]

_TICKER = re.compile(r"[A-Z0-9]{1,6}(?:[.:][A-Z0-9]{1,4})?")
_TOKEN = re.compile(r"\$?[A-Za-z0-9](?:[A-Za-z0-9&'-]|\.(?=[A-Za-z0-9]))*")
_LEGAL_SUFFIXES = frozenset(
    {"plc", "inc", "ltd", "limited", "corp", "corporation", "co", "company", "group", "holdings",
     "sa", "ag", "nv", "se", "llc", "lp", "the"}
)  # fmt: skip


class MatchedBy(StrEnum):
    TICKER = "TICKER"
    NAME = "NAME"


@dataclass(frozen=True, slots=True)
class SecurityMention:
    security_id: str
    text: str
    start: int
    end: int
    matched_by: MatchedBy


def is_ticker(key: str) -> bool:
    """Whether a master key reads as a ticker (upper case, short, an optional exchange suffix).

    >>> is_ticker("AAPL"), is_ticker("NPN.JO"), is_ticker("Apple Inc.")
    (True, True, False)
    """
    return _TICKER.fullmatch(key) is not None


def _words(text: str) -> tuple[str, ...]:
    return tuple(token.group().lower().rstrip(".") for token in _TOKEN.finditer(text))


class SecurityIndex:
    """A security master prepared for matching; build it once and reuse it for every message.

    Building is linear in the size of the master, matching is linear in the message.
    """

    def __init__(self, master: Mapping[str, str]) -> None:
        self._tickers: dict[str, str] = {}
        self._tickers_folded: dict[str, str] = {}
        self._names: dict[tuple[str, ...], str] = {}
        self._capitalised_only: set[tuple[str, ...]] = set()
        for key, security_id in master.items():
            if is_ticker(key):
                self._tickers[key] = security_id
                self._tickers_folded[key.lower()] = security_id
                continue
            words = _words(key)
            if words:
                self._names[words] = security_id
            while words and words[-1] in _LEGAL_SUFFIXES:
                words = words[:-1]
            while words and words[0] == "the":
                words = words[1:]
            if words and words not in self._names:
                self._names[words] = security_id
                if len(words) == 1 and words[0] in STOPWORDS:
                    self._capitalised_only.add(words)
        self._longest = max((len(name) for name in self._names), default=0)

    @classmethod
    def of(cls, master: Mapping[str, str] | SecurityIndex) -> SecurityIndex:
        """``master`` itself when it is already an index, else a new index of it."""
        return master if isinstance(master, SecurityIndex) else cls(master)

    def __len__(self) -> int:
        return len(self._tickers) + len(self._names)

    def find(self, text: str) -> list[SecurityMention]:
        """Every security the text names, in order; a span is matched at most once."""
        tokens = list(_TOKEN.finditer(text))
        found: list[SecurityMention] = []
        position = 0
        while position < len(tokens):
            mention, used = self._match_at(text, tokens, position)
            if mention is not None:
                found.append(mention)
            position += used
        return found

    def _match_at(
        self, text: str, tokens: list[re.Match[str]], position: int
    ) -> tuple[SecurityMention | None, int]:
        token = tokens[position]
        raw = token.group().rstrip(".")
        if token.start() > 0 and text[token.start() - 1] == "[":
            return None, 1  # a placeholder such as [CARD] left by PII masking
        if raw.startswith("$"):
            security_id = self._tickers_folded.get(raw[1:].lower())
            if security_id is not None:
                end = token.start() + len(raw)
                return SecurityMention(security_id, raw, token.start(), end, MatchedBy.TICKER), 1
            raw = raw[1:]
        elif len(raw) > 1 and raw in self._tickers:
            end = token.start() + len(raw)
            return SecurityMention(self._tickers[raw], raw, token.start(), end, MatchedBy.TICKER), 1
        for length in range(min(self._longest, len(tokens) - position), 0, -1):
            span = tokens[position : position + length]
            words = tuple(t.group().lower().lstrip("$").rstrip(".") for t in span)
            security_id = self._names.get(words)
            if security_id is None:
                continue
            if words in self._capitalised_only and not span[0].group()[0].isupper():
                continue
            start, end = span[0].start(), span[-1].start() + len(span[-1].group().rstrip("."))
            return SecurityMention(security_id, text[start:end], start, end, MatchedBy.NAME), length
        return None, 1
