"""Rendering one action for one reader: title, text, glossary, the numbers used, the disclosure.

``Presenter`` holds the compiled template library and one number formatter per locale and
currency; build it once (loading compiles every template) and call :meth:`Presenter.render` per
served action. Rendering is deterministic: the same inputs give the same text, byte for byte.

The text is laid out by the reader's tone (``common.yaml``'s layout for the detail level):
action parts (``key``, ``more``, ``context``, ``basis``), tone phrases (``opening``,
``closing``, ``tag``) and framing sentences (``emphasis``, ``urgency``, ``social``). A part that
needs a number the candidate does not have is left out (an idle-cash finding without a target
mix has no expected gain to show); the key sentence and the title cannot be left out, and a
candidate missing what they need is refused with :class:`PresentationError`.

Numbers are formatted lazily, when a template reads them, and every number read is kept in
``Presented.numbers`` with its source path, so a reviewer (or a test) can trace each one back to
the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import UndefinedError

from nextbest.decision.catalog import Action, Catalog
from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client
from nextbest.presentation.figures import Formatter, Shown
from nextbest.presentation.framing import BenefitEmphasis, Framing, UrgencyFraming
from nextbest.presentation.library import (
    ActionTemplates,
    Fragment,
    NumberSpec,
    TemplateLibrary,
    WordSpec,
    load_library,
)
from nextbest.presentation.reader import LiteracyBand, Reader
from nextbest.presentation.sources import as_number, read, word

__all__ = ["PresentationError", "Presented", "Presenter", "default_presenter", "render"]

_REQUIRED = frozenset({"key"})
_SPACES = re.compile(r"[ \t\r\n]+")


class PresentationError(ValueError):
    """An action cannot be written for this candidate: its key sentence or title lacks a value."""


@dataclass(frozen=True, slots=True)
class Presented:
    """One action written for one reader.

    ``numbers`` holds every number the title and text show, by template name, each with the
    path it was read from; ``words`` the words read from the candidate (names, sectors, goals);
    ``glossary`` the (term, plain definition) pairs a low-literacy reader is given for the terms
    the text uses; ``disclosure`` the line shown under a regulated suggestion.
    """

    action_id: str
    title: str
    text: str
    reasons: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]
    numbers: Mapping[str, Shown]
    words: Mapping[str, str]
    disclosure: str | None = None


class _Slots:
    """The values a template may read as ``n.name`` / ``w.name``, resolved when first read.

    Names read are remembered in order, so a fragment that fails half-way (a value missing) can
    be taken back out of what the text is said to use.
    """

    __slots__ = ("_candidate", "_client", "_formatter", "_numbers", "_shared", "_words", "used")

    def __init__(
        self,
        numbers: Mapping[str, NumberSpec],
        words: Mapping[str, WordSpec],
        shared: Mapping[str, Shown],
        candidate: Candidate | None,
        client: Client,
        formatter: Formatter,
    ) -> None:
        self._numbers = numbers
        self._words = words
        self._shared = shared
        self._candidate = candidate
        self._client = client
        self._formatter = formatter
        self.used: dict[str, Shown | str] = {}

    def value(self, name: str) -> Shown | str | None:
        if name in self.used:
            return self.used[name]
        found: Shown | str | None = self._shared.get(name)
        if found is None:
            found = self._resolve(name)
        if found is not None:
            self.used[name] = found
        return found

    def _resolve(self, name: str) -> Shown | str | None:
        spec = self._numbers.get(name)
        if spec is not None:
            raw = self._number(spec)
            return None if raw is None else self._formatter.show(spec.source, spec.kind, raw)
        word_spec = self._words.get(name)
        if word_spec is not None and self._candidate is not None:
            return word(word_spec.transform, read(self._candidate, word_spec.source), self._client)
        return None

    def _number(self, spec: NumberSpec) -> Decimal | date | None:
        if self._candidate is None:
            return None
        raw = as_number(read(self._candidate, spec.source))
        if spec.positive and not (isinstance(raw, Decimal) and raw > 0):
            return None
        return raw

    def present(self, name: str) -> bool:
        if name in self.used or name in self._shared:
            return True
        spec = self._numbers.get(name)
        if spec is not None:
            return self._number(spec) is not None
        return self._resolve(name) is not None


class _View:
    """``n`` or ``w`` in a template: attribute access reads a slot, ``"x" in n`` tests one."""

    __slots__ = ("_numbers", "_slots")

    def __init__(self, slots: _Slots, numbers: bool) -> None:
        self._slots = slots
        self._numbers = numbers

    def __getattr__(self, name: str) -> str:
        found = self._slots.value(name)
        if found is None or isinstance(found, Shown) != self._numbers:
            raise AttributeError(name)
        return found.text if isinstance(found, Shown) else found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._slots.present(name)


class Presenter:
    """Holds the compiled templates; renders any catalog action for any reader.

    >>> from nextbest.decision.catalog import load_catalog
    >>> from nextbest.domain.client import Client
    >>> from nextbest.domain.enums import CommentaryTone, DetailLevel, RiskTolerance
    >>> from nextbest.domain.ids import ClientId
    >>> presenter = Presenter()
    >>> client = Client(ClientId("c1"), 1990, "GB", "GBP", RiskTolerance.MEDIUM)
    >>> reader = Reader(DetailLevel.CONCISE, 5, CommentaryTone.CONCISE, "en_GB", "GBP")
    >>> action = load_catalog().get("complete-your-goals")
    >>> presenter.render(action, None, client, reader).title
    'Set your financial goals'
    """

    def __init__(self, library: TemplateLibrary | None = None) -> None:
        self.library = library if library is not None else load_library()
        self._formatters: dict[tuple[str, str], Formatter] = {}
        terms = sorted(self.library.glossary, key=lambda t: (-len(t), t))
        self._terms = {term.lower(): term for term in terms}
        self._glossary_pattern = re.compile(
            r"\b(" + "|".join(re.escape(t) for t in terms) + r")(?:s|es)?\b", re.IGNORECASE
        )

    def missing(self, catalog: Catalog) -> list[str]:
        """Catalog actions without templates (a firm's own catalog may add some)."""
        return [a.action_id for a in catalog.actions if a.action_id not in self.library.actions]

    def formatter(self, locale: str, currency: str) -> Formatter:
        key = (locale, currency)
        found = self._formatters.get(key)
        if found is None:
            found = self._formatters[key] = Formatter(locale, currency)
        return found

    def render(
        self,
        action: Action,
        candidate: Candidate | None,
        client: Client,
        reader: Reader,
        *,
        framing: Framing = Framing(),  # noqa: B008 - frozen, so one shared default is safe
        reasons: tuple[str, ...] = (),
    ) -> Presented:
        """``action`` (with the candidate behind it, if any) written for ``reader``."""
        templates = self.library.action(action.action_id)
        formatter = self.formatter(reader.locale, reader.currency)
        slots = _Slots(
            {spec.name: spec for spec in templates.numbers},
            {spec.name: spec for spec in templates.words},
            self._shared(candidate, framing, formatter),
            candidate,
            client,
            formatter,
        )
        context = {"n": _View(slots, True), "w": _View(slots, False)}
        band = reader.band
        title = self._fill(templates.part("title", band), context, slots, required="title")
        paragraphs: list[list[str]] = [[]]
        tone = self.library.tones[reader.tone]
        for token in tone.layouts[reader.detail]:
            if token == "para":
                if paragraphs[-1]:
                    paragraphs.append([])
                continue
            fragment = self._fragment(
                token, templates, tone.phrases, action, candidate, framing, band
            )
            if fragment is None:
                continue
            sentence = self._fill(
                fragment, context, slots, required=token if token in _REQUIRED else None
            )
            if sentence:
                paragraphs[-1].append(sentence)
        text = "\n\n".join(" ".join(p) for p in paragraphs if p)
        disclosure = None
        if action.regulated:
            disclosure = self._fill(
                self.library.disclosure[band], context, slots, required="disclosure"
            )
        numbers = {k: v for k, v in slots.used.items() if isinstance(v, Shown)}
        words = {k: v for k, v in slots.used.items() if isinstance(v, str)}
        glossary = self._glossary(f"{title} {text}") if band is LiteracyBand.LOW else ()
        return Presented(
            action_id=action.action_id,
            title=title,
            text=text,
            reasons=reasons,
            glossary=glossary,
            numbers=numbers,
            words=words,
            disclosure=disclosure,
        )

    def _shared(
        self, candidate: Candidate | None, framing: Framing, formatter: Formatter
    ) -> dict[str, Shown]:
        shared: dict[str, Shown] = {}
        if candidate is not None and candidate.deadline is not None:
            shared["deadline"] = formatter.show("candidate.deadline", "date", candidate.deadline)
        if framing.shows_social_proof and framing.social_proof is not None:
            shared["social_proof"] = formatter.show(
                "framing.social_proof", "count", Decimal(framing.social_proof)
            )
        return shared

    def _fragment(
        self,
        token: str,
        templates: ActionTemplates,
        phrases: Mapping[tuple[str, LiteracyBand], Fragment],
        action: Action,
        candidate: Candidate | None,
        framing: Framing,
        band: LiteracyBand,
    ) -> Fragment | None:
        if token in ("key", "more", "context", "basis"):
            return templates.part(token, band)
        if token in ("opening", "closing", "tag"):
            return phrases.get((token, band))
        if token == "emphasis":
            if framing.emphasis is BenefitEmphasis.CONTROL:
                return None
            return templates.emphasis.get(framing.emphasis)
        if token == "urgency":
            if framing.urgency is UrgencyFraming.CONTROL or (
                framing.urgency is UrgencyFraming.LOW_PRESSURE and action.mandatory
            ):
                return None
            deadline = candidate is not None and candidate.deadline is not None
            return self.library.urgency[(framing.urgency, deadline)]
        if token == "social":
            return self.library.social_proof if framing.shows_social_proof else None
        raise ValueError(f"unknown layout token {token!r}")

    @staticmethod
    def _fill(
        fragment: Fragment, context: Mapping[str, Any], slots: _Slots, *, required: str | None
    ) -> str:
        if fragment.static is not None:
            return fragment.static
        before = list(slots.used)
        try:
            text = fragment.template.render(context).strip()
        except UndefinedError as error:
            for name in list(slots.used):
                if name not in before:
                    del slots.used[name]
            if required is not None:
                raise PresentationError(
                    f"the {required} needs a value the candidate does not have: {error.message}"
                ) from error
            return ""
        # Only ASCII whitespace: Babel writes "R12 350" with a no-break space that must stay.
        return _SPACES.sub(" ", text) if "  " in text or "\n" in text else text

    def _glossary(self, text: str) -> tuple[tuple[str, str], ...]:
        seen: dict[str, str] = {}
        for match in self._glossary_pattern.finditer(text):
            term = self._terms[match.group(1).lower()]
            if term not in seen:
                seen[term] = self.library.glossary[term]
        return tuple(seen.items())


@cache
def default_presenter() -> Presenter:
    """The built-in templates, compiled on first use and shared by the process."""
    return Presenter()


def render(
    action: Action,
    candidate: Candidate | None,
    client: Client,
    reader: Reader,
    *,
    framing: Framing = Framing(),  # noqa: B008 - frozen, so one shared default is safe
    reasons: tuple[str, ...] = (),
) -> Presented:
    """:meth:`Presenter.render` with the built-in templates."""
    return default_presenter().render(
        action, candidate, client, reader, framing=framing, reasons=reasons
    )
