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

Rendering is on the request path of every recommendation, so it is kept cheap without changing a
byte of what it writes: the fragments of one text that can (``Fragment.inline``) are rendered in
one shared template context, built once per render, rather than each in a context of its own,
which is most of what a Jinja render costs; what the templates read is resolved once per
render; and the glossary search tries only the terms a text could use (:mod:`.glossary`).
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
from jinja2.runtime import Context

from nextbest.decision.catalog import Action, Catalog
from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client
from nextbest.presentation.figures import Formatter, Kind, Shown
from nextbest.presentation.framing import BenefitEmphasis, Framing, UrgencyFraming
from nextbest.presentation.glossary import Glossary
from nextbest.presentation.library import (
    ActionTemplates,
    Fragment,
    NumberSpec,
    TemplateLibrary,
    TemplateView,
    WordSpec,
    load_library,
)
from nextbest.presentation.reader import LiteracyBand, Reader
from nextbest.presentation.sources import as_number, read, word

__all__ = ["PresentationError", "Presented", "Presenter", "default_presenter", "render"]

_REQUIRED = frozenset({"key"})
_SPACES = re.compile(r"[ \t\r\n]+")
_Number = tuple[str, Kind, Decimal | date]
"""A number the presenter supplies (source, kind, value), formatted only if a template reads it."""


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
    be taken back out of what the text is said to use: the names it read are the last ones in
    ``used``, since a name is only ever added at the end.
    """

    __slots__ = (
        "_candidate",
        "_client",
        "_formatter",
        "_numbers",
        "_raw",
        "_shared",
        "_words",
        "used",
    )

    def __init__(
        self,
        numbers: Mapping[str, NumberSpec],
        words: Mapping[str, WordSpec],
        shared: Mapping[str, _Number],
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
        self._raw: dict[str, Decimal | date | None] = {}
        self.used: dict[str, Shown | str] = {}

    def value(self, name: str) -> Shown | str | None:
        found = self.used.get(name)
        if found is not None:
            return found
        shared = self._shared.get(name)
        if shared is not None:
            found = self._formatter.show(*shared)
        else:
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
        if spec.name in self._raw:  # ``"x" in n`` reads it before ``n.x`` does
            return self._raw[spec.name]
        raw = None
        if self._candidate is not None:
            raw = as_number(read(self._candidate, spec.source))
            if spec.positive and not (isinstance(raw, Decimal) and raw > 0):
                raw = None
        self._raw[spec.name] = raw
        return raw

    def present(self, name: str) -> bool:
        if name in self.used or name in self._shared:
            return True
        spec = self._numbers.get(name)
        if spec is not None:
            return self._number(spec) is not None
        return self._resolve(name) is not None


class _View(TemplateView):
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


class _Scope:
    """What the templates of one render see, and the one context its inline fragments share.

    The shared context is built from the first inline fragment rendered, without the
    environment's globals (``shared=True``): inline fragments read only ``n`` and ``w``.
    """

    __slots__ = ("_context", "slots", "variables")

    def __init__(self, slots: _Slots) -> None:
        self.slots = slots
        self.variables: dict[str, Any] = {"n": _View(slots, True), "w": _View(slots, False)}
        self._context: Context | None = None

    def render(self, fragment: Fragment) -> str:
        template = fragment.template
        if not fragment.inline:
            return template.render(self.variables)
        if self._context is None:
            self._context = template.new_context(self.variables, shared=True)
        return "".join(template.root_render_func(self._context))


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
        self._specs = {
            action_id: (
                {spec.name: spec for spec in templates.numbers},
                {spec.name: spec for spec in templates.words},
            )
            for action_id, templates in self.library.actions.items()
        }
        self._glossary = Glossary(self.library.glossary)

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
        numbers, words = self._specs[action.action_id]
        slots = _Slots(
            numbers,
            words,
            self._shared(candidate, framing),
            candidate,
            client,
            formatter,
        )
        scope = _Scope(slots)
        band = reader.band
        title = self._fill(templates.part("title", band), scope, required="title")
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
            sentence = self._fill(fragment, scope, required=token if token in _REQUIRED else None)
            if sentence:
                paragraphs[-1].append(sentence)
        text = "\n\n".join(" ".join(p) for p in paragraphs if p)
        disclosure = None
        if action.regulated:
            disclosure = self._fill(self.library.disclosure[band], scope, required="disclosure")
        glossary = self._glossary.used_in(f"{title} {text}") if band is LiteracyBand.LOW else ()
        return Presented(
            action_id=action.action_id,
            title=title,
            text=text,
            reasons=reasons,
            glossary=glossary,
            numbers={k: v for k, v in slots.used.items() if isinstance(v, Shown)},
            words={k: v for k, v in slots.used.items() if isinstance(v, str)},
            disclosure=disclosure,
        )

    @staticmethod
    def _shared(candidate: Candidate | None, framing: Framing) -> dict[str, _Number]:
        shared: dict[str, _Number] = {}
        if candidate is not None and candidate.deadline is not None:
            shared["deadline"] = ("candidate.deadline", "date", candidate.deadline)
        if framing.shows_social_proof and framing.social_proof is not None:
            shared["social_proof"] = (
                "framing.social_proof",
                "count",
                Decimal(framing.social_proof),
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
    def _fill(fragment: Fragment, scope: _Scope, *, required: str | None) -> str:
        if fragment.static is not None:
            return fragment.static
        used = scope.slots.used
        before = len(used)
        try:
            text = scope.render(fragment).strip()
        except UndefinedError as error:
            for name in list(used)[before:]:
                del used[name]
            if required is not None:
                raise PresentationError(
                    f"the {required} needs a value the candidate does not have: {error.message}"
                ) from error
            return ""
        # Only ASCII whitespace: Babel writes "R12 350" with a no-break space that must stay.
        return _SPACES.sub(" ", text) if "  " in text or "\n" in text else text


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
