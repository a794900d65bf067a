"""Delivering one stack record: build what to send from current data, send it, record the outcome.

Reading, sending and recording are separate steps, so no database transaction is open while a call
is on the wire. A record that has been tried before (or was in flight when a controller stopped)
first asks the cart what it already has, so a package is never shipped twice. Just before each call
leaves, the sender checks that the record is still its own: a sender that stalled past its claim
stops there instead of racing the controller that took the record over.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import timezone

from ordermanager.carts.connectors.base import CartError, ErrorKind, Outcome, QuantityUpdate
from ordermanager.inventory.models import Product
from ordermanager.orders.emails import tracking_email
from ordermanager.orders.models import Order
from ordermanager.stack import actions
from ordermanager.stack.models import RecordKind, StackRecord

if TYPE_CHECKING:
    from ordermanager.carts.connectors.base import Connector, Guard, ShipmentRequest

log = logging.getLogger("ordermanager.stack")


class ClaimLost(Exception):
    """The record's claim ran out (this sender stalled) and another controller may be sending it."""


def deliver(
    record: StackRecord,
    connector: Connector | None,
    holder: str,
    retry_base: float = actions.BACKOFF_BASE_SECONDS,
    recorder: Callable[[actions.Sent], None] | None = None,
) -> bool | None:
    """Deliver one claimed record and write the outcome; a cart error never escapes.

    What the cart took is recorded at once, or handed to `recorder` (the controller's, which records several
    deliveries in one transaction). Returns True when the cart took it, False when it will be retried, None
    otherwise (a problem record, or a claim that moved on).
    """
    actor = f"stack:{holder}"

    def guard() -> None:
        if not actions.still_claimed(record.pk, holder):
            raise ClaimLost

    last: actions.Delivered | None = None
    try:
        if record.kind == RecordKind.STATUS_UPDATE:
            message, last = _status_update(record, connector, actor, guard)
        elif record.kind == RecordKind.INVENTORY_UPDATE:
            message = _inventory_update(record, connector, guard)
        else:
            guard()
            message = _email(record)
    except ClaimLost:
        log.warning("stack record %s: claim ran out before sending; left to the controller that has it", record.pk)
        return None
    except CartError as error:
        state = actions.mark_failed(record, holder, error, actor, retry_base)
        return False if state == actions.State.RETRY else None
    outcome = actions.Sent(record, message, timezone.now(), last)
    if recorder is None:
        actions.record_sent([outcome], holder, actor)
    else:
        recorder(outcome)
    return True


def _status_update(
    record: StackRecord, connector: Connector | None, actor: str, guard: Guard
) -> tuple[str, actions.Delivered | None]:
    """Returns the timeline line, and the last package sent (recorded with the record, in one commit)."""
    assert connector is not None
    assert record.cart is not None
    order = record.order  # read with the claim a moment ago; its packages are read fresh below
    assert order is not None
    cart = order.cart = record.cart
    if not cart.type.needs_tracking_for_status_updates:
        reply = connector.send_status_update(order, guard=guard)
        return f"{cart.store_name} took the status {order.status_label!r}: {reply.strip()[:200]}", None
    requests = connector.plan_shipments(order)
    if not requests:
        return f"Nothing left to send to {cart.store_name}: every package with tracking is already there", None
    if record.attempts > 1:
        requests = _reconcile(record, order, requests, connector, actor)
        if not requests:
            return "", None  # every package was there already, and the timeline says so
    last = None
    for number, request in enumerate(requests, start=1):
        delivered = _ship(record, order, request, connector, actor, guard)
        if delivered is not None and number < len(requests):
            actions.package_delivered(record, delivered, actor)  # at once: a later package may fail
        elif delivered is not None:
            last = delivered
    return "", last


def _ship(
    record: StackRecord, order: Order, request: ShipmentRequest, connector: Connector, actor: str, guard: Guard
) -> actions.Delivered | None:
    cart = order.cart
    assert cart is not None
    try:
        connector.send_shipment(request, guard=guard)
    except CartError as error:
        if error.kind == ErrorKind.AMBIGUOUS:
            if not _reconcile(record, order, [request], connector, actor):
                return None  # it did reach the cart after all, and is now recorded
            if error.outcome == Outcome.NOTHING_TO_SHIP:
                # The cart shipped this order some other way: sending again can never succeed.
                error.kind, error.outcome = ErrorKind.PERMANENT, Outcome.SHIPPED_ELSEWHERE
        raise
    lines = "whole order" if request.lines is None else ", ".join(f"{li.sku} x{li.quantity}" for li in request.lines)
    return actions.Delivered(
        request.package_id,
        f"{cart.store_name} accepted package {request.package_id} ({lines}): tracking {request.tracking_number}, "
        f"{request.carrier}/{request.shipping_class}, attempt {record.attempts}",
    )


def _reconcile(
    record: StackRecord, order: Order, requests: list[ShipmentRequest], connector: Connector, actor: str
) -> list[ShipmentRequest]:
    """Ask the cart which packages it already has; record those, and return the ones still to send."""
    fulfillments = connector.read_fulfillments(order.channel_order_id)
    by_tracking = {f.tracking_number: f for f in fulfillments if f.tracking_number}
    by_ours = {f.seller_fulfillment_id: f for f in fulfillments if f.seller_fulfillment_id}
    remaining = []
    for request in requests:
        found = by_tracking.get(request.tracking_number) or by_ours.get(request.seller_fulfillment_id)
        if found is None:
            remaining.append(request)
            continue
        message = (
            f"{order.cart} already had package {request.package_id} (fulfillment {found.fulfillment_id}, "
            f"tracking {found.tracking_number}); not sent again"
        )
        actions.package_delivered(record, actions.Delivered(request.package_id, message, found.fulfillment_id), actor)
    return remaining


def _inventory_update(record: StackRecord, connector: Connector | None, guard: Guard) -> str:
    assert connector is not None
    assert record.cart is not None
    product = Product.objects.filter(sku=record.sku).first()
    if product is None:
        return f"SKU {record.sku} is no longer kept here; nothing sent"
    # Read now, not when the change was made: a record sent late still carries the newest levels.
    levels = product.levels()
    quantity = max(sum(levels.values()), 0)
    outcome = connector.push_quantities([QuantityUpdate(record.sku, quantity, levels)], guard=guard)
    error = outcome.get(record.sku)
    if error is not None:
        raise error
    shown = ", ".join(f"{code} {n}" for code, n in sorted(levels.items()))
    return f"{record.cart.store_name} now shows {quantity} of {record.sku} ({shown or 'no levels'})"


def _email(record: StackRecord) -> str:
    order = record.order  # read with the claim
    assert order is not None
    message = tracking_email(order)
    try:
        message.send()
    except (OSError, ValueError, smtplib.SMTPException) as error:
        raise CartError(ErrorKind.TRANSIENT, f"the mail server did not take the e-mail: {error}") from None
    numbers = sum(len(p.tracking) for p in message.packages)
    return f"Tracking e-mail sent to {order.buyer_email} ({numbers} tracking number(s))"
