"""The sender threads of one cart account's lane: they deliver the records the controller claimed."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connections

from ordermanager.stack.models import StackRecord

# A sender (or the recorder) idle this long lets its database connection go, so quiet carts hold no connections.
IDLE_SECONDS = 30.0

T = TypeVar("T")


def next_work(work: queue.SimpleQueue[T]) -> T:
    """The next item of a worker thread's queue; idle IDLE_SECONDS meanwhile, the thread lets its connection go."""
    while True:
        try:
            return work.get(timeout=IDLE_SECONDS)
        except queue.Empty:
            connections.close_all()


class Senders:
    """Threads that deliver claimed records. A sender keeps its database connection while there is work,
    and lets it go after IDLE_SECONDS without any."""

    def __init__(self, count: int, work: Callable[[StackRecord], None], wake: threading.Event, name: str) -> None:
        self._queue: queue.SimpleQueue[StackRecord | None] = queue.SimpleQueue()
        self._work, self._wake = work, wake
        self._lock = threading.Lock()
        self._working: set[int] = set()
        self._threads = [threading.Thread(target=self._loop, name=f"{name}-{n}", daemon=True) for n in range(count)]
        for thread in self._threads:
            thread.start()

    @property
    def count(self) -> int:
        return len(self._threads)

    @property
    def dry(self) -> bool:
        """No claimed record is left queued beside the senders: the lane has room for a claim."""
        with self._lock:
            return self._dry()

    def _dry(self) -> bool:  # the caller holds the lock
        return len(self._working) <= self.count

    @property
    def in_flight(self) -> set[int]:
        with self._lock:
            return set(self._working)

    def submit(self, record: StackRecord) -> None:
        with self._lock:
            self._working.add(record.pk)
        self._queue.put(record)

    def _loop(self) -> None:
        try:
            while (record := next_work(self._queue)) is not None:
                try:
                    self._work(record)
                finally:
                    with self._lock:
                        self._working.discard(record.pk)
                        dry = self._dry()
                    # The lane claims again only once no record is left queued beside its senders: waking the
                    # controller after every record cost a thread switch each, most of them for nothing.
                    if dry:
                        self._wake.set()
        finally:
            connections.close_all()

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
