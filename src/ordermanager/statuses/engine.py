"""Firing status events: labels, the timeline and Notify Cart, inside the calling action's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ordermanager.action_reads import remembered
from ordermanager.orders import deferred, events
from ordermanager.orders.models import Order, OrderItem, Shipment
from ordermanager.params import actions as params
from ordermanager.stack.outbox import enqueue_status_update
from ordermanager.statuses.actions import TRACKING_EVENT
from ordermanager.statuses.catalogue import EVENTS, StatusEvent
from ordermanager.statuses.models import EventRule

if TYPE_CHECKING:
    from ordermanager.carts.models import Cart


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
        events.status_events_off(order, event_id, actor)
        return False
    event = EVENTS[event_id]
    rule = remembered("event_rules", _read_rules).get(event.id)
    events.status_event_fired(order, event.id, event.name, actor)
    if rule is None:
        return False

    changed = False
    if rule.order_label and order.status_label != rule.order_label.name:
        old, order.status_label = order.status_label, rule.order_label.name
        deferred.save_order(order, "status_label")
        events.order_label_changed(order, event.id, old, actor)
        changed = True
    if rule.item_label:
        label = rule.item_label.name
        relabelled = [
            (i, i.status_label) for i in (order.items.all() if items is None else items) if i.status_label != label
        ]
        if relabelled:
            # One UPDATE and one INSERT for all of them: an order's size does not multiply the queries.
            deferred.save_item_labels([i.pk for i, _ in relabelled], label)
            for item, _ in relabelled:
                item.status_label = label
            events.item_labels_changed(order, event.id, relabelled, actor)
            changed = True
    return _notify_cart(order, rule, changed, actor, package)


def _read_rules() -> dict[str, EventRule]:
    """The whole grid with its labels, in one query: an action reads it once, however many events it fires."""
    return {rule.event: rule for rule in EventRule.objects.select_related("item_label", "order_label")}


def _notify_cart(order: Order, rule: EventRule, changed: bool, actor: str, package: Shipment | None) -> bool:
    event = EVENTS[rule.event]
    cart = order.cart
    if not rule.notify_cart or cart is None:
        return False
    news = cart.takes_status_updates and cart.needs_tracking_for_status_updates and event.carries_tracking
    if news and not changed and package is not None:
        # ChannelAdvisor is told of packages, not labels: a new package is news though no label changed
        # (the second box of one line would otherwise never reach the marketplace).
        events.package_news_queued(order, event.id, cart, package, actor)
        changed = True
    withheld = _why_withheld(order, event, cart, changed)
    if withheld:
        events.status_update_withheld(order, event.id, cart, withheld, actor, fix=TRACKING_EVENT)
        return False
    stacked = enqueue_status_update(order, event.id)
    events.status_update_queued(order, event.id, cart, stacked, actor)
    return True


def _why_withheld(order: Order, event: StatusEvent, cart: Cart, changed: bool) -> str:
    """Why no status update goes to the cart (a key of events.WITHHELD_BECAUSE), or "" when one goes."""
    if not cart.takes_status_updates:
        return "cart_takes_no_updates"
    if not changed:
        return "no_label_changed"
    if cart.needs_tracking_for_status_updates and not order.channel_order_id:
        return "no_channel_order_id"
    if cart.needs_tracking_for_status_updates and not event.carries_tracking:
        return "event_without_tracking"
    return ""
