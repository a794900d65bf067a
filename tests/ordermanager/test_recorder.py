"""Recording delivered records a batch at a time (stack.recorder, stack.actions.record_sent).

The controller's senders hand what the cart took to one recorder, which writes several records in one
transaction. Each record must still come out as if it had been recorded alone: its own time, its own package
and timeline line, counted once; and a record whose claim moved on is left to the controller that has it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.orders.models import Order, Shipment, TimelineEvent
from ordermanager.stack import actions as stack_actions
from ordermanager.stack import leases, metrics
from ordermanager.stack.controller import Settings, StackController
from ordermanager.stack.models import StackRecord, State
from ordermanager.stack.recorder import Recorder
from tests.conftest import ACTOR
from tests.ordermanager.test_stack import live_cart, shipped_order  # noqa: F401 - fixture

HOLDER = "recorder-test"


@pytest.fixture
def cart(live_cart: Cart) -> Cart:  # noqa: F811 - the fixture imported above
    return live_cart


def claimed(cart: Cart, ca, count: int, claim_seconds: float = 60) -> list[stack_actions.StackRecord]:
    """`count` shipped orders, their records claimed by HOLDER (as the controller's claim leaves them)."""
    for n in range(count):
        shipped_order(cart, ca, f"1ZREC{n:05d}")
    leases.acquire(f"cart:{cart.pk}", HOLDER, 60)
    records = stack_actions.claim(cart.pk, HOLDER, f"cart:{cart.pk}", count, claim_seconds)
    assert len(records) == count
    return records


def delivered(record: StackRecord, at: dt.datetime) -> stack_actions.Sent:
    """What a sender hands over once the cart took the record's one package."""
    package = Shipment.objects.get(order=record.order_id)
    return stack_actions.Sent(record, "", at, stack_actions.Delivered(package.pk, f"package {package.pk} shipped"))


def sent_total() -> float:
    return sum(v for (name, _), v in _counters().items() if name == "ordermanager_stack_sent_total")


def _counters() -> dict[tuple[str, tuple], float]:
    return {(name, labels): v for name, by in metrics._stored().items() for labels, v in by.items()}


def test_records_recorded_together_each_keep_their_own_time_package_and_timeline_line(cart, ca):
    records = claimed(cart, ca, 3)
    base = timezone.now() - dt.timedelta(seconds=5)
    times = [base + dt.timedelta(seconds=n) for n in range(3)]
    before = sent_total()

    outcomes = [delivered(record, at) for record, at in zip(records, times, strict=True)]
    recorded = stack_actions.record_sent(outcomes, HOLDER, ACTOR)

    assert recorded == {r.pk for r in records}
    assert sent_total() == before + 3
    for record, at in zip(records, times, strict=True):
        stored = StackRecord.objects.get(pk=record.pk)
        assert (stored.state, stored.claimed_by, stored.claimed_until) == (State.SENT, "", None)
        assert stored.sent_at == at
        assert stored.delivery_seconds == (at - stored.created_at).total_seconds()
        package = Shipment.objects.get(order=record.order_id)
        assert package.delivered_to_cart_at == at
        lines = Order.objects.get(pk=record.order_id).timeline.filter(kind=TimelineEvent.PACKAGE_DELIVERED)
        assert [entry.message for entry in lines] == [f"package {package.pk} shipped"]


def test_a_record_whose_claim_moved_on_is_left_to_its_holder_while_the_others_are_recorded(cart, ca):
    kept, taken = claimed(cart, ca, 2)
    StackRecord.objects.filter(pk=taken.pk).update(claimed_by="the-new-holder")
    now = timezone.now()

    recorded = stack_actions.record_sent([delivered(kept, now), delivered(taken, now)], HOLDER, ACTOR)

    assert recorded == {kept.pk}
    assert StackRecord.objects.get(pk=kept.pk).state == State.SENT
    moved = StackRecord.objects.get(pk=taken.pk)
    assert (moved.state, moved.claimed_by) == (State.IN_FLIGHT, "the-new-holder")
    # its package did reach the cart: remembered, so the new holder's attempt does not send it again
    assert Shipment.objects.get(order=taken.order_id).delivered_to_cart_at == now


def test_the_recorder_writes_what_arrives_within_its_linger_in_one_transaction(cart, ca):
    records = claimed(cart, ca, 3)
    recorder = Recorder(HOLDER, linger=60)  # far longer than the test: only stop() ends the wait
    try:
        for record in records:
            recorder.add(delivered(record, timezone.now()))
        # handed over, not yet recorded: still in flight, and listed for the heartbeat to renew
        assert recorder.pending == {r.pk for r in records}
        assert set(StackRecord.objects.filter(state=State.IN_FLIGHT).values_list("pk", flat=True)) >= recorder.pending
    finally:
        recorder.stop()  # records what it holds before it ends

    assert recorder.pending == set()
    stored = StackRecord.objects.filter(pk__in=[r.pk for r in records])
    assert {r.state for r in stored} == {State.SENT}
    assert len({r.updated_at for r in stored}) == 1  # one record_sent, one transaction


def test_one_record_that_cannot_be_recorded_does_not_hold_up_the_others(cart, ca):
    good, broken = claimed(cart, ca, 2)
    # A bug hands over a record the recorder cannot work with (no creation time to measure the delivery from):
    # the batch fails as a whole, and each record is then recorded alone.
    broken.created_at = None
    recorder = Recorder(HOLDER, linger=60)
    try:
        recorder.add(delivered(good, timezone.now()))
        recorder.add(delivered(broken, timezone.now()))
    finally:
        recorder.stop()

    assert StackRecord.objects.get(pk=good.pk).state == State.SENT
    assert Order.objects.get(pk=good.order_id).timeline.filter(kind=TimelineEvent.PACKAGE_DELIVERED).count() == 1
    # the other is a problem that names the bug, as a sender's bug is: nothing was recorded for it
    problem = StackRecord.objects.get(pk=broken.pk)
    assert problem.state == State.PROBLEM
    assert "unexpected error in the order manager: TypeError" in problem.last_error
    assert Shipment.objects.get(order=broken.order_id).delivered_to_cart_at is None


def test_the_heartbeat_renews_the_claims_of_records_waiting_to_be_recorded(cart, ca):
    [record] = claimed(cart, ca, 1, claim_seconds=2)
    controller = StackController(Settings(handle_signals=False), holder=HOLDER)
    controller.recorder = Recorder(HOLDER, linger=60)
    try:
        controller.recorder.add(delivered(record, timezone.now()))
        controller._renew_claims(600)
        until = StackRecord.objects.get(pk=record.pk).claimed_until
        assert until > timezone.now() + dt.timedelta(seconds=500)
    finally:
        controller.recorder.stop()
    assert StackRecord.objects.get(pk=record.pk).state == State.SENT
