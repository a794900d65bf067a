"""One named constructor per kind of timeline entry (as Saleor's order/events.py).

Each writes the entry's kind and its structured fields beside the sentence the operator reads, so
code and tests ask what happened (`kind`, `data`) and never parse the prose. Only actions call
these: the timeline is written in the transaction of the change it tells of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ordermanager.inserts import insert_all
from ordermanager.orders import deferred
from ordermanager.orders.models import Order, OrderItem, Shipment, TimelineEntry, TimelineEvent, TrackingNumber

if TYPE_CHECKING:
    from ordermanager.carts.connectors.base import CartError
    from ordermanager.carts.models import Cart
    from ordermanager.stack.models import StackRecord

E = TimelineEvent

# Why no status update went to the cart, in the operator's words; {cart}, {type}, {event}, {fix} are filled in.
WITHHELD_BECAUSE = {
    "cart_takes_no_updates": "No status update: Notify Cart is ticked for {event}, but cart {cart} does not take "
    "status updates (inactive, Send Status to Web unticked, or not supported by its type)",
    "no_label_changed": "No status update: {event} changed no label (an update is sent only when a label changes; "
    "check that no earlier event sets the same labels)",
    "no_channel_order_id": "No status update to {cart}: this order has no {type} order ID (it was entered here, not "
    "downloaded), so the cart cannot be told of its shipments",
    "event_without_tracking": "No status update to {cart}: {event} may fire without a tracking number, and {type} "
    "needs tracking with every update. Tick Notify Cart on {fix} instead.",
}


def _write(
    order: Order, kind: TimelineEvent, message: str, actor: str, save: bool = True, **data: Any
) -> TimelineEntry:
    """Write the entry (at the action's end, with its others); with save=False only build it, for a batch that
    inserts many at once."""
    entry = TimelineEntry(order=order, kind=kind, message=message, actor=actor, data=data)
    return deferred.add_entry(entry) if save else entry


def _skus(items: Sequence[OrderItem]) -> str:
    return ", ".join(i.sku for i in items)


# --- receiving ---------------------------------------------------------------------------------


def order_received(order: Order, cart: Cart | None, item_count: int, actor: str) -> TimelineEntry:
    source = f"cart {cart.store_name} (order {order.channel_order_id})" if cart else "manual entry"
    text = f"Order received from {source} with {item_count} item(s)"
    return _write(order, E.ORDER_RECEIVED, text, actor, cart=cart and cart.pk, items=item_count)


def item_added(order: Order, item: OrderItem, actor: str) -> TimelineEntry:
    text = f"Item {item.sku} x{item.quantity} added"
    return _write(order, E.ITEM_ADDED, text, actor, item=item.pk, sku=item.sku, quantity=item.quantity)


def item_changed(order: Order, item: OrderItem, old_quantity: int | None, title: bool, actor: str) -> TimelineEntry:
    """`old_quantity` when the quantity changed; `title` when the title did."""
    changes = [f"quantity {old_quantity} → {item.quantity}"] if old_quantity is not None else []
    changes += ["title"] if title else []
    text = f"Item {item.sku} changed: {', '.join(changes)}"
    fields = {"item": item.pk, "sku": item.sku, "old_quantity": old_quantity, "title_changed": title}
    return _write(order, E.ITEM_CHANGED, text, actor, quantity=item.quantity, **fields)


# --- approval, payments and holds --------------------------------------------------------------


def order_approved(order: Order, actor: str) -> TimelineEntry:
    return _write(order, E.ORDER_APPROVED, "Order approved", actor)


def payment_declined(order: Order, amount: Decimal, actor: str) -> TimelineEntry:
    return _write(order, E.PAYMENT_DECLINED, f"Payment of {amount} declined", actor, amount=str(amount))


def payment_logged(order: Order, amount: Decimal, actor: str) -> TimelineEntry:
    text = f"Payment of {amount} logged (paid {order.amount_paid} of {order.total})"
    return _write(order, E.PAYMENT_LOGGED, text, actor, amount=str(amount), paid=str(order.amount_paid))


def refund_logged(order: Order, amount: Decimal, actor: str) -> TimelineEntry:
    return _write(order, E.REFUND_LOGGED, f"Refund of {amount} logged", actor, amount=str(amount))


def order_held(order: Order, reason: str, actor: str) -> TimelineEntry:
    text = f"Order put on hold{': ' + reason if reason else ''}"
    return _write(order, E.ORDER_HELD, text, actor, reason=reason)


def order_released(order: Order, actor: str) -> TimelineEntry:
    return _write(order, E.ORDER_RELEASED, "Order released from hold", actor)


# --- picking and ship dates --------------------------------------------------------------------


def pick_list_printed(order: Order, actor: str) -> TimelineEntry:
    return _write(order, E.PICK_LIST_PRINTED, "Pick list printed", actor)


def expected_ship_date_set(
    order: Order, date: dt.date, actor: str, items: Sequence[OrderItem] | None = None
) -> TimelineEntry:
    """For the whole order, or for `items`."""
    text = f"Expected ship date{f' of {_skus(items)}' if items else ''} set to {date}"
    chosen = [i.pk for i in items] if items else None
    return _write(order, E.EXPECTED_SHIP_DATE_SET, text, actor, date=date.isoformat(), items=chosen)


def actual_ship_date_set(
    order: Order, date: dt.date, actor: str, items: Sequence[OrderItem] | None = None, why: str = ""
) -> TimelineEntry:
    """For the whole order, or for `items`; `why` names what set it when a person did not."""
    text = f"Actual ship date of {_skus(items) if items else 'the order'} set to {date}{f' ({why})' if why else ''}"
    chosen = [i.pk for i in items] if items else None
    return _write(order, E.ACTUAL_SHIP_DATE_SET, text, actor, date=date.isoformat(), items=chosen, why=why)


# --- packages and tracking ---------------------------------------------------------------------


def package_created(
    order: Order, shipment: Shipment, lines: Sequence[tuple[OrderItem, int]], actor: str, *, save: bool = True
) -> TimelineEntry:
    listing = ", ".join(f"{i.sku} x{q}" for i, q in lines)
    service = " ".join(filter(None, [shipment.carrier, shipment.shipping_class]))
    text = f"Package {shipment.pk} ({service}) holds {listing}"
    contents = [{"item": i.pk, "sku": i.sku, "quantity": q} for i, q in lines]
    fields = {"carrier": shipment.carrier, "shipping_class": shipment.shipping_class, "lines": contents}
    return _write(order, E.PACKAGE_CREATED, text, actor, save, package=shipment.pk, **fields)


def tracking_added(order: Order, tracking: TrackingNumber, actor: str, *, save: bool = True) -> TimelineEntry:
    text = f"Tracking number {tracking.number} added to package {tracking.shipment_id}"
    fields = {"package": tracking.shipment_id, "tracking_number": tracking.number}
    return _write(order, E.TRACKING_ADDED, text, actor, save, **fields)


def tracking_warning(
    order: Order, tracking: TrackingNumber, warning: str, actor: str, *, save: bool = True
) -> TimelineEntry:
    """A tracking rule's warning (a method the cart takes as typed, a ship date far away): taken, but said."""
    return _write(order, E.TRACKING_WARNING, f"Warning: {warning}", actor, save, tracking_number=tracking.number)


def tracking_processing(order: Order, tracking: TrackingNumber, actor: str) -> TimelineEntry:
    text = f"Process Tracking Numbers: processing {tracking.number}"
    return _write(order, E.TRACKING_PROCESSING, text, actor, tracking_number=tracking.number)


def tracking_email_queued(order: Order, record: StackRecord, actor: str) -> TimelineEntry:
    text = f"Tracking e-mail to {order.buyer_email} queued (record {record.pk})"
    return _write(order, E.TRACKING_EMAIL_QUEUED, text, actor, stack_record=record.pk)


def package_shipped_at_cart(order: Order, shipment: Shipment, tracking_number: str, actor: str) -> TimelineEntry:
    """A package the cart had already shipped when the order was imported."""
    fulfillment = shipment.cart_fulfillment_id
    text = (
        f"Package {shipment.pk} was already shipped at the cart (fulfillment {fulfillment}, tracking {tracking_number})"
    )
    fields = {"fulfillment": fulfillment, "tracking_number": tracking_number}
    return _write(order, E.PACKAGE_SHIPPED_AT_CART, text, actor, package=shipment.pk, **fields)


def shipping_status_changed(order: Order, old: str, actor: str, *, save: bool = True) -> TimelineEntry:
    text = f"Shipping status: {old} → {order.shipping_status}"
    return _write(order, E.SHIPPING_STATUS_CHANGED, text, actor, save, old=old, new=order.shipping_status)


# --- cancellations, backorders, drop ship, returns ---------------------------------------------


def item_cancelled(order: Order, item: OrderItem, count: int, actor: str) -> TimelineEntry:
    text = f"{count} of {item.sku} cancelled"
    return _write(order, E.ITEM_CANCELLED, text, actor, item=item.pk, sku=item.sku, quantity=count)


def order_cancelled(order: Order, actor: str) -> TimelineEntry:
    return _write(order, E.ORDER_CANCELLED, "Order cancelled", actor)


def item_backordered(order: Order, item: OrderItem, actor: str) -> TimelineEntry:
    return _write(order, E.ITEM_BACKORDERED, f"{item.sku} backordered", actor, item=item.pk, sku=item.sku)


def backorder_filled(order: Order, item: OrderItem, actor: str) -> TimelineEntry:
    text = f"Backorder of {item.sku} filled"
    return _write(order, E.BACKORDER_FILLED, text, actor, item=item.pk, sku=item.sku)


def drop_ship_ordered(order: Order, item: OrderItem, supplier: str, actor: str) -> TimelineEntry:
    text = f"Drop ship of {item.sku} ordered from {supplier}"
    return _write(order, E.DROP_SHIP_ORDERED, text, actor, item=item.pk, sku=item.sku, supplier=supplier)


def drop_ship_cancelled(order: Order, item: OrderItem, actor: str) -> TimelineEntry:
    """Written before the line forgets its supplier."""
    supplier = item.drop_ship_supplier
    text = f"Drop ship of {item.sku} from {supplier} cancelled"
    return _write(order, E.DROP_SHIP_CANCELLED, text, actor, item=item.pk, sku=item.sku, supplier=supplier)


def item_returned(order: Order, item: OrderItem, count: int, actor: str) -> TimelineEntry:
    text = f"{count} of {item.sku} returned"
    return _write(order, E.ITEM_RETURNED, text, actor, item=item.pk, sku=item.sku, quantity=count)


# --- by the operator's hand --------------------------------------------------------------------


def status_event_fired_by_hand(order: Order, event_id: str, actor: str) -> TimelineEntry:
    return _write(order, E.FIRED_BY_HAND, f"Status event {event_id} fired by hand", actor, event=event_id)


def note_added(order: Order, text: str, actor: str) -> TimelineEntry:
    return _write(order, E.NOTE_ADDED, f"Note: {text}", actor, text=text)


# --- status events, labels and Notify Cart -----------------------------------------------------


def status_event_fired(order: Order, event_id: str, name: str, actor: str) -> TimelineEntry:
    return _write(order, E.STATUS_EVENT_FIRED, f"Status event {event_id} ({name}) fired", actor, event=event_id)


def order_label_changed(order: Order, event_id: str, old: str, actor: str) -> TimelineEntry:
    new = order.status_label
    text = f"Order status: {old or '(none)'} → {new}"
    return _write(order, E.ORDER_LABEL_CHANGED, text, actor, event=event_id, old=old, new=new)


def item_labels_changed(
    order: Order, event_id: str, changes: Sequence[tuple[OrderItem, str]], actor: str
) -> list[TimelineEntry]:
    """An entry for each item whose label the event changed (each with its old label), written at once."""
    return [
        _write(
            order,
            E.ITEM_LABEL_CHANGED,
            f"Item {item.sku} status: {old or '(none)'} → {item.status_label}",
            actor,
            event=event_id,
            item=item.pk,
            old=old,
            new=item.status_label,
        )
        for item, old in changes
    ]


def status_update_withheld(
    order: Order, event_id: str, cart: Cart, reason: str, actor: str, fix: str = ""
) -> TimelineEntry:
    """`reason` is a key of WITHHELD_BECAUSE; `fix` names the event to tick instead, where there is one."""
    text = WITHHELD_BECAUSE[reason].format(event=event_id, cart=cart.store_name, type=cart.type.label, fix=fix)
    fields = {"fix": fix} if "{fix}" in WITHHELD_BECAUSE[reason] else {}
    return _write(order, E.STATUS_UPDATE_WITHHELD, text, actor, event=event_id, reason=reason, **fields)


def status_events_off(order: Order, event_id: str, actor: str) -> TimelineEntry:
    """UseStatusUpdates is off for the order's cart: the event did not fire, so the cart heard nothing."""
    told = f"cart {order.cart.store_name} was not notified" if order.cart else "no cart to notify"
    text = f"Status event {event_id} not fired: UseStatusUpdates is off, so no label changed and {told}"
    return _write(order, E.STATUS_UPDATE_WITHHELD, text, actor, event=event_id, reason="status_updates_off")


def package_news_queued(order: Order, event_id: str, cart: Cart, package: Shipment, actor: str) -> TimelineEntry:
    """No label changed, yet the cart is told: it has not got this package."""
    text = f"No label changed, but package {package.pk} is new to {cart.store_name}"
    return _write(order, E.PACKAGE_NEWS_QUEUED, text, actor, event=event_id, package=package.pk)


def status_update_queued(order: Order, event_id: str, cart: Cart, record: StackRecord, actor: str) -> TimelineEntry:
    text = f"Status update for {cart.store_name} queued on the stack (record {record.pk})"
    return _write(order, E.STATUS_UPDATE_QUEUED, text, actor, event=event_id, stack_record=record.pk)


# --- the stack's deliveries --------------------------------------------------------------------


def stack_record_recovered(order: Order, record: StackRecord, actor: str) -> TimelineEntry:
    text = (
        f"Stack record {record.pk} was in flight with {record.claimed_by}, which stopped; "
        "it will check with the cart before sending again"
    )
    return _write(order, E.STACK_RECORD_RECOVERED, text, actor, stack_record=record.pk, holder=record.claimed_by)


def package_delivered(
    order: Order,
    record: StackRecord,
    package_id: int,
    message: str,
    fulfillment_id: str,
    actor: str,
    *,
    save: bool = True,
) -> TimelineEntry:
    """The cart has the package: it took it now, or (with the cart's `fulfillment_id`) already had it."""
    fields = {"package": package_id, "fulfillment": fulfillment_id}
    return _write(order, E.PACKAGE_DELIVERED, message, actor, save, stack_record=record.pk, **fields)


def stack_record_sent(order: Order, record: StackRecord, message: str, actor: str) -> TimelineEntry:
    return _write(order, E.STACK_RECORD_SENT, message, actor, stack_record=record.pk)


def delivery_failed(
    order: Order, record: StackRecord, error: CartError, retry_in: float | None, actor: str
) -> TimelineEntry:
    """A problem record when `retry_in` is None; otherwise the seconds until the next attempt."""
    if retry_in is None:
        what = f"Problem: {error.message}" + (f". To fix: {error.fix_hint}" if error.fix_hint else "")
    else:
        what = f"{error.message}; trying again in {retry_in:.1f} s"
    text = f"Delivery attempt {record.attempts} of stack record {record.pk} failed. {what}"
    fields = {"attempt": record.attempts, "error_kind": error.kind.value, "retry_in": retry_in}
    return _write(order, E.DELIVERY_FAILED, text, actor, stack_record=record.pk, **fields)


def stack_records_retried(records: Iterable[StackRecord], actor: str) -> list[TimelineEntry]:
    text = "Stack record {id} put back on the stack by the operator"
    return _on_each_order(records, E.STACK_RECORD_RETRIED, text, actor)


def problem_records_cleared(records: Iterable[StackRecord], actor: str) -> list[TimelineEntry]:
    text = "Problem record {id} cleared from the stack by the operator; it will not be sent"
    return _on_each_order(records, E.PROBLEM_RECORD_CLEARED, text, actor)


def _on_each_order(records: Iterable[StackRecord], kind: TimelineEvent, text: str, actor: str) -> list[TimelineEntry]:
    """What the operator did to many records at once: an entry on each one's order, in one INSERT."""
    return insert_all(
        TimelineEntry(
            order_id=r.order_id, kind=kind, message=text.format(id=r.pk), actor=actor, data={"stack_record": r.pk}
        )
        for r in records
        if r.order_id is not None
    )
