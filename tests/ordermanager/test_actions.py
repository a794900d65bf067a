"""Order actions: what they change, what they fire, and how they refuse bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ordermanager.errors import InputError
from ordermanager.orders import actions
from ordermanager.orders.actions import NewItem
from ordermanager.orders.models import Order, ShippingStatus, TimelineEvent, TrackingNumber
from ordermanager.params import actions as params
from ordermanager.stack.models import StackRecord, State
from tests.conftest import ACTOR, new_order

pytestmark = pytest.mark.usefixtures("status_updates")


def snapshot(order: Order) -> tuple:
    """Everything an action could touch, to prove a refused action changed nothing."""
    order.refresh_from_db()
    return (
        order.status_label,
        order.shipping_status,
        order.updated_at,
        order.timeline.count(),
        list(order.items.values_list("status_label", "quantity", "quantity_cancelled", "actual_ship_date")),
        order.shipments.count(),
        TrackingNumber.objects.count(),
        StackRecord.objects.count(),
    )


def events_fired(order: Order) -> list[str]:
    return [e.data["event"] for e in order.timeline.filter(kind=TimelineEvent.STATUS_EVENT_FIRED)]


@pytest.mark.parametrize(
    ("call", "field", "rule"),
    [
        (lambda o: actions.approve_order(999_999, actor=ACTOR), "order", "no order number 999999"),
        (lambda o: actions.approve_order("abc", actor=ACTOR), "order", "whole number"),
        (lambda o: actions.add_tracking_number(o, "1Z", carrier="UPS", actor=ACTOR), "tracking_number", "3 to 64"),
        (
            lambda o: actions.add_tracking_number(o, "1Z 99 bad!", carrier="UPS", actor=ACTOR),
            "tracking_number",
            "dashes",
        ),
        (lambda o: actions.add_tracking_number(o, "1Z0100", carrier="", actor=ACTOR), "carrier", "needs a carrier"),
        (
            lambda o: actions.add_tracking_number(o, "1Z0101", carrier="UPS", items=[("NOPE", 1)], actor=ACTOR),
            "item",
            "'NOPE' is not an item of order",
        ),
        (
            lambda o: actions.add_tracking_number(o, "1Z0102", carrier="UPS", items=[("SKU-1", -1)], actor=ACTOR),
            "quantity",
            "at least 1",
        ),
        (
            lambda o: actions.add_tracking_number(o, "1Z0103", carrier="UPS", items=[("SKU-1", 3)], actor=ACTOR),
            "quantity",
            "has 2 left to ship",
        ),
        (lambda o: actions.add_tracking_number(o, "1Z0104", package=42, actor=ACTOR), "package", "no package 42"),
        (lambda o: actions.cancel_item(o, "SKU-1", quantity=5, actor=ACTOR), "quantity", "has 2 open"),
        (lambda o: actions.cancel_item(o, "SKU-1", quantity=0, actor=ACTOR), "quantity", "at least 1"),
        (lambda o: actions.change_item(o, "SKU-1", quantity=10**9, actor=ACTOR), "quantity", "at most 100000"),
        (lambda o: actions.add_item(o, NewItem("SKU-9", -3), actor=ACTOR), "quantity", "at least 1"),
        (lambda o: actions.log_payment(o, Decimal("-5"), actor=ACTOR), "amount", "more than 0"),
        (lambda o: actions.refund_payment(o, Decimal("5"), actor=ACTOR), "amount", "cannot be refunded"),
        (lambda o: actions.return_item(o, "SKU-1", 1, actor=ACTOR), "quantity", "cannot be returned"),
        (lambda o: actions.release_order(o, actor=ACTOR), "order", "not on hold"),
        (lambda o: actions.fire_status_event(o, "OrderAddTrackingNumber", actor=ACTOR), "event", "has none"),
        (lambda o: actions.add_item(o, NewItem("SKU-9", 1, title="t" * 301), actor=ACTOR), "title", "at most 300"),
        (lambda o: actions.change_item(o, "SKU-1", title="t" * 301, actor=ACTOR), "title", "at most 300"),
        (lambda o: actions.fire_status_event(o, "OrderApprove", items=["SKU-1"], actor=ACTOR), "item", "order event"),
        (
            lambda o: actions.set_expected_ship_date(o, dt.date(2026, 12, 1), items=["SKU-7"], actor=ACTOR),
            "item",
            "not an item",
        ),
    ],
)
def test_bad_input_is_refused_with_field_and_rule_and_changes_nothing(ca_cart, call, field, rule):
    order = new_order(ca_cart)
    before = snapshot(order)

    with pytest.raises(InputError) as refused:
        call(order)

    assert refused.value.field == field
    assert rule in refused.value.message
    assert snapshot(order) == before


def test_duplicate_tracking_number_on_the_same_order_is_refused(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1), ("SKU-2", 1))
    actions.add_tracking_number(order, "1Z0200", carrier="UPS", items=[("SKU-1", 1)], actor=ACTOR)
    before = snapshot(order)

    with pytest.raises(InputError, match="1Z0200 is already on order"):
        actions.add_tracking_number(order, "1Z0200", carrier="UPS", items=[("SKU-2", 1)], actor=ACTOR)

    assert snapshot(order) == before


def test_the_same_tracking_number_may_be_on_two_orders(ca_cart):
    # one box can carry two orders of the same buyer
    first, second = new_order(ca_cart), new_order(ca_cart)
    actions.add_tracking_number(first, "1Z0201", carrier="UPS", actor=ACTOR)
    actions.add_tracking_number(second, "1Z0201", carrier="UPS", actor=ACTOR)
    assert TrackingNumber.objects.filter(number="1Z0201").count() == 2


def test_tracking_for_the_whole_order_makes_one_package_of_everything_open(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 2), ("SKU-2", 1))
    actions.cancel_item(order, "SKU-1", quantity=1, actor=ACTOR)

    tracking = actions.add_tracking_number(order, "1Z0300", carrier="UPS", shipping_class="Ground", actor=ACTOR)

    lines = {line.order_item.sku: line.quantity for line in tracking.shipment.lines.select_related("order_item")}
    assert lines == {"SKU-1": 1, "SKU-2": 1}
    order.refresh_from_db()
    assert order.shipping_status == ShippingStatus.SHIPPED
    assert tracking.processed
    assert events_fired(order)[-5:] == [
        "OrderSetActualShipDate",
        "ItemAddTrackingNumber",
        "OrderAddTrackingNumber",
        "ItemShip",
        "OrderShip",
    ]


def test_partial_packages_each_queue_an_update_through_item_labels(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1), ("SKU-2", 1))

    actions.add_tracking_number(order, "1Z0301", carrier="UPS", items=[("SKU-1", None)], actor=ACTOR)
    order.refresh_from_db()
    assert order.shipping_status == ShippingStatus.PARTIALLY_SHIPPED
    assert order.status_label == "Tracking Received"
    StackRecord.objects.update(state=State.SENT)  # the first package reached the cart

    actions.add_tracking_number(order, "1Z0302", carrier="UPS", items=[("SKU-2", 1)], actor=ACTOR)

    # the order label did not change, but SKU-2's did: the second package is queued too
    assert StackRecord.objects.filter(order=order, state=State.PENDING).count() == 1
    order.refresh_from_db()
    assert order.status_label == "Order Shipped"


def test_second_tracking_number_on_an_existing_package_fires_tracking_events_only(ca_cart):
    order = new_order(ca_cart)
    first = actions.add_tracking_number(order, "1Z0303", carrier="UPS", actor=ACTOR)
    fired_before = len(events_fired(order))

    actions.add_tracking_number(order, "1Z0304", package=first.shipment_id, actor=ACTOR)

    assert events_fired(order)[fired_before:] == ["ItemAddTrackingNumber", "OrderAddTrackingNumber"]
    assert first.shipment.tracking_numbers.count() == 2


def test_nothing_left_to_ship_needs_an_existing_package(ca_cart):
    order = new_order(ca_cart)
    actions.add_tracking_number(order, "1Z0305", carrier="UPS", actor=ACTOR)
    with pytest.raises(InputError, match=r"every item of order \d+ has shipped"):
        actions.add_tracking_number(order, "1Z0306", carrier="UPS", actor=ACTOR)


def test_track_import_set_actual_ship_date_off_sets_no_date(ca_cart):
    params.set_parameter("TrackImportSetActualShipDate", "False")
    order = new_order(ca_cart)

    actions.add_tracking_number(order, "1Z0400", carrier="UPS", actor=ACTOR)

    order.refresh_from_db()
    assert order.actual_ship_date is None
    assert "ItemSetActualShipDate" not in events_fired(order)


def test_track_import_set_actual_ship_date_on_uses_the_package_ship_date(ca_cart):
    order = new_order(ca_cart)
    shipped = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)

    actions.add_tracking_number(order, "1Z0401", carrier="UPS", shipped_at=shipped, actor=ACTOR)

    order.refresh_from_db()
    assert order.actual_ship_date == dt.date(2026, 11, 20)
    assert order.items.get().actual_ship_date == dt.date(2026, 11, 20)


def test_set_actual_ship_date_parameter_sets_the_date_when_the_pick_list_prints(ca_cart):
    order = new_order(ca_cart)
    actions.print_pick_list(order, actor=ACTOR)
    order.refresh_from_db()
    assert order.actual_ship_date is None

    params.set_parameter("SetActualShipDate", "True")
    other = new_order(ca_cart)
    actions.print_pick_list(other, actor=ACTOR, today=dt.date(2026, 11, 25))
    other.refresh_from_db()
    assert other.actual_ship_date == dt.date(2026, 11, 25)
    assert "ItemSetActualShipDate" in events_fired(other)


def test_process_tracking_numbers_handles_those_within_the_lookback_days(ca_cart):
    # given three unprocessed numbers: added now, 5 days ago and 9 days ago
    orders = [new_order(ca_cart) for _ in range(3)]
    for order, number in zip(orders, ("1Z0500", "1Z0501", "1Z0502"), strict=True):
        actions.add_tracking_number(order, number, carrier="UPS", process=False, actor=ACTOR)
    now = timezone.now()
    TrackingNumber.objects.filter(number="1Z0501").update(created_at=now - dt.timedelta(days=5))
    TrackingNumber.objects.filter(number="1Z0502").update(created_at=now - dt.timedelta(days=9))
    assert not StackRecord.objects.exists()

    # when Process Tracking Numbers runs with the default look-back of 7 days
    report = actions.process_tracking_numbers(actor=ACTOR, now=now)

    # then the two recent ones are processed and queued; the old one is reported, not touched
    assert sorted(report.processed) == ["1Z0500", "1Z0501"]
    assert (report.too_old, report.lookback_days) == (1, 7)
    assert StackRecord.objects.count() == 2
    assert not TrackingNumber.objects.get(number="1Z0502").processed

    # and a longer look-back reaches the old one
    params.set_parameter("TrackingLookbackDays", "10")
    assert actions.process_tracking_numbers(actor=ACTOR, now=now).processed == ["1Z0502"]


def test_cancelling_the_last_open_item_cancels_the_order(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1), ("SKU-2", 2))
    actions.cancel_item(order, "SKU-1", actor=ACTOR)
    actions.cancel_item(order, "SKU-2", quantity=1, actor=ACTOR)
    order.refresh_from_db()
    assert order.cancelled_at is None

    actions.cancel_item(order, "SKU-2", actor=ACTOR)

    order.refresh_from_db()
    assert order.cancelled_at is not None
    assert order.shipping_status == ShippingStatus.CANCELED
    assert order.status_label == "Order Cancelled"
    with pytest.raises(InputError, match="is cancelled"):
        actions.approve_order(order, actor=ACTOR)


def test_cancel_order_after_a_partial_shipment_cancels_the_rest(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1), ("SKU-2", 1))
    actions.add_tracking_number(order, "1Z0600", carrier="UPS", items=[("SKU-1", 1)], actor=ACTOR)

    actions.cancel_order(order, actor=ACTOR)

    order.refresh_from_db()
    assert order.shipping_status == ShippingStatus.SHIPPED
    assert order.items.get(sku="SKU-2").status_label == "Item Cancelled"


def test_payments_hold_release_backorder_drop_ship_and_returns_set_their_labels(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 2), total=Decimal("20.00"))

    actions.log_payment(order, Decimal("20"), actor=ACTOR)
    order.refresh_from_db()
    assert (order.payment_status, order.status_label) == ("Cleared", "Paid")

    actions.hold_order(order, reason="address check", actor=ACTOR)
    with pytest.raises(InputError, match="on hold"):
        actions.approve_order(order, actor=ACTOR)
    actions.release_order(order, actor=ACTOR)
    actions.approve_order(order, actor=ACTOR)

    actions.backorder_item(order, "SKU-1", actor=ACTOR)
    assert order.items.get().status_label == "Item Backordered"
    actions.fill_backorder(order, "SKU-1", actor=ACTOR)
    actions.order_drop_ship(order, "SKU-1", supplier="Acme", actor=ACTOR)
    assert order.items.get().status_label == "Drop Ship Ordered"
    actions.cancel_drop_ship(order, "SKU-1", actor=ACTOR)
    actions.add_tracking_number(order, "1Z0700", carrier="UPS", actor=ACTOR)
    actions.return_item(order, "SKU-1", 2, actor=ACTOR)
    order.refresh_from_db()
    assert order.status_label == "Order Returned"
    assert events_fired(order)[-2:] == ["ItemReturn", "OrderReturn"]


def test_manual_entry_without_a_cart_never_queues(db):
    order = new_order(None)
    actions.add_tracking_number(order, "1Z0800", carrier="UPS", actor=ACTOR)
    order.refresh_from_db()
    assert order.status_label == "Order Shipped"
    assert not StackRecord.objects.exists()


def test_the_same_channel_order_is_not_received_twice(ca_cart):
    new_order(ca_cart, channel_order_id="5001")
    with pytest.raises(InputError, match="already here"):
        new_order(ca_cart, channel_order_id="5001")
    assert Order.objects.count() == 1


def test_timeline_is_append_only(ca_cart):
    order = new_order(ca_cart)
    entry = order.timeline.first()
    entry.message = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_a_tracking_event_is_not_fired_by_hand_over_unprocessed_tracking(ca_cart):
    # firing it by hand would set the labels, and processing the number later would then change none
    order = new_order(ca_cart)
    actions.add_tracking_number(order, "1Z0199", carrier="UPS", process=False, actor=ACTOR)
    before = snapshot(order)

    with pytest.raises(InputError, match="unprocessed tracking numbers"):
        actions.fire_status_event(order, "OrderAddTrackingNumber", actor=ACTOR)

    assert snapshot(order) == before
    actions.process_tracking_numbers(actor=ACTOR)
    assert StackRecord.objects.filter(order=order).count() == 1


def test_an_order_entered_here_on_a_channeladvisor_cart_is_not_sent_and_the_timeline_says_why(ca_cart):
    order = new_order(ca_cart, channel_order_id="")
    actions.add_tracking_number(order, "1Z0198", carrier="UPS", actor=ACTOR)
    assert not StackRecord.objects.exists()
    withheld = order.timeline.filter(kind=TimelineEvent.STATUS_UPDATE_WITHHELD).values_list("data", flat=True)
    assert {"event": "OrderAddTrackingNumber", "reason": "no_channel_order_id"} in withheld
