"""Records on the stack are written with the change, and coalesce per order."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ordermanager.orders import actions
from ordermanager.stack.models import StackRecord, State
from ordermanager.stack.outbox import enqueue_status_update
from ordermanager.statuses import actions as statuses
from tests.conftest import ACTOR, new_order


def test_a_burst_of_changes_becomes_one_record(status_updates, generic_cart):
    statuses.set_event_rule("OrderApprove", notify_cart=True)
    statuses.set_event_rule("OrderHold", notify_cart=True)
    order = new_order(generic_cart)

    actions.approve_order(order, actor=ACTOR)
    actions.hold_order(order, actor=ACTOR)
    actions.release_order(order, actor=ACTOR)
    actions.add_tracking_number(order, "1Z0900", carrier="UPS", actor=ACTOR)

    record = StackRecord.objects.get()
    assert record.reasons == ["OrderApprove", "OrderHold", "OrderAddTrackingNumber"]
    assert record.coalesced == 2


@pytest.mark.parametrize("state", [State.IN_FLIGHT, State.SENT, State.PROBLEM, State.CLEARED])
def test_a_change_after_the_record_left_the_open_states_gets_a_new_record(status_updates, ca_cart, state):
    order = new_order(ca_cart, ("SKU-1", 1), ("SKU-2", 1))
    actions.add_tracking_number(order, "1Z0901", carrier="UPS", items=[("SKU-1", 1)], actor=ACTOR)
    StackRecord.objects.update(state=state)

    actions.add_tracking_number(order, "1Z0902", carrier="UPS", items=[("SKU-2", 1)], actor=ACTOR)

    assert StackRecord.objects.filter(state=State.PENDING).count() == 1
    assert StackRecord.objects.count() == 2


def test_a_record_waiting_to_retry_takes_the_new_change(status_updates, ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1), ("SKU-2", 1))
    actions.add_tracking_number(order, "1Z0903", carrier="UPS", items=[("SKU-1", 1)], actor=ACTOR)
    StackRecord.objects.update(state=State.RETRY)

    actions.add_tracking_number(order, "1Z0904", carrier="UPS", items=[("SKU-2", 1)], actor=ACTOR)

    assert StackRecord.objects.get().coalesced == 1


def test_the_database_refuses_two_open_records_for_one_key(status_updates, ca_cart):
    order = new_order(ca_cart)
    with transaction.atomic():
        first = enqueue_status_update(order, "OrderAddTrackingNumber")

    with pytest.raises(IntegrityError), transaction.atomic():
        StackRecord.objects.create(kind=first.kind, cart=ca_cart, order=order, coalesce_key=first.coalesce_key)


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_a_programming_error():
    from ordermanager.carts.actions import add_cart

    order = new_order(add_cart("Web Store", "generic", script_url="http://127.0.0.1:9/seom.php"))
    with pytest.raises(AssertionError, match="inside the action's transaction"):
        enqueue_status_update(order, "OrderAddTrackingNumber")


def test_records_hold_no_secrets_and_no_payload(status_updates, ca_cart):
    order = new_order(ca_cart)
    actions.add_tracking_number(order, "1Z0905", carrier="UPS", actor=ACTOR)
    record = StackRecord.objects.values().get()
    # what to send is built from the order at send time; the record only names why it exists
    assert record["reasons"] == ["OrderAddTrackingNumber"]
    assert set(record) == {
        "id",
        "kind",
        "state",
        "cart_id",
        "order_id",
        "sku",
        "coalesce_key",
        "reasons",
        "coalesced",
        "attempts",
        "next_attempt_at",
        "last_error",
        "fix_hint",
        "last_response",
        "claimed_by",
        "claimed_until",
        "created_at",
        "updated_at",
        "sent_at",
        "delivery_seconds",
    }
