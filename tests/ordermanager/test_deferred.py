"""An action's timeline and order changes are written once as it ends (issue: Performance): what a nested
action that failed deferred is dropped with its savepoint, and the last change to a field wins."""

from __future__ import annotations

import pytest

from ordermanager.errors import InputError
from ordermanager.orders import deferred, events
from ordermanager.orders.actions.common import action, get_order
from ordermanager.orders.models import Order, TimelineEvent
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
