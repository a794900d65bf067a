"""Cancellations, backorders, drop ship and returns."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from ordermanager.errors import InputError
from ordermanager.inventory.actions import record_sales
from ordermanager.orders import events
from ordermanager.orders.actions.common import (
    action,
    check_open,
    check_quantity,
    get_order,
    items_of,
    lock_line,
    refresh_shipping_status,
)
from ordermanager.orders.models import (
    Order,
    OrderItem,
    ShippingStatus,
)
from ordermanager.statuses.engine import fire


def _cancel_quantity(order: Order, line: OrderItem, count: int, actor: str) -> None:
    line.quantity_cancelled += count
    line.save(update_fields=["quantity_cancelled"])
    events.item_cancelled(order, line, count, actor)
    record_sales([(line.sku, -count)], f"order {order.pk} cancelled")
    fire(order, "ItemCancel", actor=actor, items=[line])


def _cancel_if_nothing_left(order: Order, actor: str) -> None:
    refresh_shipping_status(order, actor)
    if order.shipping_status == ShippingStatus.CANCELED:
        order.cancelled_at = timezone.now()
        order.save(update_fields=["cancelled_at", "updated_at"])
        events.order_cancelled(order, actor)
        fire(order, "OrderCancel", actor=actor)


@action
def cancel_item(order: Order | int, item: int | str, *, actor: str, quantity: int | None = None) -> OrderItem:
    """Cancel some or all of an item's open quantity. Cancelling the last open item cancels the order."""
    order, line = lock_line(order, item)
    if line.quantity_open == 0:
        raise InputError("item", f"{line.sku} has nothing left to cancel")
    count = line.quantity_open if quantity is None else check_quantity(quantity)
    if count > line.quantity_open:
        raise InputError("quantity", f"{line.sku} has {line.quantity_open} open; {count} cannot be cancelled")
    _cancel_quantity(order, line, count, actor)
    _cancel_if_nothing_left(order, actor)
    return line


@action
def cancel_order(order: Order | int, *, actor: str) -> Order:
    """Cancel everything still open, item by item, as cancel_item would. Shipped quantities stay shipped."""
    order = get_order(order, lock=True)
    check_open(order)
    open_items = [(i, i.quantity_open) for i in items_of(order)]
    open_items = [(i, n) for i, n in open_items if n > 0]
    if not open_items:
        raise InputError("order", f"order {order.pk} has nothing open to cancel")
    for line, count in open_items:
        _cancel_quantity(order, line, count, actor)
    _cancel_if_nothing_left(order, actor)
    return order


def _set_on_line(order: Order, line: OrderItem, field: str, value: object, event_id: str, actor: str) -> OrderItem:
    """Change one field of the line, then fire the line's event (its timeline entry is written already)."""
    setattr(line, field, value)
    line.save(update_fields=[field])
    fire(order, event_id, actor=actor, items=[line])
    return line


@action
def backorder_item(order: Order | int, item: int | str, *, actor: str) -> OrderItem:
    order, line = lock_line(order, item)
    if line.backordered:
        raise InputError("item", f"{line.sku} is already backordered")
    if line.quantity_open == 0:
        raise InputError("item", f"{line.sku} has nothing open to backorder")
    events.item_backordered(order, line, actor)
    return _set_on_line(order, line, "backordered", True, "ItemBackorder", actor)


# What undoing a backorder or a drop-ship order refuses with, writes on the timeline and fires, by field.
_UNDO: dict[str, tuple[str, Callable[[Order, OrderItem, str], object], str]] = {
    "backordered": ("is not backordered", events.backorder_filled, "ItemBackorderFilled"),
    "drop_ship_supplier": ("has no drop-ship order", events.drop_ship_cancelled, "ItemDropShipCanceled"),
}


def _undo_on_line(order: Order | int, item: int | str, field: str, actor: str) -> OrderItem:
    refusal, note, event_id = _UNDO[field]
    order, line = lock_line(order, item, open_order=False)
    if not getattr(line, field):
        raise InputError("item", f"{line.sku} {refusal}")
    note(order, line, actor)
    return _set_on_line(order, line, field, OrderItem._meta.get_field(field).get_default(), event_id, actor)


@action
def fill_backorder(order: Order | int, item: int | str, *, actor: str) -> OrderItem:
    return _undo_on_line(order, item, "backordered", actor)


@action
def order_drop_ship(order: Order | int, item: int | str, *, supplier: str, actor: str) -> OrderItem:
    order, line = lock_line(order, item)
    supplier = (supplier or "").strip()
    if not supplier or len(supplier) > 100:
        raise InputError("supplier", "a drop-ship order needs a supplier name of at most 100 characters")
    if line.drop_ship_supplier:
        raise InputError("item", f"{line.sku} is already drop-shipped by {line.drop_ship_supplier}")
    if line.quantity_open == 0:
        raise InputError("item", f"{line.sku} has nothing open to drop-ship")
    events.drop_ship_ordered(order, line, supplier, actor)
    return _set_on_line(order, line, "drop_ship_supplier", supplier, "ItemDropShipOrdered", actor)


@action
def cancel_drop_ship(order: Order | int, item: int | str, *, actor: str) -> OrderItem:
    return _undo_on_line(order, item, "drop_ship_supplier", actor)


@action
def return_item(order: Order | int, item: int | str, quantity: int, *, actor: str) -> OrderItem:
    order, line = lock_line(order, item, open_order=False)
    check_quantity(quantity)
    returnable = line.quantity_shipped - line.quantity_returned
    if quantity > returnable:
        raise InputError(
            "quantity", f"{line.sku} has {returnable} shipped and not returned; {quantity} cannot be returned"
        )
    line.quantity_returned += quantity
    line.save(update_fields=["quantity_returned"])
    record_sales([(line.sku, -quantity)], f"order {order.pk} returned")
    events.item_returned(order, line, quantity, actor)
    fire(order, "ItemReturn", actor=actor, items=[line])
    if all(i.quantity_returned >= i.quantity_shipped for i in items_of(order)):
        fire(order, "OrderReturn", actor=actor)
    return line
