"""Pacing one cart account: the token bucket, on a clock the test moves."""

from __future__ import annotations

import pytest

from ordermanager.carts.connectors.pacing import BACKOFF_FACTOR, HEADROOM, RECOVERY_SECONDS, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def calls_in(bucket: TokenBucket, clock: Clock, seconds: float) -> int:
    """Calls made by an eager caller that takes a token whenever one is free, over `seconds`."""
    made, end = 0, clock.now + seconds
    while clock.now < end:
        wait = bucket.reserve()
        clock.now += wait
        if clock.now <= end:
            made += 1
    return made


def test_the_pace_stays_under_the_limit_in_any_minute_even_after_saving_tokens():
    clock = Clock()
    bucket = TokenBucket(2000, clock=clock)
    clock.now += 600  # idle for ten minutes: the bucket fills, but only to its capacity

    first_minute = calls_in(bucket, clock, 60)

    assert first_minute <= 2000
    assert first_minute >= 2000 * HEADROOM - 1
    assert calls_in(bucket, clock, 60) == pytest.approx(2000 * HEADROOM, abs=2)


def test_a_429_pauses_for_retry_after_then_slows_and_recovers():
    clock = Clock()
    bucket = TokenBucket(600, clock=clock)
    calls_in(bucket, clock, 10)

    bucket.slow_down(retry_after=5)

    assert bucket.reserve() >= 5  # nothing goes before Retry-After has passed
    clock.now += 5
    slowed = calls_in(bucket, clock, 10)
    assert slowed < 600 / 60 * HEADROOM * 10
    assert slowed >= 600 / 60 * HEADROOM * BACKOFF_FACTOR * 10 - 2
    clock.now += RECOVERY_SECONDS  # idle meanwhile: the bucket also fills to its capacity
    assert calls_in(bucket, clock, 10) == pytest.approx(600 / 60 * HEADROOM * 10 + bucket.capacity, abs=2)
