"""Topics from a keyword lexicon, and key phrases ranked by how rare their words are.

Both are deterministic on purpose: an advisor reading "topics: TAX, RETIREMENT" next to a message
can see the words that raised them. Key phrases are the runs of content words between stop words
and punctuation (at most three words), ranked by the summed idf of their words, with the idf
taken from the intent model's fitted vocabulary; a word the vocabulary never saw counts as rare.

>>> [t.name for t in find_topics("Worried about tax on my pension")]
['RETIREMENT', 'TAX']
>>> idf = {"worried": 2.0, "capital": 4.0, "gains": 5.0, "tax": 3.0, "shares": 3.5}
>>> key_phrases("I'm worried about the capital gains tax on my shares", idf, limit=2)
('capital gains tax', 'shares')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from nextbest.nlp.lexicon import STOPWORDS, TOPIC_KEYWORDS, keyword_pattern
from nextbest.nlp.pii import PLACEHOLDER_PATTERN

__all__ = ["Topic", "find_topics", "key_phrases"]

_TOPIC_PATTERNS = {name: keyword_pattern(words) for name, words in TOPIC_KEYWORDS.items()}
_CHUNK_BREAK = re.compile(r"[.,;:!?()\[\]\"/]+|\s-\s")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'&-]*|\d+(?:[.,]\d+)*[kKmM%]?")


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic and the words in the message that raised it."""

    name: str
    hits: tuple[str, ...]


def find_topics(text: str) -> tuple[Topic, ...]:
    """Topics with at least one keyword in ``text``: most hits first, then by name."""
    found = []
    for name, pattern in _TOPIC_PATTERNS.items():
        hits = tuple(dict.fromkeys(match.group().lower() for match in pattern.finditer(text)))
        if hits:
            found.append(Topic(name, hits))
    return tuple(sorted(found, key=lambda topic: (-len(topic.hits), topic.name)))


def _candidates(text: str) -> list[tuple[int, tuple[str, ...]]]:
    candidates: list[tuple[int, tuple[str, ...]]] = []
    for chunk in _CHUNK_BREAK.split(PLACEHOLDER_PATTERN.sub(".", text)):
        run: list[str] = []
        for word in [*_WORD.findall(chunk), ""]:
            lowered = word.lower()
            if lowered and lowered not in STOPWORDS and not lowered[0].isdigit():
                run.append(lowered)
                continue
            while run:
                candidates.append((len(candidates), tuple(run[:3])))
                run = run[3:]
    return candidates


def key_phrases(text: str, idf: Mapping[str, float], *, limit: int = 5) -> tuple[str, ...]:
    """The ``limit`` phrases of ``text`` whose words are rarest, first occurrence breaking ties.

    ``idf`` maps lower-case words to their inverse document frequency; words it lacks get the
    highest idf it holds.
    """
    rare = max(idf.values(), default=1.0)
    scored: dict[str, tuple[float, int]] = {}
    for position, words in _candidates(text):
        phrase = " ".join(words)
        if phrase not in scored:
            scored[phrase] = (sum(idf.get(word, rare) for word in words), position)
    ranked = sorted(scored.items(), key=lambda item: (-item[1][0], item[1][1]))
    return tuple(phrase for phrase, _ in ranked[:limit])
