"""An action's timeline and order changes are written once as it ends (issue: Performance): what a nested
action that failed deferred is dropped with its savepoint, and the last change to a field wins. Orders that take
the same values share one UPDATE; items' labels wait only in an action that asks for it (issue 14)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ordermanager.errors import InputError
from ordermanager.orders import deferred, events
from ordermanager.orders.actions.common import action, get_order, one_action
from ordermanager.orders.models import Order, OrderItem, TimelineEvent
from tests.conftest import ACTOR, new_order


@action
def _relabel(order_id: int, label: str, *, fail: bool = False) -> None:
    order = get_order(order_id, lock=True)
    order.status_label = label
    deferred.save_order(order, "status_label")
    events.order_held(order, label, ACTOR)
    if fail:
        raise InputError("order", "refused")


@action
def _outer(order_id: int) -> None:
    _relabel(order_id, "Kept")
    with pytest.raises(InputError):
        _relabel(order_id, "Rolled Back", fail=True)


def test_a_failed_nested_action_leaves_nothing_and_the_last_change_of_each_field_wins(db):
    order = new_order()

    _outer(order.pk)

    order = Order.objects.get(pk=order.pk)
    assert order.status_label == "Kept"
    held = order.timeline.filter(kind=TimelineEvent.ORDER_HELD).values_list("data__reason", flat=True)
    assert list(held) == ["Kept"]


@action
def _label_items_at_once(order_id: int, label: str) -> str:
    item = Order.objects.get(pk=order_id).items.get()
    deferred.save_item_labels([item.pk], label)
    return OrderItem.objects.get(pk=item.pk).status_label


def test_items_labels_are_written_at_once_in_an_action_that_did_not_ask_to_wait(db):
    order = new_order()

    # a later read in the same action sees the label: a tracking action reads its items again after an event
    assert _label_items_at_once(order.pk, "Now") == "Now"


def _label_then_fail(item_id: int) -> None:
    with deferred.written_at_end():
        deferred.save_item_labels([item_id], "Rolled Back")
        raise InputError("item", "refused")


def test_items_labels_wait_for_the_end_where_the_action_asks_and_a_failed_nested_block_drops_its_own(db):
    first, second = new_order(), new_order()
    one, two = first.items.get(), second.items.get()

    with one_action(item_labels_at_end=True):
        deferred.save_item_labels([one.pk], "Kept")
        with pytest.raises(InputError):
            _label_then_fail(two.pk)
        assert OrderItem.objects.get(pk=one.pk).status_label == ""  # not yet: written as the action ends

    assert OrderItem.objects.get(pk=one.pk).status_label == "Kept"
    assert OrderItem.objects.get(pk=two.pk).status_label == ""


def test_orders_given_the_same_values_share_one_update(db):
    orders = [new_order() for _ in range(3)]

    with CaptureQueriesContext(connection) as queries, one_action():
        for order, label in zip(orders, ("Same", "Same", "Other"), strict=True):
            order.status_label = label
            deferred.save_order(order, "status_label")

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "orders_order"')]
    assert len(updates) == 2
    labels = dict(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "status_label"))
    assert [labels[o.pk] for o in orders] == ["Same", "Same", "Other"]
