"""Keys, pseudonyms and the audit chain, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextbest.security.audit import (
    GENESIS,
    AuditEntry,
    StoredEntry,
    entry_hash,
    verify_chain,
)
from nextbest.security.keys import issue_key, parse_key, secret_matches
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.security.roles import Role, parse_roles

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def test_a_key_is_shown_once_and_only_its_salted_hash_is_kept() -> None:
    issued = issue_key("app", frozenset({Role.APP}), now=NOW, expires_at=NOW + timedelta(days=1))
    parts = parse_key(issued.key)
    assert parts is not None
    assert parts.key_id == issued.record.key_id
    assert parts.secret not in repr(issued.record)
    assert parts.secret.encode() not in (issued.record.secret_hash + issued.record.salt)
    assert secret_matches(issued.record, parts.secret)
    assert not secret_matches(issued.record, parts.secret[:-1] + "x")
    other = issue_key("app", frozenset({Role.APP}), now=NOW, expires_at=NOW + timedelta(days=1))
    assert other.record.salt != issued.record.salt
    assert other.key != issued.key


def test_expiry_and_revocation_make_a_key_unusable() -> None:
    record = issue_key(
        "k", frozenset({Role.ADMIN}), now=NOW, expires_at=NOW + timedelta(days=1)
    ).record
    assert record.usable(NOW)
    assert record.why_unusable(NOW) is None
    assert record.why_unusable(NOW + timedelta(days=1)) == "the API key has expired"
    revoked = replace(record, revoked_at=NOW)
    assert revoked.why_unusable(NOW) == "the API key was revoked"
    with pytest.raises(ValueError, match="expire after"):
        issue_key("k", frozenset({Role.APP}), now=NOW, expires_at=NOW)
    with pytest.raises(ValueError, match="role"):
        issue_key("k", frozenset(), now=NOW, expires_at=NOW + timedelta(days=1))


@pytest.mark.parametrize("text", ["", "nbk_x", "nbk_0123456789ab_short", "Bearer nbk_..."])
def test_malformed_keys_do_not_parse(text: str) -> None:
    assert parse_key(text) is None


def test_roles_parse_from_text_and_unknown_ones_are_named() -> None:
    assert parse_roles("app, Advisor") == {Role.APP, Role.ADVISOR}
    with pytest.raises(ValueError, match="unknown role 'root'"):
        parse_roles("app,root")
    with pytest.raises(ValueError, match="at least one"):
        parse_roles(" , ")


def test_pseudonyms_are_stable_per_key_and_unrelated_across_keys() -> None:
    one, two = Pseudonymiser("k" * 16), Pseudonymiser("j" * 16)
    assert one("c-1") == one("c-1") != one("c-2")
    assert one("c-1") != two("c-1")
    assert len(one("c-1")) == 64
    assert "c-1" not in one("c-1")
    with pytest.raises(ValueError, match="16 bytes"):
        Pseudonymiser("short")


def _chain(entries: list[AuditEntry]) -> list[StoredEntry]:
    stored, previous = [], GENESIS
    for number, entry in enumerate(entries, start=1):
        digest = entry_hash(previous, entry)
        stored.append(StoredEntry(number, entry, previous, digest))
        previous = digest
    return stored


_entries = st.lists(
    st.builds(
        AuditEntry,
        at=st.datetimes(timezones=st.just(UTC)),
        principal=st.text(min_size=1, max_size=20),
        action=st.sampled_from(["read", "write", "privacy.erase"]),
        status=st.none() | st.integers(100, 599),
        client_ref=st.none() | st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
        detail=st.dictionaries(
            st.text(max_size=5), st.integers(-(2**53), 2**53) | st.text(max_size=5)
        ),
    ),
    min_size=2,
    max_size=12,
)


@given(_entries, st.data())
def test_any_change_removal_or_swap_is_found_at_the_first_entry_it_breaks(
    entries: list[AuditEntry], data: st.DataObject
) -> None:
    chain = _chain(entries)
    assert verify_chain(chain)[2] is None
    assert verify_chain(chain)[0] == len(chain)
    at = data.draw(st.integers(0, len(chain) - 1))
    victim = chain[at]
    changed = replace(victim, entry=replace(victim.entry, status=(victim.entry.status or 0) + 1))
    broken = verify_chain([*chain[:at], changed, *chain[at + 1 :]])[2]
    assert broken is not None
    assert broken.id == victim.id
    if at < len(chain) - 1:  # removing an entry breaks the next one
        broken = verify_chain([*chain[:at], *chain[at + 1 :]])[2]
        assert broken is not None
        assert broken.id == chain[at + 1].id
        swapped = verify_chain([*chain[:at], chain[at + 1], chain[at], *chain[at + 2 :]])[2]
        assert swapped is not None
        assert swapped.id == chain[at + 1].id
