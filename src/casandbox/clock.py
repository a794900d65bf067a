"""The sandbox's clock: real time plus an offset that the control API moves, or frozen at one instant.

Token expiry and the rate-limit windows read this clock, so a test can jump an hour or a minute ahead
without sleeping. A frozen clock moves only when the control API moves it, so a test of a rate window
does not depend on how fast the machine sends its requests.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    def __init__(self, offset: float = 0.0, frozen_at: float | None = None) -> None:
        self.offset = offset
        self.frozen_at = frozen_at

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def time(self) -> float:
        if self.frozen_at is not None:
            return self.frozen_at
        return time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(self, seconds: float) -> None:
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def set(self, when: datetime) -> None:
        if self.frozen_at is not None:
            self.frozen_at = when.timestamp()
        else:
            self.offset = when.timestamp() - time.time()

    def freeze(self) -> None:
        self.frozen_at = self.time()

    def thaw(self) -> None:
        """Run on from the frozen instant."""
        if self.frozen_at is not None:
            self.offset, self.frozen_at = self.frozen_at - time.time(), None
