"""The controller's recorder: what its senders delivered, written to the database a batch at a time.

Recording one delivered record took six round trips to the database (BEGIN, the package, its timeline entry, the
record, its counters, COMMIT), the largest share of a busy controller's CPU on PostgreSQL. A sender that has the
cart's OK hands the record over here and goes on to its next record; this thread waits a moment (LINGER_SECONDS)
for others to arrive, from every lane, and records them all in one transaction (`actions.record_sent`).

Nothing here can send a package twice. Until it is recorded, a record stays in flight under its claim, which the
heartbeat renews (`pending`), so no other sender takes it or another record of its order. If the controller dies
first, the claim runs out and the next attempt asks the cart what it has before sending, as for a sender that died
after the call (see `stack.delivery`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from django.db import DatabaseError, connections

from ordermanager.stack import actions, failures
from ordermanager.stack.senders import next_work

log = logging.getLogger("ordermanager.stack")

# How long the recorder waits after the first delivery for others to join the batch. At 2,000 calls a minute on an
# account that gathers three or four records a batch; the cart has them already, only our record of it waits.
LINGER_SECONDS = 0.1
MOST_PER_BATCH = 100


class Recorder:
    def __init__(self, holder: str, linger: float = LINGER_SECONDS) -> None:
        self.holder, self.actor, self.linger = holder, f"stack:{holder}", linger
        self._queue: queue.SimpleQueue[actions.Sent | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending: set[int] = set()
        self._thread = threading.Thread(target=self._loop, name="stack-recorder", daemon=True)
        self._thread.start()

    def add(self, outcome: actions.Sent) -> None:
        """Record this delivery soon (a sender's call: it does not wait)."""
        with self._lock:
            self._pending.add(outcome.record.pk)
        self._queue.put(outcome)

    @property
    def pending(self) -> set[int]:
        """Records delivered and not yet recorded: still in flight, their claims renewed by the heartbeat."""
        with self._lock:
            return set(self._pending)

    def stop(self) -> None:
        """Record everything handed over so far, then end the thread."""
        self._queue.put(None)
        self._thread.join()

    def _loop(self) -> None:
        try:
            while (first := next_work(self._queue)) is not None:
                batch, stopping = self._gather(first)
                self._write(batch)
                if stopping:
                    return
        finally:
            connections.close_all()

    def _gather(self, first: actions.Sent) -> tuple[list[actions.Sent], bool]:
        """The first delivery and those that arrive within the linger; True once told to stop."""
        batch, deadline = [first], time.monotonic() + self.linger
        while len(batch) < MOST_PER_BATCH:
            try:
                outcome = self._queue.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                break
            if outcome is None:
                return batch, True
            batch.append(outcome)
        return batch, False

    def _write(self, batch: list[actions.Sent]) -> None:
        try:
            if len(batch) == 1:
                self._write_one(batch[0])
                return
            try:
                actions.record_sent(batch, self.holder, self.actor)
            except Exception as error:
                # One record's trouble must not leave the others unrecorded: each alone, its failure its own.
                log.warning("recording %d delivered records together failed (%s); each alone now", len(batch), error)
                if isinstance(error, DatabaseError):
                    connections.close_all()  # the connection may be what failed: each starts on a fresh one
                for outcome in batch:
                    self._write_one(outcome)
        finally:
            with self._lock:
                self._pending.difference_update(o.record.pk for o in batch)

    def _write_one(self, outcome: actions.Sent) -> None:
        try:
            actions.record_sent([outcome], self.holder, self.actor)
        except Exception as error:
            self._failed(outcome, error)

    def _failed(self, outcome: actions.Sent, error: Exception) -> None:
        """As a sender's failure: the record is retried, and its next attempt finds the package at the cart."""
        record = outcome.record
        failures.handle(
            error,
            f"stack record {record.pk}",
            lambda failure: actions.mark_failed(record, self.holder, failure, self.actor),
        )
