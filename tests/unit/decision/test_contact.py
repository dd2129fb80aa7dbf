"""The contact policy: caps by notification frequency, suppression, rests, repeats, timing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from nextbest.decision.catalog import load_catalog
from nextbest.decision.contact import ContactPolicy, deliver_at
from nextbest.decision.engine import inclusion_probabilities
from nextbest.domain.candidate import Category
from nextbest.domain.enums import Channel, NotificationFrequency
from nextbest.domain.ids import ClientId
from nextbest.domain.recommendation import Recommendation, Status

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
CATALOG = load_catalog()
ARTICLE = CATALOG.get("read-article")
assert ARTICLE is not None


def _rec(
    status: Status,
    days_ago: float,
    *,
    action: str = "read-article",
    channel: Channel = Channel.IN_APP,
    expires_in: float = 7,
) -> Recommendation:
    at = NOW - timedelta(days=days_ago)
    return Recommendation(
        recommendation_id=f"r-{status}-{days_ago}-{channel}",
        decision_id="d",
        client_id=ClientId("c"),
        action_id=action,
        candidate_key=action,
        category=Category.CONTENT,
        channel=channel,
        rank=1,
        score=1.0,
        probability=1.0,
        regulated=False,
        status=status,
        status_at=at,
        delivered_at=at,
        deliver_at=at,
        expires_at=at + timedelta(days=expires_in),
        segment="0",
    )


def _blocked(
    *history: Recommendation,
    channel: Channel = Channel.IN_APP,
    policy: ContactPolicy | None = None,
) -> str | None:
    state = (policy or ContactPolicy()).state(
        history, channel=channel, frequency=NotificationFrequency.WEEKLY, now=NOW
    )
    assert ARTICLE is not None
    verdict = state.blocked(ARTICLE)
    return None if verdict is None else verdict[0]


def test_an_action_is_suppressed_after_n_dismissals_within_d_days() -> None:
    assert _blocked(_rec(Status.DISMISSED, 10)) is None  # one, rested
    assert _blocked(_rec(Status.DISMISSED, 10), _rec(Status.DISMISSED, 20)) == "SUPPRESSED"
    assert _blocked(_rec(Status.DISMISSED, 10), _rec(Status.DISMISSED, 40)) is None  # outside D
    strict = ContactPolicy(suppress_after_dismissals=1)
    assert _blocked(_rec(Status.DISMISSED, 10), policy=strict) == "SUPPRESSED"


def test_a_dismissed_action_rests_a_few_days() -> None:
    assert _blocked(_rec(Status.DISMISSED, 1)) == "RESTING"
    assert _blocked(_rec(Status.DISMISSED, 4)) is None


def test_an_accepted_action_is_not_suggested_again_within_its_expiry() -> None:
    assert _blocked(_rec(Status.ACCEPTED, 3)) == "ACCEPTED"  # read-article expires after 7 days
    assert _blocked(_rec(Status.ACCEPTED, 8)) is None


def test_push_channels_are_capped_by_frequency_and_never_repeat_an_unanswered_send() -> None:
    policy = ContactPolicy()
    for frequency, count, days in (
        (NotificationFrequency.REAL_TIME, 6, 1),
        (NotificationFrequency.DAILY, 1, 1),
        (NotificationFrequency.WEEKLY, 1, 7),
        (NotificationFrequency.MONTHLY, 1, 30),
    ):
        sent = [
            _rec(Status.DISMISSED, days - 0.5, channel=Channel.PUSH, action=f"x{i}")
            for i in range(count)
        ]
        state = policy.state(sent, channel=Channel.PUSH, frequency=frequency, now=NOW)
        assert state.remaining() == 0, frequency
        assert str(count) in state.cap_text()
        older = policy.state(
            [_rec(Status.DISMISSED, days + 0.5, channel=Channel.PUSH)],
            channel=Channel.PUSH,
            frequency=frequency,
            now=NOW,
        )
        assert older.remaining() == count
    held = [
        _rec(status, 0.5, channel=Channel.PUSH, action=f"h-{status}")
        for status in (Status.PENDING_REVIEW, Status.REJECTED)
    ]
    unsent = policy.state(
        held, channel=Channel.PUSH, frequency=NotificationFrequency.DAILY, now=NOW
    )
    assert unsent.remaining() == 1  # held or refused for review: the client heard nothing
    pull = policy.state([], channel=Channel.IN_APP, frequency=NotificationFrequency.DAILY, now=NOW)
    assert pull.remaining() is None
    assert _blocked(_rec(Status.DELIVERED, 1, channel=Channel.EMAIL), channel=Channel.EMAIL) == (
        "OPEN"
    )
    assert _blocked(_rec(Status.DELIVERED, 1)) is None  # on a pull channel it is served again


def test_open_suggestions_are_found_for_reuse_until_they_expire() -> None:
    state = ContactPolicy().state(
        [_rec(Status.VIEWED, 2), _rec(Status.DELIVERED, 10)],
        channel=Channel.IN_APP,
        frequency=NotificationFrequency.DAILY,
        now=NOW,
    )
    found = state.open_on_channel("read-article", "read-article")
    assert found is not None
    assert found.status is Status.VIEWED  # the one delivered 10 days ago has expired
    assert state.open_on_channel("read-article", "another-finding") is None


def test_push_delivery_waits_for_the_preferred_hour() -> None:
    assert deliver_at(NOW, Channel.PUSH, 18) == NOW.replace(hour=18)
    assert deliver_at(NOW, Channel.EMAIL, 7) == NOW.replace(hour=7) + timedelta(days=1)
    assert deliver_at(NOW, Channel.PUSH, None) == NOW
    assert deliver_at(NOW, Channel.IN_APP, 18) == NOW


def test_inclusion_probabilities_follow_the_draws() -> None:
    fixed = np.array([[3.0] * 10, [2.0] * 10, [1.0] * 10])
    assert inclusion_probabilities(fixed, ["A", "B", "C"], 2, 2).tolist() == [1.0, 1.0, 0.0]
    assert inclusion_probabilities(fixed, ["A", "A", "C"], 2, 1).tolist() == [1.0, 0.0, 1.0]
    rng = np.random.default_rng(5)
    share = inclusion_probabilities(rng.random((4, 20_000)), ["A", "B", "C", "D"], 2, 2)
    assert share == pytest.approx([0.5] * 4, abs=0.02)
    assert share.sum() == pytest.approx(2.0)
    # a place already taken by an approved suggestion of category A counts against A's share
    assert inclusion_probabilities(fixed, ["A", "B", "C"], 2, 1, reserved=["A"]).tolist() == [
        0.0,
        1.0,
        1.0,
    ]
    # a row held for review is chosen while it ranks above the last place, taking none
    held = inclusion_probabilities(fixed, ["A", "B", "C"], 1, 2, held=[True, False, False])
    assert held.tolist() == [1.0, 1.0, 0.0]


def test_a_finding_waiting_for_review_is_not_suggested_again_but_others_are() -> None:
    pending = replace(_rec(Status.PENDING_REVIEW, 1), candidate_key="finding-a")
    state = ContactPolicy().state(
        [pending], channel=Channel.IN_APP, frequency=NotificationFrequency.DAILY, now=NOW
    )
    assert ARTICLE is not None
    verdict = state.blocked(ARTICLE, "finding-a")
    assert verdict is not None
    assert verdict[0] == "OPEN"
    assert "review" in verdict[1]
    assert state.blocked(ARTICLE, "finding-b") is None


def test_the_history_read_reaches_back_as_far_as_the_longest_rule() -> None:
    policy = ContactPolicy(suppress_days=30, rest_days_after_dismissal=3)
    assert policy.lookback(14) == timedelta(days=30)
    assert policy.lookback(90) == timedelta(days=90)  # an action that stays done for 90 days
