"""Cart updates: whether and why an order was or was not sent to its cart (ordermanager.orders.diagnosis)."""

from __future__ import annotations

import pytest

from ordermanager.carts import actions as carts
from ordermanager.carts.carriers import map_carrier
from ordermanager.carts.connectors.base import ErrorKind
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.diagnosis import Level, diagnose_cart_updates
from ordermanager.orders.models import Order
from ordermanager.params import actions as params
from ordermanager.stack import actions as stack_actions
from ordermanager.stack import leases
from ordermanager.statuses.actions import TRACKING_EVENT, load_default_status_events, set_event_rule
from tests.conftest import ACTOR, new_order
from tests.ordermanager.web.conftest import fail_records


def messages(order: Order) -> str:
    return "\n".join(f"{f.level}: {f.message} | {f.fix}" for f in diagnose_cart_updates(order).findings)


def ship(order: Order, carrier: str = "UPS", number: str = "1ZDIAG0001") -> None:
    actions.add_tracking_number(order, number, actor=ACTOR, carrier=carrier, shipping_class="Ground")


@pytest.fixture
def shipped(status_updates: None, ca_cart: Cart) -> Order:
    """An order of the ChannelAdvisor cart with a tracking number for all of it, its carrier mapped."""
    map_carrier(ca_cart, "UPS", "Ground", "UPS", "Ground")
    order = new_order(ca_cart)
    ship(order)
    return order


def test_an_order_without_a_cart_is_sent_nowhere(status_updates: None) -> None:
    report = diagnose_cart_updates(new_order(None))
    assert report.level == Level.OFF
    assert "no cart" in messages(new_order(None))


def test_use_status_updates_off_is_named_with_the_fix(ca_cart: Cart) -> None:
    load_default_status_events()
    order = new_order(ca_cart)
    ship(order)
    text = messages(order)
    assert "UseStatusUpdates is off for Channel Store" in text
    assert "Turn UseStatusUpdates on" in text
    assert diagnose_cart_updates(order).level == Level.OFF


def test_no_event_with_notify_cart(status_updates: None, ca_cart: Cart) -> None:
    set_event_rule(TRACKING_EVENT, notify_cart=False)
    order = new_order(ca_cart)
    assert "No status event has Notify Cart ticked" in messages(order)


def test_channeladvisors_tracking_rule_when_only_an_event_without_tracking_notifies(db: None) -> None:
    # given: the pitfall of the help page, set up before the ChannelAdvisor cart existed
    params.set_parameter("UseStatusUpdates", "True")
    load_default_status_events()
    set_event_rule(TRACKING_EVENT, notify_cart=False)
    set_event_rule("OrderShip", notify_cart=True)
    cart = carts.add_cart("CA", "channeladvisor", account_id="11111111-2222-3333-4444-555555555555", profile_id=1)
    order = new_order(cart)
    # when
    ship(order)
    # then
    text = messages(order)
    assert "ChannelAdvisor's tracking rule" in text
    assert "Notify Cart is ticked only on OrderShip" in text
    assert f"Tick Notify Cart on {TRACKING_EVENT}" in text


def test_an_order_entered_by_hand_on_a_channeladvisor_cart_cannot_be_shipped_there(
    status_updates: None, ca_cart: Cart
) -> None:
    order = actions.receive_order([actions.NewItem(sku="A", quantity=1)], actor=ACTOR, cart=ca_cart)
    assert "has no ChannelAdvisor order ID" in messages(order)


def test_an_unmapped_carrier_is_a_problem_before_any_attempt(status_updates: None, ca_cart: Cart) -> None:
    order = new_order(ca_cart)
    ship(order, carrier="DHL")
    report = diagnose_cart_updates(order)
    assert report.level == Level.PROBLEM
    assert "DHL Ground has no ChannelAdvisor carrier and class mapped for Channel Store" in messages(order)


def test_a_queued_record_is_waiting_for_the_controller(shipped: Order) -> None:
    assert diagnose_cart_updates(shipped).level == Level.WAITING
    assert "is pending: the stack controller sends it next" in messages(shipped)


def test_a_problem_record_shows_its_error_and_fix_hint(shipped: Order, ca_cart: Cart) -> None:
    order = shipped
    fail_records(
        ca_cart.pk, ErrorKind.PERMANENT, "ChannelAdvisor refused UPS/Ground", "add UPS Ground in ChannelAdvisor"
    )
    report = diagnose_cart_updates(order)
    assert report.level == Level.PROBLEM
    text = messages(order)
    assert "ChannelAdvisor refused UPS/Ground" in text
    assert "add UPS Ground in ChannelAdvisor. Then retry it from the stack viewer." in text


def test_a_delivered_order_says_when(shipped: Order, ca_cart: Cart) -> None:
    order = shipped
    assert leases.acquire(f"cart:{ca_cart.pk}", "t", 60)
    (record,) = stack_actions.claim(ca_cart.pk, "t", f"cart:{ca_cart.pk}", 10, 60)
    package = order.shipments.get()
    stack_actions.mark_sent(record, "t", "", ACTOR, last=stack_actions.Delivered(package.pk, "shipped", "F1"))
    report = diagnose_cart_updates(order)
    assert report.level == Level.SENT
    assert f"Sent to Channel Store at {record.__class__.objects.get().sent_at:%Y-%m-%d %H:%M:%S}" in messages(order)


def test_an_event_that_changed_no_label_is_why_nothing_went(status_updates: None, generic_cart: Cart) -> None:
    order = new_order(generic_cart)
    actions.approve_order(order, actor=ACTOR)
    text = messages(order)
    assert "only OrderAddTrackingNumber notify the cart" in text
    assert "OrderImport, OrderApprove" in text
    set_event_rule("OrderApprove", notify_cart=True)
    set_event_rule("OrderApprove", order_label="")  # an event with Notify Cart that sets no label
    actions.fire_status_event(order, "OrderApprove", actor=ACTOR)
    assert "OrderApprove changed no label" in messages(order)


def test_a_generic_cart_that_is_inactive(status_updates: None, generic_cart: Cart) -> None:
    order = new_order(generic_cart)
    carts.edit_cart(generic_cart, active=False)
    order.refresh_from_db()
    assert "Cart Web Store is not active" in messages(Order.objects.select_related("cart").get(pk=order.pk))


@pytest.mark.parametrize("budget", [8])
def test_diagnosis_reads_a_bounded_number_of_queries(
    status_updates: None, ca_cart: Cart, django_assert_max_num_queries, budget: int
) -> None:
    map_carrier(ca_cart, "UPS", "Ground", "UPS", "Ground")
    order = new_order(ca_cart, ("A", 3), ("B", 3))
    for n in range(3):
        actions.add_tracking_number(
            order, f"1ZQ{n:05d}", actor=ACTOR, carrier="UPS", shipping_class="Ground", items=[("A", 1), ("B", 1)]
        )
    order = Order.objects.select_related("cart").get(pk=order.pk)
    with django_assert_max_num_queries(budget):
        diagnose_cart_updates(order)
