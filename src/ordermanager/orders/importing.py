"""Order import from a cart: download, upsert by the cart's order ID, then acknowledge.

A page's new orders (the batch read at once, Order Download Batch of them) are entered in one transaction,
with one INSERT per table for all of them, and acknowledged (ChannelAdvisor: Export) only after it commits.
That is as safe as one transaction per order: no order is acknowledged before it is committed here, and a
crash before the commit leaves the whole page unwritten and unacknowledged, so the cart offers it again.
A crash between the commit and the acknowledgements leaves the orders here and unacknowledged; the next
import finds them already here, changes nothing, and acknowledges them. No order is lost, and none is
imported twice. An order already here makes its page's transaction fail whole (the cart's order ID is
unique), and that page is entered again one order at a time, where each repeat is told apart. An order that
brings packages shipped at the cart is entered on its own, after the orders read before it, so our order
numbers follow the cart's order.

Acknowledgements go out from a small pool of threads, so an import runs at the account's rate limit rather
than at one call per latency; the account's gate still bounds the calls in flight and their pace, and a
batch's acknowledgements are all answered before the next batch is read.

An order that cannot be read or is refused is set aside as an import problem and left unacknowledged:
it is checked before its page is written, so the rest of its batch imports. It is tried again when it
changes at the cart or the operator asks.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.utils import timezone

from ordermanager.action_reads import once_per_action
from ordermanager.carts import actions as cart_actions
from ordermanager.carts import import_problems
from ordermanager.carts.carriers import Source, note_carrier_classes
from ordermanager.carts.connectors.base import CartError, MalformedOrder, RemoteOrder
from ordermanager.carts.connectors.pacing import AccountGate
from ordermanager.carts.connectors.registry import connector_for
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.orders import events
from ordermanager.orders.actions import NewItem, action, refresh_shipping_status
from ordermanager.orders.actions.receiving import (
    NewOrder,
    enter_new_order,
    enter_new_orders,
    prepare_order,
)
from ordermanager.orders.models import Order, Shipment, ShipmentItem, TrackingNumber
from ordermanager.orders.tracking_rules import normalize
from ordermanager.params import actions as params


@dataclass
class ImportSummary:
    downloaded: int = 0
    imported: int = 0
    already_here: int = 0
    acknowledged: int = 0
    refused: list[str] = field(default_factory=list)  # set aside this run: new problems, or changed ones
    still_set_aside: int = 0  # set aside before and unchanged since
    unacknowledged: list[str] = field(default_factory=list)


def _record_fulfillments(order: Order, remote: RemoteOrder, actor: str) -> None:
    """Packages the cart already shipped become packages here, marked as already at the cart."""
    items = {i.channel_item_id: i for i in order.items.all()}
    for fulfillment in remote.fulfillments:
        shipment = Shipment.objects.create(
            order=order,
            carrier=fulfillment.carrier or "Unknown",
            shipping_class=fulfillment.shipping_class,
            shipped_at=fulfillment.shipped_at or timezone.now(),
            delivered_to_cart_at=timezone.now(),
            cart_fulfillment_id=fulfillment.fulfillment_id,
        )
        lines = [(items.get(line.channel_item_id), line.quantity) for line in fulfillment.lines]
        if not lines:
            lines = [(item, item.quantity) for item in items.values()]
        ShipmentItem.objects.bulk_create(
            ShipmentItem(shipment=shipment, order_item=item, quantity=quantity)
            for item, quantity in lines
            if item is not None and quantity > 0
        )
        number = fulfillment.tracking_number[:64]
        key = normalize(number)
        TrackingNumber.objects.create(
            shipment=shipment,
            order=order,
            number=number,
            normalized=key,
            # The cart already has this box: if another order carries the number, one box went to both.
            shared=TrackingNumber.objects.filter(normalized=key).exists(),
            processed=True,
            processed_at=timezone.now(),
        )
        events.package_shipped_at_cart(order, shipment, fulfillment.tracking_number, actor)


def import_cart_order(cart: Cart, remote: RemoteOrder, *, actor: str) -> tuple[Order, bool]:
    """Upsert one downloaded order by the cart's order ID. Returns the order and whether it is new."""
    try:
        return _enter_downloaded(cart, remote, actor=actor), True
    except IntegrityError:
        # The cart's order ID is taken (one_order_per_channel_id), and the attempt rolled back whole: the order
        # was imported before. Inserting first spares every new order a lookup; only a repeat pays for it.
        existing = Order.objects.filter(cart=cart, channel_order_id=remote.channel_order_id).first()
        if existing is None:
            raise
        return existing, False


@action
def _enter_downloaded(cart: Cart, remote: RemoteOrder, *, actor: str) -> Order:
    order = enter_new_order(_prepare(cart, remote), actor=actor)
    if remote.fulfillments:
        _record_fulfillments(order, remote, actor)
        refresh_shipping_status(order, actor)
    return order


def import_orders(
    cart: Cart,
    *,
    actor: str = "import",
    progress: Callable[[int, int], None] | None = None,
    gate: AccountGate | None = None,
) -> ImportSummary:
    """Import a cart's waiting orders. Network calls happen between transactions, never inside one.

    `gate` shares the account's pacing with the stack controller's senders when it runs the import.
    """
    if not cart.type.imports_orders:
        raise InputError("cart", f"{cart.type.label} carts do not send orders to import")
    if not cart.active:
        raise InputError("cart", f"{cart.store_name} is not active")
    summary = ImportSummary()
    Cart.objects.filter(pk=cart.pk).update(last_import_at=timezone.now())
    with once_per_action():  # the connector's limits and the pool's size from one read of the parameters
        connector = connector_for(cart, gate)
        # As many threads as the account may have calls in flight: the gate, not the pool, is the limit.
        acks = ThreadPoolExecutor(gate.concurrency if gate else params.get("CartConcurrentRequests", cart=cart))
    handled: set[str] = set()
    noted: set[tuple[str, str]] = set()
    pending: list[tuple[RemoteOrder, Future[None]]] = []
    try:
        # The progress bar's total: what waits now (more may arrive meanwhile, so it only grows).
        expected = connector.count_waiting_orders() if progress else None
        # Order Download Batch orders at a time: each batch is imported and acknowledged before the next
        # is read, so memory stays small and a long backlog makes progress that a crash does not undo.
        while batch := list(connector.download_orders(cart.order_download_batch, skip=handled)):
            summary.downloaded += len(batch)
            handled |= {remote.channel_order_id for remote in batch}
            # Carrier/class pairs on these orders are ones the account takes: they check the mapping table. Each is
            # noted once a run (a refusal meanwhile still wins: a pair seen again never overrides one).
            seen = {pair for remote in batch if isinstance(remote, RemoteOrder) for pair in remote.carrier_classes}
            seen -= noted
            noted |= seen
            waiting = import_problems.waiting(cart)
            fresh: list[tuple[RemoteOrder, NewOrder]] = []  # new orders to enter together
            committed: list[RemoteOrder] = []
            for remote in batch:
                # The fingerprint (a hash of the whole order) only for orders set aside before.
                if remote.channel_order_id in waiting and waiting[
                    remote.channel_order_id
                ] == import_problems.fingerprint(remote.raw):
                    summary.still_set_aside += 1
                elif isinstance(remote, MalformedOrder):
                    _set_aside(cart, remote, remote.reason, summary)
                elif remote.fulfillments:
                    # Its packages make it go on its own, after the orders read before it: orders are numbered
                    # here in the cart's order.
                    committed += _import_page(cart, fresh, seen, summary, actor, waiting)
                    fresh, seen = [], set()
                    if _import_one(cart, remote, summary, actor, had_problem=remote.channel_order_id in waiting):
                        committed.append(remote)
                else:
                    try:
                        fresh.append((remote, _prepare(cart, remote)))
                    except InputError as error:
                        _set_aside(cart, remote, str(error), summary)
            committed += _import_page(cart, fresh, seen, summary, actor, waiting)
            pending += [(remote, acks.submit(connector.acknowledge_order, remote)) for remote in committed]
            if progress:
                for number in range(summary.downloaded - len(batch) + 1, summary.downloaded + 1):
                    progress(number, max(expected or 0, summary.downloaded))
            _answered(pending, summary)
    finally:
        _answered(pending, summary)
        acks.shutdown(wait=True)
        connector.close()
    problems = summary.refused + summary.unacknowledged
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    # A failure that ends the import early is recorded by the caller that catches it.
    cart_actions.record_import(
        cart, downloaded=summary.downloaded, imported=summary.imported, error=problems[0] + more if problems else ""
    )
    return summary


def _set_aside(cart: Cart, remote: RemoteOrder | MalformedOrder, reason: str, summary: ImportSummary) -> None:
    # Left unacknowledged, so the cart offers it again; tried again once it changes there or on request.
    cart_actions.set_aside_order(
        cart, remote.channel_order_id, reason, remote.raw, import_problems.fingerprint(remote.raw)
    )
    summary.refused.append(f"order {remote.channel_order_id} set aside: {reason}")


def _prepare(cart: Cart, remote: RemoteOrder) -> NewOrder:
    items = [NewItem(i.sku, i.quantity, i.title, i.unit_price, i.channel_item_id) for i in remote.items]
    return prepare_order(items, cart=cart, **remote.fields)


def _import_page(
    cart: Cart,
    fresh: list[tuple[RemoteOrder, NewOrder]],
    seen: set[tuple[str, str]],
    summary: ImportSummary,
    actor: str,
    waiting: dict[str, str],
) -> list[RemoteOrder]:
    """Enter a page's new orders in one transaction (committed on return), the carrier/class pairs `seen` on the
    page noted in it. Returns the orders to acknowledge."""
    if not fresh:
        note_carrier_classes(cart, seen, Source.SEEN)
        return []
    try:
        enter_new_orders([new for _, new in fresh], actor=actor, carrier_classes=seen)
    except (IntegrityError, InputError):
        # One of them is here already (imported before a crash, or by another import meanwhile) and the page
        # rolled back whole, notes and all: one by one, each repeat is told apart and acknowledged, each new
        # one imported.
        note_carrier_classes(cart, seen, Source.SEEN)
        return [
            remote
            for remote, _ in fresh
            if _import_one(cart, remote, summary, actor, had_problem=remote.channel_order_id in waiting)
        ]
    summary.imported += len(fresh)
    for remote, _ in fresh:
        if remote.channel_order_id in waiting:
            cart_actions.resolve_import_problem(cart, remote.channel_order_id)
    return [remote for remote, _ in fresh]


def _import_one(cart: Cart, remote: RemoteOrder, summary: ImportSummary, actor: str, *, had_problem: bool) -> bool:
    """Import one order (committed on return). True when it is to be acknowledged."""
    try:
        _, created = import_cart_order(cart, remote, actor=actor)
    except InputError as error:
        _set_aside(cart, remote, str(error), summary)
        return False
    if had_problem:
        cart_actions.resolve_import_problem(cart, remote.channel_order_id)
    if created:
        summary.imported += 1
    else:
        summary.already_here += 1
    return True


def _answered(pending: list[tuple[RemoteOrder, Future[None]]], summary: ImportSummary) -> None:
    """Wait for the acknowledgements sent so far and count them (each call is bounded by the client)."""
    for remote, future in pending:
        try:
            future.result()
            summary.acknowledged += 1
        except CartError as error:
            summary.unacknowledged.append(f"order {remote.channel_order_id}: {error}")
    pending.clear()
