"""Assignment is a pure function of (environment, salt, client): deterministic, split as
configured, exclusive within a layer, separate per environment, sticky when stored."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nextbest.domain.ids import ClientId
from nextbest.errors import ValidationFailed
from nextbest.experiments.assignment import (
    BUCKETS,
    Assignment,
    Environment,
    Exclusion,
    ExperimentSpec,
    Layer,
    LayerSlot,
    Variant,
    assign,
    bucket,
    conflicts_with_hash,
)

PROD = Environment.PRODUCTION
BENEFIT = ExperimentSpec(
    "BENEFIT_EMPHASIS",
    (Variant("CONTROL", 34), Variant("MONETARY_FOCUS", 33), Variant("PERCENTAGE_FOCUS", 33)),
)
CLIENTS = [ClientId(f"client-{number}") for number in range(20_000)]


@given(st.text(min_size=1, max_size=40))
@settings(max_examples=200)
def test_the_same_client_always_gets_the_same_variant(client: str) -> None:
    first = assign(BENEFIT, ClientId(client), environment=PROD)
    again = assign(BENEFIT, ClientId(client), environment=PROD)
    assert first == again
    assert first.bucket is not None
    assert 0 <= first.bucket < BUCKETS
    assert first.variant == BENEFIT.variant_at(first.bucket)


def test_the_hash_is_pinned_so_running_experiments_never_reshuffle() -> None:
    """A changed hash (algorithm, separator, reduction) would silently move every running
    experiment's clients to other variants; these values were computed once and must hold."""
    assert [bucket("production", "BENEFIT_EMPHASIS", f"c-{n}") for n in range(4)] == [
        3943,
        938,
        2060,
        576,
    ]


def test_the_separator_keeps_shifted_parts_apart() -> None:
    assert bucket("ab", "c") == 4916
    assert bucket("a", "bc") == 6234


def test_variants_receive_their_configured_shares() -> None:
    counts = Counter(assign(BENEFIT, client, environment=PROD).variant for client in CLIENTS)
    for variant in BENEFIT.variants:
        share = counts[variant.name] / len(CLIENTS) * 100
        # 20,000 clients: one standard error is about 0.33 points.
        assert share == pytest.approx(float(variant.share), abs=1.5)


def test_bucket_ranges_follow_the_cumulative_shares() -> None:
    spec = ExperimentSpec("T", (Variant("A", "12.34"), Variant("B", 0), Variant("C", "87.66")))
    assert spec.variant_at(0) == "A"
    assert spec.variant_at(1233) == "A"
    assert spec.variant_at(1234) == "C"  # B has no share and so no bucket
    assert spec.variant_at(BUCKETS - 1) == "C"


def test_a_new_salt_reshuffles_clients() -> None:
    salted = ExperimentSpec("BENEFIT_EMPHASIS", BENEFIT.variants, salt="restart-2")
    moved = sum(
        assign(BENEFIT, c, environment=PROD).variant != assign(salted, c, environment=PROD).variant
        for c in CLIENTS[:3000]
    )
    assert moved > 1500  # about two thirds move to another of three variants


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ((Variant("A", 50), Variant("B", 40)), "traffic shares sum to 90, not 100"),
        ((Variant("A", 60), Variant("B", 60)), "traffic shares sum to 120, not 100"),
        ((Variant("A", 110), Variant("B", -10)), "traffic share -10 is negative"),
        ((Variant("A", "50.005"), Variant("B", "49.995")), "finer than 0.01 percent"),
        ((Variant("A", 50), Variant("A", 50)), "variant names repeat: A"),
        ((Variant("A", "half"), Variant("B", 50)), "the traffic share is not a number"),
        ((), "an experiment needs at least one variant"),
    ],
)
def test_traffic_shares_are_validated_with_a_clear_message(
    variants: tuple[Variant, ...], message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        ExperimentSpec("T", variants)


def test_decimal_and_float_shares_summing_to_100_are_accepted() -> None:
    spec = ExperimentSpec("T", (Variant("A", 33.33), Variant("B", "33.33"), Variant("C", 33.34)))
    assert sum(spec.shares.values()) == Decimal(100)
    assert spec.control == "A"
    assert spec.salt == "T"


def test_an_unknown_control_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="'Z' is not one of the variants"):
        ExperimentSpec("T", (Variant("A", 50), Variant("B", 50)), control="Z")


def test_an_existing_assignment_always_wins() -> None:
    stored = Assignment("BENEFIT_EMPHASIS", ClientId("client-7"), PROD, "PERCENTAGE_FOCUS")
    changed = ExperimentSpec("BENEFIT_EMPHASIS", (Variant("CONTROL", 100),))
    assert assign(changed, stored.client_id, environment=PROD, existing=stored) is stored
    assert conflicts_with_hash(stored, changed)


def test_a_stored_assignment_that_matches_the_hash_is_no_conflict() -> None:
    fresh = assign(BENEFIT, ClientId("client-9"), environment=PROD)
    stored = Assignment(fresh.experiment, fresh.client_id, PROD, fresh.variant)
    assert not conflicts_with_hash(stored, BENEFIT)


def test_test_environment_assignments_are_independent_of_production() -> None:
    pairs = [
        (
            assign(BENEFIT, c, environment=PROD),
            assign(BENEFIT, c, environment=Environment.TEST),
        )
        for c in CLIENTS[:3000]
    ]
    assert all(test.environment is Environment.TEST for _, test in pairs)
    assert all(prod.environment is PROD for prod, _ in pairs)
    same = sum(prod.variant == test.variant for prod, test in pairs)
    # Independent draws agree with probability 0.34² + 0.33² + 0.33² = 0.334.
    assert 0.30 < same / len(pairs) < 0.37


def test_targeting_enrols_only_the_named_segments() -> None:
    spec = ExperimentSpec(
        "URGENCY_FRAMING",
        (Variant("CONTROL", 50), Variant("HIGH_URGENCY", 50)),
        segments=frozenset({"3", "young-savers"}),
    )
    client = ClientId("client-1")
    assert assign(spec, client, environment=PROD, segment=3).enrolled
    assert assign(spec, client, environment=PROD, segment="young-savers").enrolled
    outside = assign(spec, client, environment=PROD, segment=4)
    assert not outside.enrolled
    assert outside.exclusion is Exclusion.NOT_TARGETED
    assert outside.variant == "CONTROL"
    assert not assign(spec, client, environment=PROD, segment=None).enrolled


def test_experiments_in_one_layer_never_share_a_client() -> None:
    layer = Layer("wording", "wording-2026").with_experiment("A", 40).with_experiment("B", 40)
    a = ExperimentSpec("A", (Variant("C", 50), Variant("T", 50)), layer="wording")
    b = ExperimentSpec("B", (Variant("C", 50), Variant("T", 50)), layer="wording")
    in_a = {c for c in CLIENTS if assign(a, c, environment=PROD, layer=layer).enrolled}
    in_b = {c for c in CLIENTS if assign(b, c, environment=PROD, layer=layer).enrolled}
    assert not in_a & in_b
    assert len(in_a) / len(CLIENTS) == pytest.approx(0.40, abs=0.02)
    assert len(in_b) / len(CLIENTS) == pytest.approx(0.40, abs=0.02)
    left_out = assign(a, next(c for c in CLIENTS if c not in in_a), environment=PROD, layer=layer)
    assert left_out.exclusion is Exclusion.OUTSIDE_LAYER_SLOT
    assert left_out.variant == "C"


def test_the_variant_split_inside_a_layer_slot_is_still_even() -> None:
    layer = Layer("wording", "w").with_experiment("A", 50)
    a = ExperimentSpec("A", (Variant("C", 50), Variant("T", 50)), layer="wording")
    enrolled = [assign(a, c, environment=PROD, layer=layer) for c in CLIENTS]
    counts = Counter(x.variant for x in enrolled if x.enrolled)
    assert counts["T"] / sum(counts.values()) == pytest.approx(0.5, abs=0.02)


def test_an_experiment_of_a_layer_needs_that_layer() -> None:
    a = ExperimentSpec("A", (Variant("C", 100),), layer="wording")
    with pytest.raises(ValueError, match="needs its layer 'wording'"):
        assign(a, ClientId("c"), environment=PROD)


@pytest.mark.parametrize(
    "slots",
    [
        (LayerSlot("A", 0, 5000), LayerSlot("B", 4999, 6000)),
        (LayerSlot("A", 0, 5000), LayerSlot("A", 6000, 7000)),
        (LayerSlot("A", 9000, 10_001),),
        (LayerSlot("A", 10, 10),),
    ],
)
def test_layer_slots_must_be_disjoint_ranges(slots: tuple[LayerSlot, ...]) -> None:
    with pytest.raises(ValidationFailed):
        Layer("l", "s", slots)


def test_a_layer_fills_the_first_gap_large_enough() -> None:
    layer = Layer("l", "s", (LayerSlot("A", 0, 1000), LayerSlot("B", 3000, 4000)))
    assert layer.with_experiment("C", 20).slot_of("C") == LayerSlot("C", 1000, 3000)
    assert layer.with_experiment("D", 30).slot_of("D") == LayerSlot("D", 4000, 7000)
    assert layer.with_experiment("C", 20).slot_of("C").percent == Decimal(20)  # type: ignore[union-attr]
