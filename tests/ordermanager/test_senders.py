"""A lane's sender threads wake the controller when a claim has room, and not after every record."""

from __future__ import annotations

import threading

from ordermanager.stack.models import StackRecord
from ordermanager.stack.senders import Senders

WAIT = 10.0  # seconds: a bound for a thread to reach a step, never a pause


def test_the_controller_is_woken_once_no_record_is_left_queued_for_the_senders() -> None:
    started = {pk: threading.Event() for pk in range(1, 5)}
    finish = {pk: threading.Event() for pk in range(1, 5)}

    def work(record: StackRecord) -> None:
        started[record.pk].set()
        assert finish[record.pk].wait(WAIT)

    wake = threading.Event()
    senders = Senders(2, work, wake, "test-senders")
    try:
        for pk in range(1, 5):  # two being sent, two queued beside them
            senders.submit(StackRecord(pk=pk))
        assert started[1].wait(WAIT)
        assert started[2].wait(WAIT)

        finish[1].set()
        # The sender went on to a queued record: one is still queued, so there is no room for a claim.
        assert started[3].wait(WAIT)
        assert not wake.is_set()
        assert senders.in_flight == {2, 3, 4}

        finish[2].set()
        # The last queued record is taken: the controller must claim again before a sender runs dry.
        assert started[4].wait(WAIT)
        assert wake.wait(WAIT)
    finally:
        for event in finish.values():
            event.set()
        senders.stop()
    assert senders.in_flight == set()
