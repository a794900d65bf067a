"""What every order action shares: the transaction, looking up orders and items, checking input."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.db import models, transaction
from django.db.models import Sum

from ordermanager.action_reads import once_per_action
from ordermanager.errors import InputError
from ordermanager.orders import deferred, events
from ordermanager.orders.models import (
    Order,
    OrderItem,
    ShipmentItem,
    ShippingStatus,
    shipping_status_for,
)

P = ParamSpec("P")


R = TypeVar("R")


MAX_QUANTITY = 100_000


@contextmanager
def one_action(*, item_labels_at_end: bool = False) -> Iterator[None]:
    """One transaction: a failure anywhere rolls back labels, timeline and stack. Parameters and event rules
    are read once in it, however many events it fires. `item_labels_at_end`: for an action that reads no item
    back from the database after it fires an event (see deferred)."""
    with transaction.atomic(), once_per_action(), deferred.written_at_end(item_labels=item_labels_at_end):
        yield


def action(fn: Callable[P, R]) -> Callable[P, R]:
    """Run the action as `one_action`."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_action():
            return fn(*args, **kwargs)

    return run


def action_reading_no_items(fn: Callable[P, R]) -> Callable[P, R]:
    """Run the action as `one_action`, its items' labels written as it ends: for an action that entered the
    items itself and reads none back from the database."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_action(item_labels_at_end=True):
            return fn(*args, **kwargs)

    return run


def get_order(number: int | str | Order, *, lock: bool = False, **annotations: Any) -> Order:
    """Find an order by our order number. `lock` holds its row until the transaction ends; `annotations`
    are read in the same query."""
    if isinstance(number, Order):
        number = number.pk
    try:
        pk = int(number) if len(str(number).strip()) <= 19 else 0
    except (TypeError, ValueError):
        raise InputError("order", f"an order number is a whole number, not {number!r}") from None
    if not 0 < pk < 2**63:
        raise InputError("order", f"there is no order number {str(number).strip()}")
    query = Order.objects.select_related("cart").annotate(**annotations)
    if lock:
        query = query.select_for_update(of=("self",))
    order = query.filter(pk=pk).first()
    if order is None:
        raise InputError("order", f"there is no order number {pk}")
    return order


def items_of(order: Order) -> list[OrderItem]:
    """The order's items with their shipped quantities: one query, however many items."""
    return list(OrderItem.objects.with_shipped().filter(order=order))


def get_item(order: Order, ref: int | str | OrderItem, items: list[OrderItem] | None = None) -> OrderItem:
    """Find a line of the order by its item id or its SKU (among `items`, if they are already read)."""
    if isinstance(ref, OrderItem):
        ref = ref.pk
    text = str(ref).strip()
    items = items_of(order) if items is None else items
    found = [i for i in items if i.sku == text] or [i for i in items if str(i.pk) == text]
    if not found:
        raise InputError("item", f"{text!r} is not an item of order {order.pk}")
    if len(found) > 1:
        raise InputError("item", f"order {order.pk} has several lines with SKU {text!r}; give the item id instead")
    return found[0]


def lock_line(order: Order | int, item: int | str, *, open_order: bool = True) -> tuple[Order, OrderItem]:
    """The order, locked until the action ends, and one of its lines; `open_order` refuses a cancelled order."""
    order = get_order(order, lock=True)
    if open_order:
        check_open(order)
    return order, get_item(order, item)


def resolve_items(order: Order, refs: Iterable[int | str] | None) -> list[OrderItem] | None:
    if refs is None:
        return None
    every = items_of(order)
    items = [get_item(order, ref, every) for ref in refs]
    if not items:
        raise InputError("item", "give at least one item, or none for the whole order")
    return items


def check_quantity(value: int, *, field: str = "quantity", maximum: int = MAX_QUANTITY) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, f"must be a whole number, not {value!r}")
    if value < 1:
        raise InputError(field, f"must be at least 1, not {value}")
    if value > maximum:
        raise InputError(field, f"must be at most {maximum}, not {value}")
    return value


def check_open(order: Order) -> None:
    if order.cancelled_at is not None:
        raise InputError("order", f"order {order.pk} is cancelled")


def check_not_on_hold(order: Order, doing: str) -> None:
    if order.on_hold:
        raise InputError("order", f"order {order.pk} is on hold; release it before {doing}")


def check_field_sizes(model: type[models.Model], values: dict[str, Any]) -> None:
    """Text and amounts must fit their columns: say which field and its limit, before anything is written."""
    for name, value in values.items():
        field = model._meta.get_field(name)
        if isinstance(value, str) and field.max_length and len(value) > field.max_length:
            raise InputError(name, f"is at most {field.max_length} characters; {len(value)} given")
        if isinstance(field, models.DecimalField) and value is not None:
            limit = 10 ** (field.max_digits - field.decimal_places)
            try:
                amount = Decimal(value)
            except (ArithmeticError, TypeError, ValueError):
                raise InputError(name, f"must be a number, not {value!r}") from None
            if not amount.is_finite() or abs(amount) >= limit:
                raise InputError(name, f"must be less than {limit:,}, not {value}")


def refresh_shipping_status(order: Order, actor: str, every: list[OrderItem] | None = None) -> None:
    """Derive the order's shipping status from its items' open, shipped and cancelled quantities.

    `every` is all of the order's items with their current shipped quantities, when the caller has them."""
    if order.shipping_status == ShippingStatus.THIRD_PARTY_MANAGED:
        return  # shipped by a fulfilment partner (e.g. FBA), not by us
    if every is not None:
        shipped = sum(i.quantity_shipped for i in every)
        open_ = sum(i.quantity - i.quantity_cancelled for i in every) - shipped
    else:
        totals = order.items.aggregate(ordered=Sum("quantity"), cancelled=Sum("quantity_cancelled"))
        shipped = ShipmentItem.objects.filter(shipment__order=order).aggregate(n=Sum("quantity"))["n"] or 0
        open_ = (totals["ordered"] or 0) - (totals["cancelled"] or 0) - shipped
    status = shipping_status_for(open_, shipped)
    if status != order.shipping_status:
        old, order.shipping_status = order.shipping_status, status
        deferred.save_order(order, "shipping_status")
        events.shipping_status_changed(order, old, actor)
