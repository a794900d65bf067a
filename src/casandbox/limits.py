"""Throttling as CA documents it, made deterministic: sliding windows per profile and per IP, and a cap
on concurrent requests per integration. Rejected requests do not use up a window.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from casandbox.config import Limits
from casandbox.errors import ApiError


class SlidingWindow:
    """At most `limit` accepted requests in any `window` seconds.

    It keeps the times of the last `limit` accepted requests in a ring: a new one fits when the oldest of
    them has left the window. Exact, and O(1) per request whatever the limit.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._times: list[float] = []
        self._head = 0

    def wait(self, now: float) -> float:
        """Seconds until a request fits; 0 when one fits now."""
        if len(self._times) < self.limit:
            return 0.0
        return max(0.0, self._times[self._head] + self.window - now)

    def record(self, now: float) -> None:
        if len(self._times) < self.limit:
            self._times.append(now)
        else:
            self._times[self._head] = now
            self._head = (self._head + 1) % self.limit


@dataclass
class Stats:
    requests: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    throttled: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    concurrency: Counter[str] = field(default_factory=Counter)
    max_concurrency: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": {route: {str(k): v for k, v in c.items()} for route, c in self.requests.items()},
            "total": sum(sum(c.values()) for c in self.requests.values()),
            "throttled": self.throttled,
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "concurrency": dict(self.concurrency),
            "max_concurrency": dict(self.max_concurrency),
        }


class Limiter:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.stats = Stats()
        self.reset_windows()

    def reset_windows(self) -> None:
        self._profiles: dict[int, SlidingWindow] = {}
        self._ip_minute: dict[str, SlidingWindow] = {}
        self._ip_hour: dict[str, SlidingWindow] = {}

    def enter(self, integration: str) -> None:
        """Take a concurrency slot, or 429. The slot is held until `leave`, latency included."""
        current = self.stats.concurrency[integration]
        if self.limits.enabled and current >= self.limits.concurrency:
            raise self._reject(1.0, "Too many concurrent requests for this integration.")
        self.stats.concurrency[integration] = current + 1
        if current + 1 > self.stats.max_concurrency.get(integration, 0):
            self.stats.max_concurrency[integration] = current + 1

    def leave(self, integration: str) -> None:
        self.stats.concurrency[integration] -= 1

    def charge(self, now: float, profiles: list[int], ip: str) -> None:
        """Count one request against every window it falls in, or 429 without counting it anywhere."""
        if not self.limits.enabled:
            return
        lim = self.limits
        windows = [self._window(self._profiles, p, lim.profile_requests, lim.profile_window_s) for p in profiles]
        windows.append(self._window(self._ip_minute, ip, lim.ip_per_minute, 60.0))
        windows.append(self._window(self._ip_hour, ip, lim.ip_per_hour, 3600.0))
        wait = max(w.wait(now) for w in windows)
        if wait > 0:
            raise self._reject(wait, "The request limit for this account has been exceeded. Try again later.")
        for window in windows:
            window.record(now)

    @staticmethod
    def _window(table: dict[Any, SlidingWindow], key: Any, limit: int, seconds: float) -> SlidingWindow:
        window = table.get(key)
        if window is None:
            window = table[key] = SlidingWindow(max(1, limit), seconds)
        return window

    def _reject(self, wait: float, message: str) -> ApiError:
        retry = max(1, math.ceil(wait)) if self.limits.retry_after else None
        return ApiError(429, message, retry_after=retry)
