"""The stack controller against a broken server: a bad answer to Ship is a problem record, never a delivery."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ordermanager.carts.carriers import map_carrier
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.importing import import_orders
from ordermanager.orders.models import Order
from ordermanager.params import actions as params
from ordermanager.stack.controller import Settings, StackController
from ordermanager.stack.models import OPEN_STATES, StackRecord, State
from ordermanager.statuses.actions import load_default_status_events
from tests.conftest import ACTOR
from tests.ordermanager.hostile import HostileServer, add_hostile_cart
from tests.ordermanager.test_hostile_server import good_order

FAST = {"poll_seconds": 0.02, "retry_base_seconds": 0.05, "imports": False, "handle_signals": False}


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture
def cart(transactional_db: None, hostile: HostileServer) -> Cart:
    params.set_parameter("UseStatusUpdates", "True")
    load_default_status_events()
    cart = add_hostile_cart(hostile, deadline_seconds=2)
    map_carrier(cart, "UPS", "Ground", "UPS", "Ground")
    return cart


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("redirect_302", "answered 302 to POST"),
        ("redirect_301_body", "answered 301 to POST"),
        ("drip", "within the call's 2 s deadline"),
        ("huge", "was cut off"),
        ("nul_error", "bad\\x00request"),
    ],
)
def test_a_bad_answer_to_ship_is_never_taken_for_a_delivery(cart, hostile, mode, expected):
    # given an imported order with a tracking number, and a server that now answers Ship badly
    hostile.orders = [good_order(101)]
    import_orders(cart)
    order = Order.objects.get(channel_order_id="101")
    actions.add_tracking_number(order, "1ZHOSTILE1", carrier="UPS", shipping_class="Ground", actor=ACTOR)
    hostile.mode = mode

    # when the stack controller runs until the record settles
    deadline = time.monotonic() + 30
    while StackRecord.objects.filter(state__in=[*OPEN_STATES, State.IN_FLIGHT], attempts=0).exists():
        assert time.monotonic() < deadline
        StackController(Settings(once=True, **FAST)).run()

    # then the record is not marked sent, and it says what went wrong in one line
    record = StackRecord.objects.get(order=order)
    assert record.state != State.SENT
    assert expected in record.last_error
    assert "\n" not in record.last_error
    assert order.shipments.get().delivered_to_cart_at is None
    assert all(r["host"] == f"127.0.0.1:{hostile.port}" for r in hostile.requests)
