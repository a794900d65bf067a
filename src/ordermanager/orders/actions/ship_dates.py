"""Picking and ship dates: expected, and actual (set by hand, by the pick list or by tracking)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from ordermanager.errors import InputError
from ordermanager.orders import deferred, events
from ordermanager.orders.actions.common import (
    action,
    check_not_on_hold,
    check_open,
    get_order,
    items_of,
    resolve_items,
)
from ordermanager.orders.models import (
    Order,
    OrderItem,
)
from ordermanager.params import actions as params
from ordermanager.statuses.engine import fire


@action
def print_pick_list(order: Order | int, *, actor: str, today: dt.date | None = None) -> Order:
    """Mark the pick list printed. With SetActualShipDate, this also sets the actual ship date."""
    order = get_order(order, lock=True)
    check_open(order)
    if order.on_hold:
        raise InputError("order", f"order {order.pk} is on hold; release it before picking")
    order.pick_list_printed_at = timezone.now()
    order.save(update_fields=["pick_list_printed_at", "updated_at"])
    events.pick_list_printed(order, actor)
    fire(order, "OrderPick", actor=actor)
    if params.get("SetActualShipDate", cart=order.cart):
        open_items = [i for i in items_of(order) if i.quantity_open > 0 and i.actual_ship_date is None]
        apply_actual_ship_date(order, today or timezone.localdate(), open_items, actor, "SetActualShipDate is True")
    return order


def _date_items(items: Iterable[OrderItem], field: str, date: dt.date) -> None:
    """One UPDATE for all of them, and the items in hand say the same."""
    items = list(items)
    OrderItem.objects.filter(pk__in=[i.pk for i in items]).update(**{field: date})
    for item in items:
        setattr(item, field, date)


def _date_order(order: Order, field: str, date: dt.date) -> None:
    setattr(order, field, date)
    deferred.save_order(order, field)


def _open_order_and_items(order: Order | int, refs: Iterable[int | str] | None) -> tuple[Order, list[OrderItem] | None]:
    """The order, locked and not cancelled, and the items named (None: the whole order)."""
    order = get_order(order, lock=True)
    check_open(order)
    return order, resolve_items(order, refs)


def _live_items(order: Order, every: list[OrderItem] | None = None) -> list[OrderItem]:
    """Items with something not cancelled: the ones a ship date concerns (among `every`, if already read)."""
    return [i for i in (order.items.all() if every is None else every) if i.quantity > i.quantity_cancelled]


def apply_actual_ship_date(
    order: Order,
    date: dt.date,
    items: list[OrderItem],
    actor: str,
    why: str,
    every: list[OrderItem] | None = None,
) -> None:
    """Set the actual ship date on items; once every open item has one, on the order too.

    `every` is all of the order's items when the caller has them in hand (`items` among them)."""
    if items:
        _date_items(items, "actual_ship_date", date)
        events.actual_ship_date_set(order, date, actor, items, why)
        fire(order, "ItemSetActualShipDate", actor=actor, items=items)
    live = _live_items(order, every)
    if order.actual_ship_date is None and live and all(i.actual_ship_date for i in live):
        _date_order(order, "actual_ship_date", max(i.actual_ship_date for i in live))
        events.actual_ship_date_set(order, order.actual_ship_date, actor, why="every item has one")
        fire(order, "OrderSetActualShipDate", actor=actor)


@action
def set_expected_ship_date(
    order: Order | int, date: dt.date, *, actor: str, items: Iterable[int | str] | None = None
) -> Order:
    """Set the expected ship date of some items, or of the whole order when no items are given."""
    order, chosen = _open_order_and_items(order, items)
    _date_items(chosen if chosen is not None else order.items.all(), "expected_ship_date", date)
    if chosen is None:
        _date_order(order, "expected_ship_date", date)
        events.expected_ship_date_set(order, date, actor)
        fire(order, "OrderSetExpectedShipDate", actor=actor)
    else:
        events.expected_ship_date_set(order, date, actor, chosen)
        fire(order, "ItemSetExpectedShipDate", actor=actor, items=chosen)
    return order


@action
def set_actual_ship_date(
    order: Order | int, date: dt.date, *, actor: str, items: Iterable[int | str] | None = None
) -> Order:
    """Set the actual ship date of some items, or of the whole order when no items are given (by hand)."""
    order, chosen = _open_order_and_items(order, items)
    check_not_on_hold(order, "shipping it")
    if chosen is None:
        targets = _live_items(order)
        _date_items(targets, "actual_ship_date", date)
        _date_order(order, "actual_ship_date", date)
        events.actual_ship_date_set(order, date, actor)
        fire(order, "OrderSetActualShipDate", actor=actor, items=targets)
    else:
        apply_actual_ship_date(order, date, chosen, actor, "set by hand")
    return order
