"""Order-state rules: an order on hold is not shipped; approval comes once, and before shipping."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from ordermanager.errors import InputError
from ordermanager.orders import actions
from ordermanager.orders.models import TrackingNumber
from ordermanager.stack.models import StackRecord
from tests.conftest import ACTOR, new_order

pytestmark = pytest.mark.usefixtures("status_updates")


def test_an_order_on_hold_gets_no_tracking_until_released(ca_cart):
    # given an order on hold
    order = new_order(ca_cart, ("SKU-1", 1))
    actions.hold_order(order, reason="address check", actor=ACTOR)
    entries = order.timeline.count()

    # when tracking is added, or the ship date set: refused, and nothing changed
    with pytest.raises(InputError, match=rf"order {order.pk} is on hold; release it before adding tracking"):
        actions.add_tracking_number(order, "1Z0001", carrier="UPS", actor=ACTOR)
    with pytest.raises(InputError, match="on hold; release it before shipping it"):
        actions.set_actual_ship_date(order, dt.date(2026, 11, 27), actor=ACTOR)
    assert order.timeline.count() == entries
    assert not order.shipments.exists()

    # then once released it ships
    actions.release_order(order, actor=ACTOR)
    actions.add_tracking_number(order, "1Z0001", carrier="UPS", actor=ACTOR)
    order.refresh_from_db()
    assert order.shipping_status == "Shipped"


def test_process_tracking_numbers_leaves_orders_on_hold_until_released(ca_cart):
    # given an unprocessed number on an order that is then put on hold
    order = new_order(ca_cart, ("SKU-1", 1))
    actions.add_tracking_number(order, "1Z0002", carrier="UPS", actor=ACTOR, process=False)
    actions.hold_order(order, actor=ACTOR)

    report = actions.process_tracking_numbers(actor=ACTOR)

    assert report.processed == []
    assert report.on_hold == ["1Z0002"]
    assert not TrackingNumber.objects.get().processed
    assert not StackRecord.objects.exists()

    actions.release_order(order, actor=ACTOR)
    assert actions.process_tracking_numbers(actor=ACTOR).processed == ["1Z0002"]


def test_approving_twice_changes_nothing_the_second_time(ca_cart):
    order = new_order(ca_cart)
    actions.approve_order(order, actor=ACTOR)
    order.refresh_from_db()
    first = (order.approved_at, order.status_label, order.timeline.count())

    actions.approve_order(order, actor=ACTOR)

    order.refresh_from_db()
    assert (order.approved_at, order.status_label, order.timeline.count()) == first


def test_approving_a_shipped_order_is_refused(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1))
    actions.add_tracking_number(order, "1Z0003", carrier="UPS", actor=ACTOR)
    entries = order.timeline.count()

    with pytest.raises(InputError, match=rf"order {order.pk} is already shipped"):
        actions.approve_order(order, actor=ACTOR)

    order.refresh_from_db()
    assert order.approved_at is None
    assert order.timeline.count() == entries


def test_the_rules_on_the_command_line(ca_cart):
    order = new_order(ca_cart, ("SKU-1", 1))
    number = str(order.pk)
    call_command("order", "hold", number, stdout=io.StringIO())
    with pytest.raises(CommandError, match=f"order: order {number} is on hold; release it before adding tracking") as e:
        call_command("tracking", "add", number, "1Z0004", "--carrier", "UPS", stdout=io.StringIO())
    assert e.value.returncode == 2
    call_command("order", "release", number, stdout=io.StringIO())

    call_command("order", "approve", number, stdout=io.StringIO())
    again = io.StringIO()
    call_command("order", "approve", number, stdout=again)
    assert again.getvalue().strip() == f"Order {number} is already approved; nothing changed."

    call_command("tracking", "add", number, "1Z0004", "--carrier", "UPS", stdout=io.StringIO())
    with pytest.raises(CommandError, match="is already shipped"):
        call_command("order", "approve", number, stdout=io.StringIO())
