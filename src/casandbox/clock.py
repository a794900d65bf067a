"""The sandbox's clock: real time plus an offset that the control API moves.

Token expiry and the rate-limit windows read this clock, so a test can jump an hour or a minute ahead
without sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def time(self) -> float:
        return time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def set(self, when: datetime) -> None:
        self.offset = when.timestamp() - time.time()
