"""The reference's rules for status updates, one named test each (issue: Order manager core)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection

from ordermanager.errors import InputError
from ordermanager.orders import actions
from ordermanager.orders.models import Order, TimelineEvent, TrackingNumber
from ordermanager.params import actions as params
from ordermanager.stack.models import StackRecord, State
from ordermanager.statuses import actions as statuses
from tests.conftest import ACTOR, new_order


def kinds(order: Order) -> list[str]:
    return list(order.timeline.values_list("kind", flat=True))


def withheld(order: Order) -> list[dict]:
    """Why status updates were withheld: the fields of each such timeline entry."""
    return list(order.timeline.filter(kind=TimelineEvent.STATUS_UPDATE_WITHHELD).values_list("data", flat=True))


@pytest.mark.usefixtures("status_updates")
def test_label_change_rule_queues_only_when_a_label_changes(generic_cart):
    # given Notify Cart on OrderApprove, for a cart that takes updates without tracking
    statuses.set_event_rule("OrderApprove", notify_cart=True)
    order = new_order(generic_cart)

    # when the order is approved: the label goes from "Order Received" to "Approved"
    actions.approve_order(order, actor=ACTOR)

    # then one update is queued
    records = StackRecord.objects.filter(order=order)
    assert records.count() == 1
    records.update(state=State.SENT)

    # when the event fires again by hand: the label stays "Approved"
    actions.fire_status_event(order, "OrderApprove", actor=ACTOR)

    # then nothing more is queued, and the timeline says why
    assert StackRecord.objects.filter(order=order).count() == 1
    assert withheld(order)[-1] == {"event": "OrderApprove", "reason": "no_label_changed"}


@pytest.mark.usefixtures("status_updates")
def test_two_events_with_the_same_label_suppress_the_update(generic_cart):
    # given a ship-date event that sets the label the tracking event also sets (the KB pitfall)
    statuses.set_event_rule("ItemSetActualShipDate", item_label="Item Shipped", order_label="Tracking Received")
    order = new_order(generic_cart)

    # when a tracking number is added (TrackImportSetActualShipDate fires the ship-date event first)
    actions.add_tracking_number(order, "1Z0001", carrier="UPS", actor=ACTOR)

    # then the tracking event changed nothing, so nothing was queued
    assert not StackRecord.objects.filter(order=order).exists()
    assert {"event": "OrderAddTrackingNumber", "reason": "no_label_changed"} in withheld(order)


def test_use_status_updates_off_does_nothing(ca_cart, db):
    # given the default events, with UseStatusUpdates left at its default (False)
    statuses.load_default_status_events()
    assert params.get("UseStatusUpdates") is False
    order = new_order(ca_cart)

    # when the order is approved and shipped with tracking
    actions.approve_order(order, actor=ACTOR)
    actions.add_tracking_number(order, "1Z0002", carrier="UPS", shipping_class="Ground", actor=ACTOR)

    # then no event fired, no label was set and nothing went on the stack
    order.refresh_from_db()
    assert order.status_label == ""
    assert set(order.items.values_list("status_label", flat=True)) == {""}
    assert TimelineEvent.STATUS_EVENT_FIRED not in kinds(order)
    assert not StackRecord.objects.exists()
    # and the timeline says, for each event, that it did not fire and the cart was not told
    off = [d for d in withheld(order) if d["reason"] == "status_updates_off"]
    assert {"OrderApprove", "OrderAddTrackingNumber"} <= {d["event"] for d in off}
    assert len(off) == len(withheld(order))
    entry = order.timeline.get(data__event="OrderAddTrackingNumber")
    assert f"cart {ca_cart.store_name} was not notified" in entry.message
    assert "no cart to notify" in new_order(None).timeline.get(kind=TimelineEvent.STATUS_UPDATE_WITHHELD).message


@pytest.mark.usefixtures("status_updates")
def test_notify_cart_off_means_internal_updates_only(ca_cart):
    # given OrderAddTrackingNumber with Notify Cart unticked
    statuses.set_event_rule("OrderAddTrackingNumber", notify_cart=False)
    order = new_order(ca_cart)

    # when tracking is added
    actions.add_tracking_number(order, "1Z0003", carrier="UPS", shipping_class="Ground", actor=ACTOR)

    # then labels change here, and nothing is queued for the cart
    order.refresh_from_db()
    assert order.status_label == "Order Shipped"
    assert list(order.items.values_list("status_label", flat=True)) == ["Item Shipped"]
    assert not StackRecord.objects.exists()


@pytest.mark.usefixtures("status_updates")
def test_channeladvisor_tracking_rule_refuses_notify_cart_on_an_event_without_tracking(ca_cart):
    # when Notify Cart is ticked on ItemSetActualShipDate while only ChannelAdvisor carts are active
    with pytest.raises(InputError) as refused:
        statuses.set_event_rule("ItemSetActualShipDate", notify_cart=True)

    # then it is refused, the message names the right event, and the rule is unchanged
    assert refused.value.field == "notify_cart"
    assert "OrderAddTrackingNumber" in refused.value.message
    assert not statuses.EventRule.objects.get(event="ItemSetActualShipDate").notify_cart


@pytest.mark.usefixtures("status_updates")
def test_channeladvisor_tracking_rule_warns_when_another_cart_can_take_it(ca_cart, generic_cart):
    # when another active cart takes updates without tracking
    change = statuses.set_event_rule("ItemSetActualShipDate", notify_cart=True)

    # then the rule is saved, with a warning that names the tracking event
    assert change.rule.notify_cart
    assert len(change.warnings) == 1
    assert "OrderAddTrackingNumber" in change.warnings[0]
    assert generic_cart.store_name in change.warnings[0]


@pytest.mark.usefixtures("status_updates")
def test_channeladvisor_tracking_rule_withholds_updates_and_says_why(ca_cart, generic_cart):
    # given Notify Cart on ItemSetActualShipDate (accepted because of the generic cart)
    statuses.add_label("Ship Date Set")
    statuses.set_event_rule("ItemSetActualShipDate", item_label="Ship Date Set", notify_cart=True)
    ca_order, web_order = new_order(ca_cart), new_order(generic_cart)

    # when the actual ship date is set by hand on an item of each order
    for order in (ca_order, web_order):
        actions.set_actual_ship_date(order, order.created_at.date(), items=["SKU-1"], actor=ACTOR)

    # then the generic cart is notified, the ChannelAdvisor cart is not, and its timeline says why
    assert StackRecord.objects.filter(order=web_order).count() == 1
    assert not StackRecord.objects.filter(order=ca_order).exists()
    assert withheld(ca_order) == [
        {"event": "ItemSetActualShipDate", "reason": "event_without_tracking", "fix": "OrderAddTrackingNumber"}
    ]


@pytest.mark.usefixtures("status_updates")
def test_channeladvisor_is_notified_by_the_tracking_event(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 2), ("SKU-2", 1))

    actions.add_tracking_number(order, "1Z0004", carrier="UPS", shipping_class="Ground", actor=ACTOR)

    record = StackRecord.objects.get(order=order)
    assert (record.kind, record.state, record.cart) == ("status_update", State.PENDING, ca_cart)
    assert "OrderAddTrackingNumber" in record.reasons


@pytest.mark.usefixtures("status_updates")
def test_a_rolled_back_action_leaves_neither_labels_nor_stack_records(ca_cart):
    # given an order, and a database failure that strikes after the update was queued: the action's
    # timeline is written last, in one INSERT
    order = new_order(ca_cart)
    before = (order.status_label, order.timeline.count())

    def disk_full(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "orders_timelineentry"'):
            raise OperationalError("disk full")
        return execute(sql, params, many, context)

    # when the tracking action fails part-way
    with connection.execute_wrapper(disk_full), pytest.raises(OperationalError, match="disk full"):
        actions.add_tracking_number(order, "1Z0005", carrier="UPS", shipping_class="Ground", actor=ACTOR)

    # then nothing of it remains: no label, no package, no tracking number, no record, no timeline line
    order.refresh_from_db()
    assert (order.status_label, order.timeline.count()) == before
    assert set(order.items.values_list("status_label", flat=True)) == {"Item Received"}
    assert not TrackingNumber.objects.exists()
    assert not order.shipments.exists()
    assert not StackRecord.objects.exists()


@pytest.mark.usefixtures("status_updates")
def test_per_cart_parameter_override_beats_the_global_value(ca_cart, generic_cart):
    # given UseStatusUpdates off for the whole order manager but on for one cart
    params.set_parameter("UseStatusUpdates", "False")
    params.set_parameter("UseStatusUpdates", "True", cart=ca_cart)
    ca_order, web_order = new_order(ca_cart), new_order(generic_cart)

    # then the cart's value is in force for its orders only
    assert params.get("UseStatusUpdates", cart=ca_cart) is True
    assert params.get("UseStatusUpdates", cart=generic_cart) is False
    ca_order.refresh_from_db()
    web_order.refresh_from_db()
    assert ca_order.status_label == "Order Received"
    assert web_order.status_label == ""

    # and removing the override returns the cart to the global value
    params.reset_parameter("UseStatusUpdates", cart=ca_cart)
    assert params.get("UseStatusUpdates", cart=ca_cart) is False


@pytest.mark.usefixtures("status_updates")
def test_inactive_cart_or_unticked_send_status_gets_no_update_and_the_timeline_says_so(ca_cart):
    from ordermanager.carts import actions as carts

    carts.edit_cart(ca_cart, send_status_to_web=False)
    order = new_order(ca_cart)

    actions.add_tracking_number(order, "1Z0006", carrier="UPS", shipping_class="Ground", actor=ACTOR)

    assert not StackRecord.objects.exists()
    assert withheld(order)[0]["reason"] == "cart_takes_no_updates"
