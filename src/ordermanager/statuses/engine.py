"""Firing status events: labels, the timeline and Notify Cart, inside the calling action's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from ordermanager.orders.models import Order, OrderItem, Shipment
from ordermanager.orders.timeline import Kind, record
from ordermanager.params import service as params
from ordermanager.stack.outbox import enqueue_status_update
from ordermanager.statuses.catalogue import EVENTS
from ordermanager.statuses.models import EventRule
from ordermanager.statuses.rules import TRACKING_EVENT


def fire(
    order: Order,
    event_id: str,
    *,
    actor: str,
    items: Iterable[OrderItem] | None = None,
    package: Shipment | None = None,
) -> bool:
    """Fire one event on an order (and its items). Returns True if a status update was queued.

    `items` are the items the event concerns; by default all of the order's items. `package` is a
    package with a newly processed tracking number that its cart has not got yet. While UseStatusUpdates
    is False for the order's cart, no event fires: the timeline only says so.
    """
    if not params.get("UseStatusUpdates", cart=order.cart):
        notified = f"cart {order.cart.store_name} was not notified" if order.cart else "no cart to notify"
        record(
            order,
            Kind.UPDATE_WITHHELD,
            f"Status event {event_id} not fired: UseStatusUpdates is off, so no label changed and {notified}",
            actor,
            event=event_id,
        )
        return False
    event = EVENTS[event_id]
    rule = EventRule.objects.select_related("item_label", "order_label").filter(event=event.id).first()
    record(order, Kind.EVENT, f"Status event {event.id} ({event.name}) fired", actor, event=event.id)
    if rule is None:
        return False

    changed = False
    if rule.order_label and order.status_label != rule.order_label.name:
        old, order.status_label = order.status_label, rule.order_label.name
        order.save(update_fields=["status_label", "updated_at"])
        record(
            order,
            Kind.LABEL,
            f"Order status: {old or '(none)'} → {order.status_label}",
            actor,
            event=event.id,
            old=old,
            new=order.status_label,
        )
        changed = True
    if rule.item_label:
        for item in order.items.all() if items is None else items:
            if item.status_label != rule.item_label.name:
                old, item.status_label = item.status_label, rule.item_label.name
                item.save(update_fields=["status_label"])
                record(
                    order,
                    Kind.LABEL,
                    f"Item {item.sku} status: {old or '(none)'} → {item.status_label}",
                    actor,
                    event=event.id,
                    item=item.pk,
                    old=old,
                    new=item.status_label,
                )
                changed = True
    return _notify_cart(order, rule, changed, actor, package)


def _notify_cart(order: Order, rule: EventRule, changed: bool, actor: str, package: Shipment | None) -> bool:
    event = EVENTS[rule.event]
    cart = order.cart
    if not rule.notify_cart or cart is None:
        return False
    if not cart.takes_status_updates:
        record(
            order,
            Kind.UPDATE_WITHHELD,
            f"No status update: Notify Cart is ticked for {event.id}, but cart {cart.store_name} does not "
            "take status updates (inactive, Send Status to Web unticked, or not supported by its type)",
            actor,
            event=event.id,
        )
        return False
    ships_packages = cart.needs_tracking_for_status_updates and event.carries_tracking
    if not changed and ships_packages and package is not None:
        # ChannelAdvisor is told of packages, not labels: a new package is news though no label changed
        # (the second box of one line would otherwise never reach the marketplace).
        record(
            order,
            Kind.UPDATE_QUEUED,
            f"No label changed, but package {package.pk} is new to {cart.store_name}",
            actor,
            event=event.id,
            package=package.pk,
        )
        changed = True
    if not changed:
        record(
            order,
            Kind.UPDATE_WITHHELD,
            f"No status update: {event.id} changed no label (an update is sent only when a label changes; "
            "check that no earlier event sets the same labels)",
            actor,
            event=event.id,
        )
        return False
    if cart.needs_tracking_for_status_updates and not order.channel_order_id:
        record(
            order,
            Kind.UPDATE_WITHHELD,
            f"No status update to {cart.store_name}: this order has no {cart.type.label} order ID (it was entered "
            "here, not downloaded), so the cart cannot be told of its shipments",
            actor,
            event=event.id,
        )
        return False
    if cart.needs_tracking_for_status_updates and not event.carries_tracking:
        record(
            order,
            Kind.UPDATE_WITHHELD,
            f"No status update to {cart.store_name}: {event.id} may fire without a tracking number, and "
            f"{cart.type.label} needs tracking with every update. Tick Notify Cart on {TRACKING_EVENT} instead.",
            actor,
            event=event.id,
        )
        return False
    stacked = enqueue_status_update(order, event.id)
    record(
        order,
        Kind.UPDATE_QUEUED,
        f"Status update for {cart.store_name} queued on the stack (record {stacked.pk})",
        actor,
        event=event.id,
        stack_record=stacked.pk,
    )
    return True
