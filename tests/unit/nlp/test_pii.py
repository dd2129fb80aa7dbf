"""Personal data is masked only when its checksum holds, and nothing else is touched."""

from __future__ import annotations

import pytest

from nextbest.nlp.pii import (
    PiiKind,
    find_pii,
    iban_is_valid,
    luhn_is_valid,
    mask_pii,
    za_id_is_valid,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my card is 4111 1111 1111 1111", PiiKind.CARD),
        ("card 5500-0000-0000-0004 please", PiiKind.CARD),
        ("amex 378282246310005", PiiKind.CARD),
        ("IBAN GB82 WEST 1234 5698 7654 32", PiiKind.IBAN),
        ("pay DE89370400440532013000 today", PiiKind.IBAN),
        ("write to jo.bloggs+bank@example.co.uk", PiiKind.EMAIL),
        ("call +44 20 7946 0958", PiiKind.PHONE),
        ("ring me on 07700 900123", PiiKind.PHONE),
        ("my cell is 082 123 4567", PiiKind.PHONE),
        ("US office (555) 123-4567", PiiKind.PHONE),
        ("NI number AB 12 34 56 C", PiiKind.UK_NI),
        ("my id number is 8001015009087", PiiKind.ZA_ID),
        ("ssn 123-45-6789", PiiKind.US_SSN),
    ],
)
def test_finds_each_kind_of_personal_data(text: str, kind: PiiKind) -> None:
    assert [match.kind for match in find_pii(text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "IBAN GB82 WEST 1234 5698 7654 33",  # fails mod 97
        "id 8013015009087",  # month 13
        "id 8001015009088",  # fails Luhn
        "ssn 666-45-6789",  # area 666 is never issued
        "ssn 123-00-6789",  # group 00 is never issued
        "NI number QQ 12 34 56 C",  # Q is not a valid first letter
        "I want £5,000 by 2045, ref 1234567, sort 20-00-00",
        "transfer 250000 to the account ending 1234",
        "R 20 000 and 1,200,000 saved over 10 years",
    ],
)
def test_leaves_numbers_that_are_not_personal_data_alone(text: str) -> None:
    assert mask_pii(text).text == text


def test_masks_in_place_and_reports_positions_not_values() -> None:
    text = "Card 4111 1111 1111 1111, mail jo@example.com, id 8001015009087."
    masked = mask_pii(text)
    assert masked.text == "Card [CARD], mail [EMAIL], id [ZA_ID]."
    assert [text[m.start : m.end] for m in masked.found] == [
        "4111 1111 1111 1111",
        "jo@example.com",
        "8001015009087",
    ]
    assert not any(hasattr(m, "value") for m in masked.found)


def test_a_south_african_id_is_not_also_a_card_number() -> None:
    # 8001015009087 passes Luhn, so it could pass for a 13-digit card; the date decides.
    assert luhn_is_valid("8001015009087")
    assert [m.kind for m in find_pii("8001015009087")] == [PiiKind.ZA_ID]


def test_checksums() -> None:
    assert luhn_is_valid("79927398713")
    assert not luhn_is_valid("79927398710")
    assert not luhn_is_valid("7992a398713")
    assert iban_is_valid("gb82west12345698765432")
    assert not iban_is_valid("GB82")
    assert za_id_is_valid("0002295009084")  # 29 February is a real birthday
    assert luhn_is_valid("0002305009082")
    assert not za_id_is_valid("0002305009082")  # 30 February is not
    assert not za_id_is_valid("800101500908")  # twelve digits
