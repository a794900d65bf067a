"""Receiving orders and their items, by hand or from a cart's download."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordermanager.carts.carriers import Source, note_carrier_classes
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.guards import check_row
from ordermanager.inserts import insert_all
from ordermanager.inventory.actions import record_sales, record_sales_of
from ordermanager.orders import events
from ordermanager.orders.actions.common import (
    action,
    action_reading_no_items,
    check_field_sizes,
    check_open,
    check_quantity,
    get_order,
    lock_line,
    refresh_shipping_status,
)
from ordermanager.orders.models import (
    Order,
    OrderItem,
)
from ordermanager.statuses.engine import fire


@dataclass(frozen=True)
class NewItem:
    sku: str
    quantity: int
    title: str = ""
    unit_price: Decimal = Decimal(0)
    channel_item_id: str = ""

    def line_of(self, order: Order) -> OrderItem:
        """The order's line for this item, not yet saved."""
        fields = {"title": self.title, "unit_price": self.unit_price, "channel_item_id": self.channel_item_id}
        return OrderItem(order=order, sku=self.sku.strip(), quantity=self.quantity, **fields)


ORDER_FIELDS = frozenset(
    {
        "channel_order_id",
        "marketplace_order_id",
        "site_name",
        "profile_id",
        "ordered_at",
        "buyer_name",
        "buyer_email",
        "ship_to_name",
        "ship_to_company",
        "ship_to_address1",
        "ship_to_address2",
        "ship_to_city",
        "ship_to_state",
        "ship_to_postal_code",
        "ship_to_country",
        "ship_to_phone",
        "requested_shipping_carrier",
        "requested_shipping_class",
        "checkout_status",
        "payment_status",
        "shipping_status",
        "total",
        "amount_paid",
        "expected_ship_date",
    }
)


def _check_new_item(item: NewItem) -> None:
    if not item.sku.strip():
        raise InputError("sku", "every item needs a SKU")
    check_field_sizes(
        OrderItem,
        {"sku": item.sku, "title": item.title, "unit_price": item.unit_price, "channel_item_id": item.channel_item_id},
    )
    check_quantity(item.quantity)


@action
def receive_order(items: Sequence[NewItem], *, actor: str, cart: Cart | None = None, **fields: Any) -> Order:
    """Enter a new order (by hand, or from a cart's download) and fire OrderImport."""
    new = prepare_order(items, cart=cart, **fields)
    channel_id = fields.get("channel_order_id") or ""
    if cart is not None and channel_id and Order.objects.filter(cart=cart, channel_order_id=channel_id).exists():
        raise InputError("channel_order_id", f"order {channel_id} of cart {cart.store_name} is already here")
    return enter_new_order(new, actor=actor)


def check_new_order(items: Sequence[NewItem], fields: dict[str, Any]) -> None:
    unknown = set(fields) - ORDER_FIELDS
    if unknown:
        raise InputError(sorted(unknown)[0], "is not a field of an order")
    if not items:
        raise InputError("items", "an order needs at least one item")
    check_field_sizes(Order, fields)
    for item in items:
        _check_new_item(item)


@dataclass(frozen=True)
class NewOrder:
    """A new order checked and built, not yet written: a page of them is entered in one action."""

    order: Order
    lines: list[OrderItem]


def prepare_order(items: Sequence[NewItem], *, cart: Cart | None, **fields: Any) -> NewOrder:
    """Check a new order as `receive_order` does, and build its rows without writing them.

    The row guard runs here, since the batch INSERTs skip it: an order refused for any value is refused on its
    own, before the page it came with is written."""
    check_new_order(items, fields)
    order = Order(cart=cart, **fields)
    lines = [i.line_of(order) for i in items]
    for row in (order, *lines):
        check_row(type(row), row)
    return NewOrder(order, lines)


@action_reading_no_items
def enter_new_orders(
    new: Sequence[NewOrder], *, actor: str, carrier_classes: Collection[tuple[str, str]] = ()
) -> list[Order]:
    """Enter checked orders of one cart (a downloaded page) in one action, each as `enter_new_order` would: the
    same rows, moves, timeline and labels, but one statement per table for all of them and one read of the rules.
    `carrier_classes` seen on the page are noted in the same transaction (it spares them one of their own).

    An order whose cart order ID is taken fails it whole (IntegrityError, nothing written): the caller then
    enters them one by one, where a repeat is told apart from a new order."""
    cart = new[0].order.cart if new else None
    if cart is not None and carrier_classes:
        note_carrier_classes(cart, set(carrier_classes), Source.SEEN)
    return _enter(new, actor)


def enter_new_order(new: NewOrder, *, actor: str) -> Order:
    """Inside an order action whose caller already looked the cart's order ID up and found nothing."""
    return _enter([new], actor)[0]


def _enter(new: Sequence[NewOrder], actor: str) -> list[Order]:
    """Write checked orders, their lines, timeline, stock moves and labels: one statement per table for all."""
    orders = insert_all([n.order for n in new])
    insert_all([line for n in new for line in n.lines])
    for n in new:
        events.order_received(n.order, n.order.cart, len(n.lines), actor)
    titles: dict[str, str] = {}
    for n in new:  # a SKU new to the stock takes its title from the first order that has it
        for sku, title in {line.sku: line.title for line in n.lines}.items():
            titles.setdefault(sku, title)
    record_sales_of([(f"order {n.order.pk}", [(li.sku, li.quantity) for li in n.lines]) for n in new], titles=titles)
    for n in new:
        fire(n.order, "OrderImport", actor=actor, items=n.lines)
    return orders


@action
def add_item(order: Order | int, item: NewItem, *, actor: str) -> OrderItem:
    order = get_order(order, lock=True)
    check_open(order)
    _check_new_item(item)
    line = item.line_of(order)
    line.save()
    events.item_added(order, line, actor)
    record_sales([(line.sku, line.quantity)], f"order {order.pk}", titles={line.sku: line.title})
    refresh_shipping_status(order, actor)
    fire(order, "ItemAdd", actor=actor, items=[line])
    return line


@action
def change_item(
    order: Order | int, item: int | str, *, actor: str, quantity: int | None = None, title: str | None = None
) -> OrderItem:
    order, line = lock_line(order, item)
    old_quantity = None
    if quantity is not None:
        check_quantity(quantity)
        floor = line.quantity_shipped + line.quantity_cancelled
        if quantity < floor:
            raise InputError(
                "quantity", f"{line.sku} has {floor} shipped or cancelled; the quantity cannot go below it"
            )
        old_quantity, line.quantity = line.quantity, quantity
    if title is not None:
        check_field_sizes(OrderItem, {"title": title})
        line.title = title
    if quantity is None and title is None:
        raise InputError("item", "nothing to change: give a quantity or a title")
    line.save()
    if old_quantity is not None:
        record_sales([(line.sku, line.quantity - old_quantity)], f"order {order.pk} quantity changed")
    events.item_changed(order, line, old_quantity, title is not None, actor)
    refresh_shipping_status(order, actor)
    fire(order, "ItemChange", actor=actor, items=[line])
    return line
