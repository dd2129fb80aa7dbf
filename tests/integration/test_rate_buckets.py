"""A key's token bucket in the database: refilled with time, never past its burst, and taken
from in whole requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def test_a_bucket_starts_full_refills_with_time_and_says_how_long_to_wait(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    uow = UnitOfWork(make_session_factory(engine))

    def take(want: int, at: datetime) -> tuple[int, float]:
        with uow:
            lease = uow.rate_buckets.take("k1", want=want, rate=2.0, burst=5.0, now=at)
            uow.commit()
        return lease.granted, lease.wait

    assert take(3, NOW) == (3, 0.0)  # a new key's bucket is full: 5
    assert take(3, NOW) == (2, 0.0)  # only what is left, in whole requests
    granted, wait = take(1, NOW)
    assert granted == 0
    assert wait == 0.5  # 1 token at 2 a second
    assert take(3, NOW + timedelta(seconds=1)) == (2, 0.0)  # refilled: 2 a second
    assert take(9, NOW + timedelta(hours=1)) == (5, 0.0)  # never more than the burst
    with uow:
        other = uow.rate_buckets.take("k2", want=9, rate=2.0, burst=5.0, now=NOW)
    assert other.granted == 5  # each key its own bucket
    engine.dispose()
