"""The template library: every action's wording, loaded from YAML and compiled once.

Files (``templates/`` beside this module):

* ``actions/<action id>.yaml`` — one per catalog action: the numbers and words it may use (each
  a path into the candidate, see :mod:`~nextbest.presentation.sources`) and its parts, each
  written for the three literacy bands: ``title``, ``key`` (the key sentence), ``more`` (one or
  two sentences a MODERATE reader also gets), ``context`` (what a DETAILED reader also gets),
  ``basis`` (the figures behind it) and, optionally, ``emphasis`` sentences for the MONETARY and
  PERCENTAGE benefit framings.
* ``common.yaml`` — the tone layer (each tone's phrases and, per detail level, which parts are
  laid out in which order), the urgency and social-proof sentences and the disclosure shown
  under regulated actions.
* ``glossary.yaml`` — plain definitions of the terms a low-literacy text may use.

Templates are Jinja2 in an immutable sandbox with ``StrictUndefined``: a template can read the
numbers (``n.name``) and words (``w.name``) it declares and nothing else, cannot call methods that
change anything, and a misspelt name is refused when the library loads, not when a client reads
it. Wording is fixed text with slots: nothing is generated.

Rendering is on the request path, so two things are decided here, once, to keep it cheap (see
``docs/benchmarks.md`` section 9): a fragment that only reads ``n`` and ``w`` (output, ``if``,
comparisons, filters and tests; no ``set``, blocks, macros or imports) is marked ``inline``, so the
presenter can render every such fragment of a text in one shared template context instead of
building a context per fragment; and the sandbox answers the attribute check for the presenter's
own read-only views (:class:`TemplateView`) directly, with the answer the full check would give.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, cast

import yaml
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from nextbest.domain.enums import CommentaryTone, DetailLevel
from nextbest.presentation.figures import KINDS, Kind
from nextbest.presentation.framing import BenefitEmphasis, UrgencyFraming
from nextbest.presentation.reader import LiteracyBand
from nextbest.presentation.sources import ROOTS, WORD_TRANSFORMS, WordTransform

__all__ = [
    "ACTION_PARTS",
    "LAYOUT_TOKENS",
    "ActionTemplates",
    "Fragment",
    "NumberSpec",
    "TemplateError",
    "TemplateLibrary",
    "TemplateView",
    "ToneLayer",
    "WordSpec",
    "load_library",
    "sandbox",
]

ACTION_PARTS = ("title", "key", "more", "context", "basis")
"""The parts every action writes for every literacy band."""
TONE_PHRASES = ("opening", "closing", "tag")
LAYOUT_TOKENS = frozenset(
    {"key", "more", "context", "basis", "emphasis", "urgency", "social", "para", *TONE_PHRASES}
)
"""What a tone's layout may place: action parts, tone phrases, framing sentences, a paragraph."""
_REQUIRED_IN_LAYOUT = frozenset({"key", "emphasis", "urgency", "social"})
SHARED_NUMBERS = frozenset({"deadline", "social_proof"})
"""Numbers every fragment may use, supplied by the presenter (the deadline, the framing count)."""


_INLINE_NAMES = frozenset({"n", "w"})
"""The only names an ``inline`` fragment reads: the numbers and the words."""
_INLINE_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Const,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.If,
    nodes.Compare,
    nodes.Operand,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.CondExpr,
    nodes.Test,
    nodes.Filter,
    nodes.Concat,
)
"""Nodes that read and write output but never write to the template context."""


class TemplateError(ValueError):
    """The template files cannot be used; the message names the file and the part."""


class TemplateView:
    """Base of the read-only objects the presenter gives a template (``n``, ``w``).

    A view only answers attribute reads and ``in``; it is no container the sandbox knows as
    mutable and no function, type or frame, so for a view the sandbox's attribute check comes
    down to "not a private name". :class:`_Sandbox` answers exactly that without the general
    check, which costs more than the read itself (a test compares both answers).
    """

    __slots__ = ()


class _Sandbox(ImmutableSandboxedEnvironment):
    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, TemplateView):
            return not attr.startswith("_")
        return super().is_safe_attribute(obj, attr, value)


def sandbox(*, autoescape: bool = False) -> ImmutableSandboxedEnvironment:
    """The one Jinja environment templates are compiled in: sandboxed, strict, plain text."""
    return _Sandbox(
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@dataclass(frozen=True, slots=True)
class NumberSpec:
    name: str
    source: str
    kind: Kind
    positive: bool = False
    """Only a value above zero is shown (a smaller target of 0 is no option to offer)."""


@dataclass(frozen=True, slots=True)
class WordSpec:
    name: str
    source: str
    transform: WordTransform


@dataclass(frozen=True, slots=True)
class Fragment:
    """One compiled piece of wording and the numbers and words it refers to."""

    template: Template
    source: str
    numbers: frozenset[str]
    words: frozenset[str]
    static: str | None = None
    """The text itself when the fragment has no slots: rendered once, when compiled."""
    inline: bool = False
    """Reads only ``n`` and ``w`` and writes nothing to its context (see :func:`_inline`), so
    it may be rendered in a context shared with the other inline fragments of the same text."""


@dataclass(frozen=True, slots=True)
class ActionTemplates:
    action_id: str
    numbers: tuple[NumberSpec, ...]
    words: tuple[WordSpec, ...]
    parts: Mapping[tuple[str, LiteracyBand], Fragment]
    emphasis: Mapping[BenefitEmphasis, Fragment]

    def part(self, name: str, band: LiteracyBand) -> Fragment:
        return self.parts[(name, band)]


@dataclass(frozen=True, slots=True)
class ToneLayer:
    tone: CommentaryTone
    phrases: Mapping[tuple[str, LiteracyBand], Fragment]
    layouts: Mapping[DetailLevel, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class TemplateLibrary:
    actions: Mapping[str, ActionTemplates]
    tones: Mapping[CommentaryTone, ToneLayer]
    urgency: Mapping[tuple[UrgencyFraming, bool], Fragment]
    """Keyed by framing and whether the candidate has a deadline."""
    social_proof: Fragment
    disclosure: Mapping[LiteracyBand, Fragment]
    glossary: Mapping[str, str]

    def action(self, action_id: str) -> ActionTemplates:
        try:
            return self.actions[action_id]
        except KeyError:
            raise TemplateError(f"no templates for action {action_id!r}") from None


def _files(directory: Path | None) -> Traversable:
    if directory is not None:
        return cast(Traversable, directory)
    return resources.files("nextbest.presentation").joinpath("templates")


def _yaml(file: Traversable) -> Any:
    try:
        return yaml.safe_load(file.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise TemplateError(f"{file.name}: cannot read: {error}") from error


def _inline(ast: nodes.Template) -> bool:
    """Whether the fragment can share a template context: it is made only of nodes that read
    (no ``set``, ``for``, blocks, macros, imports or ``autoescape``, which write to a context or
    need the template's own) and reads no name but ``n`` and ``w`` (so a context without the
    environment's globals serves it as well as one with them)."""
    if not all(isinstance(node, _INLINE_NODES) for node in ast.find_all(nodes.Node)):
        return False
    # Not meta.find_undeclared_variables: it leaves out the environment's globals (``range``).
    return {name.name for name in ast.find_all(nodes.Name)} <= _INLINE_NAMES


def _referenced(ast: nodes.Template, root: str) -> frozenset[str]:
    return frozenset(
        node.attr
        for node in ast.find_all(nodes.Getattr)
        if isinstance(node.node, nodes.Name) and node.node.name == root
    )


class _Compiler:
    def __init__(self) -> None:
        self.env = sandbox()

    def fragment(
        self, text: Any, where: str, numbers: Iterable[str] = (), words: Iterable[str] = ()
    ) -> Fragment:
        if not isinstance(text, str) or not text.strip():
            raise TemplateError(f"{where}: expected non-empty text")
        source = " ".join(text.split())
        try:
            ast = self.env.parse(source)
            template = self.env.from_string(source)
        except TemplateSyntaxError as error:
            raise TemplateError(f"{where}: {error.message}") from error
        used_numbers, used_words = _referenced(ast, "n"), _referenced(ast, "w")
        unknown = sorted(used_numbers - set(numbers) - SHARED_NUMBERS) + sorted(
            used_words - set(words)
        )
        if unknown:
            raise TemplateError(f"{where}: refers to undeclared {', '.join(unknown)}")
        static = None
        if not meta.find_undeclared_variables(ast):
            static = " ".join(template.render().split())
        return Fragment(template, source, used_numbers, used_words, static, _inline(ast))

    def banded(
        self, data: Any, where: str, numbers: Iterable[str] = (), words: Iterable[str] = ()
    ) -> dict[LiteracyBand, Fragment]:
        """A part written per band (a mapping LOW/MIDDLE/HIGH), or once for every band."""
        numbers, words = tuple(numbers), tuple(words)
        if isinstance(data, str):
            one = self.fragment(data, where, numbers, words)
            return dict.fromkeys(LiteracyBand, one)
        if not isinstance(data, Mapping) or set(data) != {b.value for b in LiteracyBand}:
            raise TemplateError(f"{where}: expected text, or text for each of LOW, MIDDLE, HIGH")
        return {
            band: self.fragment(data[band.value], f"{where}.{band}", numbers, words)
            for band in LiteracyBand
        }


def _numbers(data: Any, where: str) -> tuple[NumberSpec, ...]:
    if not isinstance(data, Mapping):
        raise TemplateError(f"{where}: numbers must map a name to {{from, kind}}")
    found = []
    for name, spec in data.items():
        source, kind = (spec or {}).get("from"), (spec or {}).get("kind")
        if not isinstance(source, str) or source.partition(".")[0] not in ROOTS:
            raise TemplateError(f"{where}.{name}: from must be a path under {', '.join(ROOTS)}")
        if kind not in KINDS:
            raise TemplateError(f"{where}.{name}: kind must be one of {', '.join(sorted(KINDS))}")
        if name in SHARED_NUMBERS:
            raise TemplateError(f"{where}.{name}: {name} is supplied by the presenter")
        positive = (spec or {}).get("positive", False)
        if not isinstance(positive, bool):
            raise TemplateError(f"{where}.{name}: positive must be true or false")
        found.append(NumberSpec(str(name), source, cast(Kind, kind), positive))
    return tuple(found)


def _words(data: Any, where: str) -> tuple[WordSpec, ...]:
    if not isinstance(data, Mapping):
        raise TemplateError(f"{where}: words must map a name to {{from, as}}")
    found = []
    for name, spec in data.items():
        source, transform = (spec or {}).get("from"), (spec or {}).get("as", "text")
        if not isinstance(source, str) or source.partition(".")[0] not in ROOTS:
            raise TemplateError(f"{where}.{name}: from must be a path under {', '.join(ROOTS)}")
        if transform not in WORD_TRANSFORMS:
            raise TemplateError(f"{where}.{name}: as must be one of {sorted(WORD_TRANSFORMS)}")
        found.append(WordSpec(str(name), source, cast(WordTransform, transform)))
    return tuple(found)


def _action(compiler: _Compiler, data: Any, where: str) -> ActionTemplates:
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        raise TemplateError(f"{where}: expected a mapping with an id")
    unknown = sorted(set(data) - {"id", "numbers", "words", "emphasis", *ACTION_PARTS})
    if unknown:
        raise TemplateError(f"{where}: unknown field(s) {', '.join(unknown)}")
    numbers = _numbers(data.get("numbers") or {}, f"{where}: numbers")
    words = _words(data.get("words") or {}, f"{where}: words")
    number_names, word_names = [n.name for n in numbers], [w.name for w in words]
    parts: dict[tuple[str, LiteracyBand], Fragment] = {}
    for part in ACTION_PARTS:
        if part not in data:
            raise TemplateError(f"{where}: {part} is missing")
        for band, fragment in compiler.banded(
            data[part], f"{where}: {part}", number_names, word_names
        ).items():
            parts[(part, band)] = fragment
    emphasis_data = data.get("emphasis") or {}
    if not isinstance(emphasis_data, Mapping) or not set(emphasis_data) <= {
        BenefitEmphasis.MONETARY.value,
        BenefitEmphasis.PERCENTAGE.value,
    }:
        raise TemplateError(f"{where}: emphasis may hold MONETARY and PERCENTAGE sentences")
    emphasis = {
        BenefitEmphasis(key): compiler.fragment(
            text, f"{where}: emphasis.{key}", number_names, word_names
        )
        for key, text in emphasis_data.items()
    }
    return ActionTemplates(str(data["id"]), numbers, words, parts, emphasis)


def _tone(compiler: _Compiler, tone: CommentaryTone, data: Any, where: str) -> ToneLayer:
    if not isinstance(data, Mapping) or not isinstance(data.get("layout"), Mapping):
        raise TemplateError(f"{where}: expected phrases and a layout")
    phrases: dict[tuple[str, LiteracyBand], Fragment] = {}
    for phrase in TONE_PHRASES:
        if phrase in data:
            for band, fragment in compiler.banded(data[phrase], f"{where}.{phrase}").items():
                phrases[(phrase, band)] = fragment
    layouts: dict[DetailLevel, tuple[str, ...]] = {}
    for detail in DetailLevel:
        layout = data["layout"].get(detail.value)
        if not isinstance(layout, list) or not set(layout) <= LAYOUT_TOKENS:
            raise TemplateError(f"{where}.layout.{detail}: a list of {sorted(LAYOUT_TOKENS)}")
        missing = sorted(_REQUIRED_IN_LAYOUT - set(layout))
        if missing:
            raise TemplateError(f"{where}.layout.{detail}: must place {', '.join(missing)}")
        absent = sorted(
            t for t in set(layout) & set(TONE_PHRASES) if (t, LiteracyBand.LOW) not in phrases
        )
        if absent:
            raise TemplateError(f"{where}.layout.{detail}: places {', '.join(absent)}, not written")
        layouts[detail] = tuple(str(token) for token in layout)
    return ToneLayer(tone, phrases, layouts)


def load_library(directory: Path | None = None) -> TemplateLibrary:
    """The templates in ``directory`` (laid out as described above), or the built-in ones."""
    root = _files(directory)
    compiler = _Compiler()
    common = _yaml(root.joinpath("common.yaml"))
    if not isinstance(common, Mapping):
        raise TemplateError("common.yaml: expected a mapping")
    tones_data = common.get("tones") or {}
    tones = {
        tone: _tone(compiler, tone, tones_data.get(tone.value), f"common.yaml: tones.{tone}")
        for tone in CommentaryTone
    }
    framing = common.get("urgency") or {}
    urgency: dict[tuple[UrgencyFraming, bool], Fragment] = {}
    for framing_kind in (UrgencyFraming.HIGH_URGENCY, UrgencyFraming.LOW_PRESSURE):
        texts = framing.get(framing_kind.value) or {}
        for has_deadline, key in ((True, "with_deadline"), (False, "without_deadline")):
            urgency[(framing_kind, has_deadline)] = compiler.fragment(
                texts.get(key), f"common.yaml: urgency.{framing_kind}.{key}"
            )
    social = compiler.fragment(common.get("social_proof"), "common.yaml: social_proof")
    disclosure = compiler.banded(common.get("disclosure"), "common.yaml: disclosure")
    glossary_data = _yaml(root.joinpath("glossary.yaml"))
    if not isinstance(glossary_data, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in glossary_data.items()
    ):
        raise TemplateError("glossary.yaml: expected a mapping of term to definition")
    actions: dict[str, ActionTemplates] = {}
    folder = root.joinpath("actions")
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not file.name.endswith(".yaml"):
            continue
        action = _action(compiler, _yaml(file), f"actions/{file.name}")
        if action.action_id in actions:
            raise TemplateError(f"actions/{file.name}: {action.action_id!r} is written twice")
        actions[action.action_id] = action
    return TemplateLibrary(
        actions=actions,
        tones=tones,
        urgency=urgency,
        social_proof=social,
        disclosure=disclosure,
        glossary={k.strip(): " ".join(v.split()) for k, v in glossary_data.items()},
    )
