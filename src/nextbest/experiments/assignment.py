"""Assignment: which variant of an experiment a client sees, decided by a hash and nothing else.

A client's bucket is a keyed hash (BLAKE2b) of the environment, the experiment's salt and the
client id, reduced to 0..9,999; each variant owns a contiguous range of buckets in proportion
to its traffic share. Nothing random and nothing stored is needed to answer, so every process
gives the same answer, and two experiments with different salts split clients independently.

Three things can keep a client out of an experiment (the client then sees the control and no
exposure is recorded): the experiment targets segments the client is not in, or the
experiment belongs to a *layer* and the client's layer bucket falls outside the experiment's
slot. The layer bucket hashes the layer's own salt, and experiments in one layer hold disjoint
slots, so they never share a client — that is how two tests of the same text can run at once.

The environment ("production", "test") is part of every hash input, and part of every
``Assignment``, so a client's test-environment variant predicts nothing about production and
storage can key assignments by environment (seed 002: "separate A/B test assignments from
production").

Stickiness is storage's job: once stored, an assignment wins over the hash even if the
experiment's shares changed since (seed 002's conflict case). ``assign`` takes the stored one
and returns it unchanged; ``conflicts_with_hash`` says when the two disagree, for the warning.

>>> spec = ExperimentSpec(
...     "BENEFIT_EMPHASIS",
...     (Variant("CONTROL", 34), Variant("MONETARY_FOCUS", 33), Variant("PERCENTAGE_FOCUS", 33)),
... )
>>> first = assign(spec, ClientId("c-1"), environment=Environment.PRODUCTION)
>>> first == assign(spec, ClientId("c-1"), environment=Environment.PRODUCTION)
True
>>> first.enrolled, first.variant in spec.variant_names
(True, True)
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import pairwise

from nextbest.domain.ids import ClientId
from nextbest.errors import Problem, ValidationFailed

__all__ = [
    "BUCKETS",
    "Assignment",
    "Environment",
    "Exclusion",
    "ExperimentSpec",
    "Layer",
    "LayerSlot",
    "Variant",
    "assign",
    "bucket",
    "conflicts_with_hash",
]

BUCKETS = 10_000
"""Buckets per hash: traffic shares and layer slots have a resolution of 0.01 percentage point."""
_PERCENT = Decimal(100)
_RESOLUTION = Decimal("0.01")


class Environment(StrEnum):
    """Where an assignment was made; the same values as ``settings.Environment``."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Exclusion(StrEnum):
    """Why a client is not in an experiment (and so sees the control, unrecorded)."""

    NOT_TARGETED = "NOT_TARGETED"
    """The experiment targets segments and the client is in none of them."""
    OUTSIDE_LAYER_SLOT = "OUTSIDE_LAYER_SLOT"
    """The client's layer bucket belongs to another experiment of the layer, or to none."""


def bucket(*parts: str) -> int:
    """A bucket in 0..``BUCKETS``-1 from a BLAKE2b hash of ``parts``.

    The parts are joined with a unit separator (0x1F) so ("ab", "c") and ("a", "bc") differ.
    64 bits reduced modulo 10,000 leave a bias below 1e-15, far under anything measurable.

    >>> bucket("production", "salt", "c-1") == bucket("production", "salt", "c-1")
    True
    >>> 0 <= bucket("production", "salt", "c-1") < BUCKETS
    True
    """
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def _percent(value: Decimal | int | str | float) -> Decimal:
    """A share as a Decimal; floats go through ``str`` so 33.33 stays 33.33."""
    try:
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return Decimal("NaN")


@dataclass(frozen=True, slots=True)
class Variant:
    """One arm of an experiment and its share of the experiment's traffic, in percent.

    >>> Variant("CONTROL", "33.34").share
    Decimal('33.34')
    """

    name: str
    share: Decimal

    def __init__(self, name: str, share: Decimal | int | str | float) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "share", _percent(share))


def _share_problems(variants: tuple[Variant, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if not variants:
        return [("variants", "an experiment needs at least one variant")]
    names = [variant.name for variant in variants]
    for index, variant in enumerate(variants):
        where = f"variants.{index}"
        if not variant.name.strip():
            problems.append((f"{where}.name", "a variant needs a name"))
        if not variant.share.is_finite():
            problems.append((f"{where}.share", "the traffic share is not a number"))
        elif variant.share < 0:
            problems.append((f"{where}.share", f"traffic share {variant.share} is negative"))
        elif variant.share % _RESOLUTION != 0:
            problems.append(
                (f"{where}.share", f"traffic share {variant.share} is finer than 0.01 percent")
            )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append(("variants", f"variant names repeat: {', '.join(duplicates)}"))
    if not problems:
        total = sum((variant.share for variant in variants), Decimal(0))
        if total != _PERCENT:
            problems.append(("variants", f"traffic shares sum to {total}, not 100"))
    return problems


@dataclass(frozen=True, slots=True)
class ExperimentSpec:
    """What assignment needs to know of an experiment; validated when built.

    ``salt`` defaults to the name (seed 002 hashes the test name); give a new salt to reshuffle
    clients when an experiment is restarted. ``control`` defaults to the first variant.
    ``segments``, when given, limits the experiment to clients in those segments (labels or
    numbers, compared as text). ``layer`` names the ``Layer`` whose slot the experiment holds.

    >>> ExperimentSpec("T", (Variant("A", 50), Variant("B", 40)))
    Traceback (most recent call last):
    ...
    nextbest.errors.ValidationFailed: variants: traffic shares sum to 90, not 100
    """

    name: str
    variants: tuple[Variant, ...]
    salt: str = ""
    control: str = ""
    segments: frozenset[str] | None = None
    layer: str | None = None
    _upper_bounds: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = _share_problems(self.variants)
        if not self.name.strip():
            problems.insert(0, ("name", "an experiment needs a name"))
        if self.control and self.control not in self.variant_names:
            problems.append(("control", f"{self.control!r} is not one of the variants"))
        if self.segments is not None and not self.segments:
            problems.append(("segments", "targeting no segment would enrol nobody"))
        if problems:
            raise ValidationFailed(problems)
        if not self.salt:
            object.__setattr__(self, "salt", self.name)
        if not self.control:
            object.__setattr__(self, "control", self.variants[0].name)
        if self.segments is not None:
            object.__setattr__(self, "segments", frozenset(str(s) for s in self.segments))
        bounds: list[int] = []
        running = Decimal(0)
        for variant in self.variants:
            running += variant.share
            bounds.append(int(running * BUCKETS / _PERCENT))
        object.__setattr__(self, "_upper_bounds", tuple(bounds))

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(variant.name for variant in self.variants)

    @property
    def shares(self) -> dict[str, Decimal]:
        """Each variant's configured share in percent (what the SRM check compares against)."""
        return {variant.name: variant.share for variant in self.variants}

    def variant_at(self, variant_bucket: int) -> str:
        """The variant owning ``variant_bucket``: the first whose cumulative range holds it."""
        # The first upper bound above the bucket; a zero-share variant repeats the bound before
        # it, so bisect_right passes over it and it never receives a client.
        return self.variants[bisect_right(self._upper_bounds, variant_bucket)].name

    def targets(self, segment: str | int | None) -> bool:
        """Whether a client in ``segment`` may be enrolled (always, without targeting)."""
        if self.segments is None:
            return True
        return segment is not None and str(segment) in self.segments


@dataclass(frozen=True, slots=True)
class LayerSlot:
    """The layer buckets ``start`` (inclusive) to ``stop`` (exclusive) held by one experiment."""

    experiment: str
    start: int
    stop: int

    @property
    def percent(self) -> Decimal:
        return Decimal(self.stop - self.start) * _PERCENT / BUCKETS


@dataclass(frozen=True, slots=True)
class Layer:
    """Experiments that must never share a client, each holding a disjoint slot of buckets.

    A client's layer bucket comes from the layer's salt alone, so it does not depend on which
    experiments the layer holds: adding one never moves a client of another.

    >>> layer = Layer("wording", "wording-2026").with_experiment("A", 30).with_experiment("B", 50)
    >>> [(slot.experiment, slot.start, slot.stop) for slot in layer.slots]
    [('A', 0, 3000), ('B', 3000, 8000)]
    >>> layer.with_experiment("C", 25)
    Traceback (most recent call last):
    ...
    nextbest.errors.ValidationFailed: layer: layer 'wording' has no free 25 percent slot
    """

    name: str
    salt: str
    slots: tuple[LayerSlot, ...] = ()

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        ordered = sorted(self.slots, key=lambda slot: slot.start)
        names = [slot.experiment for slot in self.slots]
        if len(set(names)) != len(names):
            problems.append(("slots", "an experiment holds more than one slot"))
        for slot in ordered:
            if not 0 <= slot.start < slot.stop <= BUCKETS:
                problems.append(
                    ("slots", f"{slot.experiment}: {slot.start}..{slot.stop} is not a range")
                )
        for before, after in pairwise(ordered):
            if after.start < before.stop:
                problems.append(("slots", f"{before.experiment} and {after.experiment} overlap"))
        if problems:
            raise ValidationFailed(problems)

    def slot_of(self, experiment: str) -> LayerSlot | None:
        return next((slot for slot in self.slots if slot.experiment == experiment), None)

    def with_experiment(self, experiment: str, percent: Decimal | int | str | float) -> Layer:
        """This layer with ``experiment`` given the first free slot of ``percent`` percent."""
        wanted = _percent(percent)
        if not wanted.is_finite() or wanted <= 0 or wanted % _RESOLUTION != 0:
            raise ValidationFailed([("percent", f"{percent} is not a share of 0.01 to 100")])
        width = int(wanted * BUCKETS / _PERCENT)
        start = 0
        for slot in sorted(self.slots, key=lambda s: s.start):
            if slot.start - start >= width:
                break
            start = slot.stop
        if start + width > BUCKETS:
            raise ValidationFailed(
                [("layer", f"layer {self.name!r} has no free {wanted} percent slot")]
            )
        new = LayerSlot(experiment, start, start + width)
        return Layer(self.name, self.salt, (*self.slots, new))

    def experiment_at(self, layer_bucket: int) -> str | None:
        """The experiment whose slot holds ``layer_bucket``, or None if the bucket is free."""
        for slot in self.slots:
            if slot.start <= layer_bucket < slot.stop:
                return slot.experiment
        return None


@dataclass(frozen=True, slots=True)
class Assignment:
    """A client's variant in one experiment and environment.

    When ``enrolled`` is false the client sees ``variant`` (the control) but is not part of the
    experiment: record no exposure and store nothing. ``bucket`` is None for an assignment read
    back from storage, which need not keep it.
    """

    experiment: str
    client_id: ClientId
    environment: Environment
    variant: str
    enrolled: bool = True
    exclusion: Exclusion | None = None
    bucket: int | None = None


def assign(
    spec: ExperimentSpec,
    client_id: ClientId,
    *,
    environment: Environment,
    segment: str | int | None = None,
    layer: Layer | None = None,
    existing: Assignment | None = None,
) -> Assignment:
    """The client's assignment: ``existing`` unchanged when given, otherwise from the hash.

    ``layer`` must be given when the experiment belongs to one (a programming error otherwise,
    so it raises ``ValueError``). Targeting is checked before the layer, so a client outside the
    targeted segments never uses up a layer bucket's experiment.
    """
    if existing is not None:
        return existing
    if spec.layer is not None:
        if layer is None or layer.name != spec.layer:
            raise ValueError(f"experiment {spec.name!r} needs its layer {spec.layer!r}")
    if not spec.targets(segment):
        return Assignment(
            spec.name, client_id, environment, spec.control, False, Exclusion.NOT_TARGETED
        )
    if layer is not None:
        slot = layer.slot_of(spec.name)
        layer_bucket = bucket(environment.value, "layer", layer.salt, client_id)
        if slot is None or not slot.start <= layer_bucket < slot.stop:
            return Assignment(
                spec.name,
                client_id,
                environment,
                spec.control,
                False,
                Exclusion.OUTSIDE_LAYER_SLOT,
            )
    variant_bucket = bucket(environment.value, spec.salt, client_id)
    return Assignment(
        spec.name,
        client_id,
        environment,
        spec.variant_at(variant_bucket),
        True,
        None,
        variant_bucket,
    )


def conflicts_with_hash(
    existing: Assignment,
    spec: ExperimentSpec,
    *,
    segment: str | int | None = None,
    layer: Layer | None = None,
) -> bool:
    """Whether the stored assignment differs from what the hash would give today.

    The stored one still wins; this is for seed 002's "log a warning for investigation", which
    happens when shares, targeting or the layer changed after the client was assigned.
    """
    fresh = assign(
        spec, existing.client_id, environment=existing.environment, segment=segment, layer=layer
    )
    return (fresh.variant, fresh.enrolled) != (existing.variant, existing.enrolled)
