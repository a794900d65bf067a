"""Pacing calls to one cart account: at most N in flight, and a token bucket under the account's rate limit.

The cart side owns its pacing: a connector passes every call through its account's gate, and the stack
controller shares one gate per account among its senders and its scheduled import.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ordermanager.action_reads import once_per_action
from ordermanager.carts.models import Cart
from ordermanager.params import actions as params

# Aim a little under the published limit: the cart counts in a sliding window, and our clock and
# theirs do not agree to the millisecond.
HEADROOM = 0.97
# After a 429 the pace drops to this share, then climbs back over RECOVERY_SECONDS.
BACKOFF_FACTOR = 0.7
RECOVERY_SECONDS = 60.0


class TokenBucket:
    """Tokens drip in at `rate` per second up to `capacity`; a call takes one, waiting if none is left."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.target = per_minute * HEADROOM / 60.0
        self.rate = self.target
        # The bucket holds at most half the headroom: tokens saved while the senders were busy elsewhere
        # are not lost, and even a full bucket spent at once keeps any minute under the limit.
        self.capacity = max(1.0, per_minute * (1 - HEADROOM) / 2)
        self._tokens = 1.0  # start nearly empty: a restart must not burst into a window the last run filled
        self._clock = clock
        self._stamp = clock()
        self._paused_until = 0.0
        self._slowed_at: float | None = None
        self._lock = threading.Lock()
        self.waited = 0.0

    def _refill(self, now: float) -> None:
        if self._slowed_at is not None:
            # climb back linearly from the slowed pace to the target
            progress = min(1.0, (now - self._slowed_at) / RECOVERY_SECONDS)
            floor = self.target * BACKOFF_FACTOR
            self.rate = floor + (self.target - floor) * progress
            if progress >= 1.0:
                self._slowed_at = None
        start = max(self._stamp, self._paused_until)
        if now > start:
            self._tokens = min(self.capacity, self._tokens + (now - start) * self.rate)
        self._stamp = now

    def reserve(self) -> float:
        """Take a token; return how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0
            wait = max(0.0, self._paused_until - now)
            if self._tokens < 0:
                wait = max(wait, -self._tokens / self.rate)
            return wait

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            self.waited += wait
            time.sleep(wait)

    def slow_down(self, retry_after: float | None) -> None:
        """The cart said 429: pause for Retry-After (or a second), and lower the pace for a while."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._paused_until = max(self._paused_until, now + (retry_after if retry_after is not None else 1.0))
            self._tokens = min(self._tokens, 0.0)
            self._slowed_at = now
            self.rate = self.target * BACKOFF_FACTOR


class AccountGate:
    """Every call to one cart account passes here: a slot among `concurrency`, then a token."""

    def __init__(self, per_minute: float, concurrency: int) -> None:
        self.bucket = TokenBucket(per_minute)
        # The free slots, one entry each. A queue rather than a semaphore: its get and put wait and wake in C,
        # where threading's semaphore runs a Python condition for each of the account's thousands of calls.
        # A call puts back only the slot it took, so there are never more than `concurrency`.
        self._slots: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(concurrency):
            self._slots.put(None)
        self.concurrency = concurrency
        self.calls = 0

    @contextmanager
    def call(self) -> Iterator[None]:
        self._slots.get()
        try:
            self.bucket.acquire()
            self.calls += 1
            yield
        finally:
            self._slots.put(None)

    def rate_limited(self, retry_after: float | None) -> None:
        self.bucket.slow_down(retry_after)


def account_gate(cart: Cart) -> AccountGate:
    """A gate with the account's limits from its parameters (ChannelAdvisor group, overridable per cart)."""
    with once_per_action():  # both limits from one read of the parameters
        return AccountGate(
            params.get("CartRequestsPerMinute", cart=cart), params.get("CartConcurrentRequests", cart=cart)
        )
