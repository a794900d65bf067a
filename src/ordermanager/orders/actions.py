"""The only door to change an order.

Every public function here runs in one database transaction. In it, it checks its input, changes
the order, fires the status events, writes the timeline and puts status updates on the stack; so
either all of that happens or none of it does. Views, commands and importers only parse input, call
an action and show the result. No action talks to the network.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.db import models, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.inventory.actions import record_sale
from ordermanager.orders import tracking_rules
from ordermanager.orders.models import (
    Order,
    OrderItem,
    PaymentStatus,
    Shipment,
    ShipmentItem,
    ShippingStatus,
    TrackingNumber,
    shipping_status_for,
)
from ordermanager.orders.timeline import Kind, record
from ordermanager.params import service as params
from ordermanager.stack.outbox import enqueue_email
from ordermanager.statuses.catalogue import Scope, get_event
from ordermanager.statuses.engine import fire

P = ParamSpec("P")
R = TypeVar("R")

MAX_QUANTITY = 100_000
TRACKING_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,63}$")


def action(fn: Callable[P, R]) -> Callable[P, R]:
    """Run the action in one transaction: a failure anywhere rolls back labels, timeline and stack."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic():
            return fn(*args, **kwargs)

    return run


# --- looking things up ------------------------------------------------------------------------


def get_order(number: int | str | Order, *, lock: bool = False) -> Order:
    """Find an order by our order number. `lock` holds its row until the transaction ends."""
    if isinstance(number, Order):
        number = number.pk
    try:
        pk = int(number)
    except (TypeError, ValueError):
        raise InputError("order", f"an order number is a whole number, not {number!r}") from None
    query = Order.objects.select_related("cart")
    if lock:
        query = query.select_for_update(of=("self",))
    order = query.filter(pk=pk).first()
    if order is None:
        raise InputError("order", f"there is no order number {pk}")
    return order


def get_item(order: Order, ref: int | str | OrderItem) -> OrderItem:
    """Find a line of the order by its item id or its SKU."""
    if isinstance(ref, OrderItem):
        ref = ref.pk
    text = str(ref).strip()
    items = list(order.items.all())
    found = [i for i in items if i.sku == text] or [i for i in items if str(i.pk) == text]
    if not found:
        raise InputError("item", f"{text!r} is not an item of order {order.pk}")
    if len(found) > 1:
        raise InputError("item", f"order {order.pk} has several lines with SKU {text!r}; give the item id instead")
    return found[0]


def check_quantity(value: int, *, field: str = "quantity", maximum: int = MAX_QUANTITY) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, f"must be a whole number, not {value!r}")
    if value < 1:
        raise InputError(field, f"must be at least 1, not {value}")
    if value > maximum:
        raise InputError(field, f"must be at most {maximum}, not {value}")
    return value


def _check_open(order: Order) -> None:
    if order.cancelled_at is not None:
        raise InputError("order", f"order {order.pk} is cancelled")


# --- receiving orders and items ---------------------------------------------------------------


@dataclass(frozen=True)
class NewItem:
    sku: str
    quantity: int
    title: str = ""
    unit_price: Decimal = Decimal(0)
    channel_item_id: str = ""


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
    unknown = set(fields) - ORDER_FIELDS
    if unknown:
        raise InputError(sorted(unknown)[0], "is not a field of an order")
    if not items:
        raise InputError("items", "an order needs at least one item")
    check_field_sizes(Order, fields)
    for item in items:
        _check_new_item(item)
    channel_id = fields.get("channel_order_id") or ""
    if cart is not None and channel_id and Order.objects.filter(cart=cart, channel_order_id=channel_id).exists():
        raise InputError("channel_order_id", f"order {channel_id} of cart {cart.store_name} is already here")
    order = Order.objects.create(cart=cart, **fields)
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            sku=i.sku.strip(),
            title=i.title,
            quantity=i.quantity,
            unit_price=i.unit_price,
            channel_item_id=i.channel_item_id,
        )
        for i in items
    )
    source = f"cart {cart.store_name} (order {channel_id})" if cart else "manual entry"
    record(order, Kind.ACTION, f"Order received from {source} with {len(items)} item(s)", actor)
    for item in items:
        record_sale(item.sku.strip(), item.quantity, f"order {order.pk}")
    fire(order, "OrderImport", actor=actor)
    return order


@action
def add_item(order: Order | int, item: NewItem, *, actor: str) -> OrderItem:
    order = get_order(order, lock=True)
    _check_open(order)
    _check_new_item(item)
    line = OrderItem.objects.create(
        order=order,
        sku=item.sku.strip(),
        title=item.title,
        quantity=item.quantity,
        unit_price=item.unit_price,
        channel_item_id=item.channel_item_id,
    )
    record(order, Kind.ACTION, f"Item {line.sku} x{line.quantity} added", actor)
    record_sale(line.sku, line.quantity, f"order {order.pk}")
    refresh_shipping_status(order, actor)
    fire(order, "ItemAdd", actor=actor, items=[line])
    return line


@action
def change_item(
    order: Order | int, item: int | str, *, actor: str, quantity: int | None = None, title: str | None = None
) -> OrderItem:
    order = get_order(order, lock=True)
    _check_open(order)
    line = get_item(order, item)
    changes = []
    if quantity is not None:
        check_quantity(quantity)
        floor = line.quantity_shipped + line.quantity_cancelled
        if quantity < floor:
            raise InputError(
                "quantity", f"{line.sku} has {floor} shipped or cancelled; the quantity cannot go below it"
            )
        changes.append(f"quantity {line.quantity} → {quantity}")
        line.quantity = quantity
    if title is not None:
        check_field_sizes(OrderItem, {"title": title})
        changes.append("title")
        line.title = title
    if not changes:
        raise InputError("item", "nothing to change: give a quantity or a title")
    line.save()
    record(order, Kind.ACTION, f"Item {line.sku} changed: {', '.join(changes)}", actor)
    refresh_shipping_status(order, actor)
    fire(order, "ItemChange", actor=actor, items=[line])
    return line


# --- approval, payment, hold ------------------------------------------------------------------


@action
def approve_order(order: Order | int, *, actor: str) -> Order:
    order = get_order(order, lock=True)
    _check_open(order)
    if order.on_hold:
        raise InputError("order", f"order {order.pk} is on hold; release it before approving")
    if order.approved_at is None:
        order.approved_at = timezone.now()
        order.save(update_fields=["approved_at", "updated_at"])
    record(order, Kind.ACTION, "Order approved", actor)
    fire(order, "OrderApprove", actor=actor)
    return order


def _check_amount(amount: Decimal) -> Decimal:
    try:
        value = Decimal(amount)
    except (ArithmeticError, TypeError, ValueError):
        raise InputError("amount", f"must be a number, not {amount!r}") from None
    if not value.is_finite() or value <= 0:
        raise InputError("amount", f"must be more than 0, not {amount}")
    if value >= Decimal("10000000000"):
        raise InputError("amount", f"must be less than 10,000,000,000, not {amount}")
    return value.quantize(Decimal("0.01"))


@action
def log_payment(order: Order | int, amount: Decimal, *, actor: str, declined: bool = False) -> Order:
    order = get_order(order, lock=True)
    value = _check_amount(amount)
    if declined:
        order.payment_status = PaymentStatus.FAILED
        order.save(update_fields=["payment_status", "updated_at"])
        record(order, Kind.ACTION, f"Payment of {value} declined", actor)
        fire(order, "OrderPaymentDeclined", actor=actor)
        return order
    order.amount_paid += value
    order.payment_status = PaymentStatus.CLEARED if order.amount_paid >= order.total else PaymentStatus.SUBMITTED
    order.save(update_fields=["amount_paid", "payment_status", "updated_at"])
    record(order, Kind.ACTION, f"Payment of {value} logged (paid {order.amount_paid} of {order.total})", actor)
    fire(order, "OrderLogPayment", actor=actor)
    return order


@action
def refund_payment(order: Order | int, amount: Decimal, *, actor: str) -> Order:
    order = get_order(order, lock=True)
    value = _check_amount(amount)
    if value > order.amount_paid:
        raise InputError("amount", f"order {order.pk} has {order.amount_paid} paid; {value} cannot be refunded")
    order.amount_paid -= value
    if order.amount_paid == 0:
        order.payment_status = PaymentStatus.REFUNDED
    order.save(update_fields=["amount_paid", "payment_status", "updated_at"])
    record(order, Kind.ACTION, f"Refund of {value} logged", actor)
    fire(order, "OrderRefund", actor=actor)
    return order


@action
def hold_order(order: Order | int, *, actor: str, reason: str = "") -> Order:
    order = get_order(order, lock=True)
    _check_open(order)
    if order.on_hold:
        raise InputError("order", f"order {order.pk} is already on hold")
    order.on_hold, order.hold_reason = True, reason[:200]
    order.save(update_fields=["on_hold", "hold_reason", "updated_at"])
    record(order, Kind.ACTION, f"Order put on hold{': ' + reason if reason else ''}", actor)
    fire(order, "OrderHold", actor=actor)
    return order


@action
def release_order(order: Order | int, *, actor: str) -> Order:
    order = get_order(order, lock=True)
    if not order.on_hold:
        raise InputError("order", f"order {order.pk} is not on hold")
    order.on_hold, order.hold_reason = False, ""
    order.save(update_fields=["on_hold", "hold_reason", "updated_at"])
    record(order, Kind.ACTION, "Order released from hold", actor)
    fire(order, "OrderRelease", actor=actor)
    return order


@action
def print_pick_list(order: Order | int, *, actor: str, today: dt.date | None = None) -> Order:
    """Mark the pick list printed. With SetActualShipDate, this also sets the actual ship date."""
    order = get_order(order, lock=True)
    _check_open(order)
    if order.on_hold:
        raise InputError("order", f"order {order.pk} is on hold; release it before picking")
    order.pick_list_printed_at = timezone.now()
    order.save(update_fields=["pick_list_printed_at", "updated_at"])
    record(order, Kind.ACTION, "Pick list printed", actor)
    fire(order, "OrderPick", actor=actor)
    if params.get("SetActualShipDate", cart=order.cart):
        open_items = [i for i in order.items.all() if i.quantity_open > 0 and i.actual_ship_date is None]
        _apply_actual_ship_date(order, today or timezone.localdate(), open_items, actor, "SetActualShipDate is True")
    return order


# --- ship dates -------------------------------------------------------------------------------


def _resolve_items(order: Order, refs: Iterable[int | str] | None) -> list[OrderItem] | None:
    if refs is None:
        return None
    items = [get_item(order, ref) for ref in refs]
    if not items:
        raise InputError("item", "give at least one item, or none for the whole order")
    return items


@action
def set_expected_ship_date(
    order: Order | int, date: dt.date, *, actor: str, items: Iterable[int | str] | None = None
) -> Order:
    """Set the expected ship date of some items, or of the whole order when no items are given."""
    order = get_order(order, lock=True)
    _check_open(order)
    chosen = _resolve_items(order, items)
    _date_items(chosen if chosen is not None else order.items.all(), "expected_ship_date", date)
    if chosen is None:
        order.expected_ship_date = date
        order.save(update_fields=["expected_ship_date", "updated_at"])
        record(order, Kind.ACTION, f"Expected ship date set to {date}", actor)
        fire(order, "OrderSetExpectedShipDate", actor=actor)
    else:
        skus = ", ".join(i.sku for i in chosen)
        record(order, Kind.ACTION, f"Expected ship date of {skus} set to {date}", actor)
        fire(order, "ItemSetExpectedShipDate", actor=actor, items=chosen)
    return order


def _date_items(items: Iterable[OrderItem], field: str, date: dt.date) -> None:
    for item in items:
        setattr(item, field, date)
        item.save(update_fields=[field])


def _live_items(order: Order) -> list[OrderItem]:
    """Items with something not cancelled: the ones a ship date concerns."""
    return [i for i in order.items.all() if i.quantity > i.quantity_cancelled]


def _apply_actual_ship_date(order: Order, date: dt.date, items: list[OrderItem], actor: str, why: str) -> None:
    """Set the actual ship date on items; once every open item has one, on the order too."""
    if items:
        _date_items(items, "actual_ship_date", date)
        record(
            order, Kind.ACTION, f"Actual ship date of {', '.join(i.sku for i in items)} set to {date} ({why})", actor
        )
        fire(order, "ItemSetActualShipDate", actor=actor, items=items)
    live = _live_items(order)
    if order.actual_ship_date is None and live and all(i.actual_ship_date for i in live):
        order.actual_ship_date = max(i.actual_ship_date for i in live)
        order.save(update_fields=["actual_ship_date", "updated_at"])
        record(order, Kind.ACTION, f"Actual ship date of the order set to {order.actual_ship_date}", actor)
        fire(order, "OrderSetActualShipDate", actor=actor)


@action
def set_actual_ship_date(
    order: Order | int, date: dt.date, *, actor: str, items: Iterable[int | str] | None = None
) -> Order:
    """Set the actual ship date of some items, or of the whole order when no items are given."""
    order = get_order(order, lock=True)
    _check_open(order)
    chosen = _resolve_items(order, items)
    if chosen is None:
        targets = _live_items(order)
        _date_items(targets, "actual_ship_date", date)
        order.actual_ship_date = date
        order.save(update_fields=["actual_ship_date", "updated_at"])
        record(order, Kind.ACTION, f"Actual ship date set to {date}", actor)
        fire(order, "OrderSetActualShipDate", actor=actor, items=targets)
    else:
        _apply_actual_ship_date(order, date, chosen, actor, "set by hand")
    return order


# --- packages and tracking numbers ------------------------------------------------------------


def clean_tracking_number(number: str) -> str:
    text = (number or "").strip().replace(" ", "")
    if not TRACKING_RE.match(text):
        raise InputError(
            "tracking_number", f"must be 3 to 64 letters, digits or dashes, starting with a letter or digit: {number!r}"
        )
    return text


def _package_lines(order: Order, lines: Sequence[tuple[int | str, int | None]] | None) -> list[tuple[OrderItem, int]]:
    """Which items, and how many of each, go in a new package. None means everything still open."""
    if lines is None:
        return tracking_rules.whole_order(order, [(i, i.quantity_open) for i in order.items.all()])
    if not lines:
        raise InputError("item", "give at least one item, or none for everything still open")
    wanted: dict[int, tuple[OrderItem, int]] = {}
    for ref, quantity in lines:
        item = get_item(order, ref)
        if quantity is None:  # the whole open quantity of that item
            quantity = item.quantity_open
            if quantity == 0:
                raise InputError("item", f"{item.sku} has nothing left to ship")
        check_quantity(quantity)
        total = quantity + wanted.get(item.pk, (item, 0))[1]
        if total > item.quantity_open:
            raise InputError(
                "quantity", f"{item.sku} has {item.quantity_open} left to ship; {total} cannot go in a package"
            )
        wanted[item.pk] = (item, total)
    return list(wanted.values())


@action
def add_tracking_number(
    order: Order | int,
    number: str,
    *,
    actor: str,
    carrier: str = "",
    shipping_class: str = "",
    shipped_at: dt.datetime | None = None,
    items: Sequence[tuple[int | str, int | None]] | None = None,
    package: int | None = None,
    process: bool = True,
    shared: bool = False,
) -> TrackingNumber:
    """Add a tracking number: to a new package (of `items`, or of everything still open), or to `package`.

    With `process` (the default) it is processed at once: the ship-date and tracking events fire and a
    status update goes on the stack. Without it, Process Tracking Numbers handles it later.
    """
    order = get_order(order, lock=True)
    _check_open(order)
    number = clean_tracking_number(number)
    warnings = tracking_rules.check_new_tracking(
        order, number, carrier=carrier or "", shipping_class=shipping_class or "", shipped_at=shipped_at,
        new_package=package is None, shared=shared,
    )  # fmt: skip
    if package is not None:
        if items is not None:
            raise InputError("package", "give either a package or items for a new package, not both")
        shipment = order.shipments.filter(pk=package).first()
        if shipment is None:
            raise InputError("package", f"order {order.pk} has no package {package}")
    else:
        carrier = (carrier or "").strip()
        if not carrier:
            raise InputError("carrier", "a new package needs a carrier (for example UPS)")
        if len(carrier) > 64 or len(shipping_class) > 64:
            raise InputError("carrier", "carrier and class are at most 64 characters each")
        contents = _package_lines(order, items)
        shipment = Shipment.objects.create(
            order=order, carrier=carrier, shipping_class=shipping_class.strip(), shipped_at=shipped_at or timezone.now()
        )
        ShipmentItem.objects.bulk_create(ShipmentItem(shipment=shipment, order_item=i, quantity=q) for i, q in contents)
        listing = ", ".join(f"{i.sku} x{q}" for i, q in contents)
        record(
            order,
            Kind.TRACKING,
            f"Package {shipment.pk} ({carrier} {shipping_class}) holds {listing}".replace("  ", " "),
            actor,
            package=shipment.pk,
        )
    tracking = TrackingNumber.objects.create(
        shipment=shipment, order=order, number=number, normalized=tracking_rules.normalize(number), shared=shared
    )
    tracking.warnings = warnings  # shown by the caller; also on the timeline below
    for warning in warnings:
        record(order, Kind.TRACKING, f"Warning: {warning}", actor, tracking_number=number)
    record(
        order,
        Kind.TRACKING,
        f"Tracking number {number} added to package {shipment.pk}",
        actor,
        package=shipment.pk,
        tracking_number=number,
    )
    refresh_shipping_status(order, actor)
    if process:
        _process_tracking_number(order, tracking, actor)
    return tracking


def _process_tracking_number(order: Order, tracking: TrackingNumber, actor: str) -> None:
    shipment = tracking.shipment
    items = [line.order_item for line in shipment.lines.select_related("order_item")]
    if params.get("TrackImportSetActualShipDate", cart=order.cart):
        undated = [i for i in items if i.actual_ship_date is None]
        _apply_actual_ship_date(
            order, timezone.localdate(shipment.shipped_at), undated, actor, "TrackImportSetActualShipDate is True"
        )
    # A package the cart has not got yet is news even when no label changes (e.g. the second box of a line).
    news = shipment if shipment.delivered_to_cart_at is None else None
    fire(order, "ItemAddTrackingNumber", actor=actor, items=items, package=news)
    fire(order, "OrderAddTrackingNumber", actor=actor, items=items, package=news)
    # The ship events belong to the package, not to each of its tracking numbers: only the first one
    # processed fires them, and only for the items (and order) this package completed.
    first_of_package = not shipment.tracking_numbers.filter(processed=True).exclude(pk=tracking.pk).exists()
    if first_of_package:
        completed = [
            i
            for i in items
            if i.quantity_open == 0 and i.shipment_lines.aggregate(last=Max("shipment_id"))["last"] == shipment.pk
        ]
        if completed:
            fire(order, "ItemShip", actor=actor, items=completed)
        last_package = order.shipments.aggregate(last=Max("id"))["last"] == shipment.pk
        if order.shipping_status == ShippingStatus.SHIPPED and last_package:
            fire(order, "OrderShip", actor=actor)
    tracking.processed, tracking.processed_at = True, timezone.now()
    tracking.save(update_fields=["processed", "processed_at"])
    if order.buyer_email and params.get("EmailTrackingToCustomer", cart=order.cart):
        stacked = enqueue_email(order, tracking.number)
        record(order, Kind.UPDATE_QUEUED, f"Tracking e-mail to {order.buyer_email} queued (record {stacked.pk})", actor)


@dataclass
class ProcessReport:
    processed: list[str]
    too_old: int
    lookback_days: int


def process_tracking_numbers(*, actor: str, now: dt.datetime | None = None) -> ProcessReport:
    """Process Tracking Numbers: every unprocessed number added within TrackingLookbackDays.

    Each order is processed in its own transaction, so one bad order cannot hold back the rest.
    Older unprocessed numbers are counted, not processed, so the operator can see them.
    """
    days = params.get("TrackingLookbackDays")
    since = (now or timezone.now()) - dt.timedelta(days=days)
    unprocessed = TrackingNumber.objects.filter(processed=False)
    too_old = unprocessed.filter(created_at__lt=since).count()
    done = []
    for pk in unprocessed.filter(created_at__gte=since).order_by("id").values_list("pk", flat=True):
        order_id = TrackingNumber.objects.filter(pk=pk).values_list("order_id", flat=True).first()
        with transaction.atomic():
            order = get_order(order_id, lock=True)  # first the lock, then the fresh read under it
            tracking = TrackingNumber.objects.select_related("shipment").filter(pk=pk, processed=False).first()
            if tracking is None:
                continue  # another operator processed it meanwhile
            record(order, Kind.ACTION, f"Process Tracking Numbers: processing {tracking.number}", actor)
            _process_tracking_number(order, tracking, actor)
            done.append(tracking.number)
    return ProcessReport(done, too_old, days)


def refresh_shipping_status(order: Order, actor: str) -> None:
    """Derive the order's shipping status from its items' open, shipped and cancelled quantities."""
    if order.shipping_status == ShippingStatus.THIRD_PARTY_MANAGED:
        return  # shipped by a fulfilment partner (e.g. FBA), not by us
    totals = order.items.aggregate(ordered=Sum("quantity"), cancelled=Sum("quantity_cancelled"))
    shipped = ShipmentItem.objects.filter(shipment__order=order).aggregate(n=Sum("quantity"))["n"] or 0
    open_ = (totals["ordered"] or 0) - (totals["cancelled"] or 0) - shipped
    status = shipping_status_for(open_, shipped)
    if status != order.shipping_status:
        old, order.shipping_status = order.shipping_status, status
        order.save(update_fields=["shipping_status", "updated_at"])
        record(order, Kind.ACTION, f"Shipping status: {old} → {status}", actor)


# --- cancellations, backorders, drop ship, returns --------------------------------------------


def _cancel_quantity(order: Order, line: OrderItem, count: int, actor: str) -> None:
    line.quantity_cancelled += count
    line.save(update_fields=["quantity_cancelled"])
    record(order, Kind.ACTION, f"{count} of {line.sku} cancelled", actor)
    record_sale(line.sku, -count, f"order {order.pk} cancelled")
    fire(order, "ItemCancel", actor=actor, items=[line])


def _cancel_if_nothing_left(order: Order, actor: str) -> None:
    refresh_shipping_status(order, actor)
    if order.shipping_status == ShippingStatus.CANCELED:
        order.cancelled_at = timezone.now()
        order.save(update_fields=["cancelled_at", "updated_at"])
        record(order, Kind.ACTION, "Order cancelled", actor)
        fire(order, "OrderCancel", actor=actor)


@action
def cancel_item(order: Order | int, item: int | str, *, actor: str, quantity: int | None = None) -> OrderItem:
    """Cancel some or all of an item's open quantity. Cancelling the last open item cancels the order."""
    order = get_order(order, lock=True)
    _check_open(order)
    line = get_item(order, item)
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
    _check_open(order)
    open_items = [(i, i.quantity_open) for i in order.items.all()]
    open_items = [(i, n) for i, n in open_items if n > 0]
    if not open_items:
        raise InputError("order", f"order {order.pk} has nothing open to cancel")
    for line, count in open_items:
        _cancel_quantity(order, line, count, actor)
    _cancel_if_nothing_left(order, actor)
    return order


@action
def backorder_item(order: Order | int, item: int | str, *, actor: str) -> OrderItem:
    order = get_order(order, lock=True)
    _check_open(order)
    line = get_item(order, item)
    if line.backordered:
        raise InputError("item", f"{line.sku} is already backordered")
    if line.quantity_open == 0:
        raise InputError("item", f"{line.sku} has nothing open to backorder")
    line.backordered = True
    line.save(update_fields=["backordered"])
    record(order, Kind.ACTION, f"{line.sku} backordered", actor)
    fire(order, "ItemBackorder", actor=actor, items=[line])
    return line


@action
def fill_backorder(order: Order | int, item: int | str, *, actor: str) -> OrderItem:
    order = get_order(order, lock=True)
    line = get_item(order, item)
    if not line.backordered:
        raise InputError("item", f"{line.sku} is not backordered")
    line.backordered = False
    line.save(update_fields=["backordered"])
    record(order, Kind.ACTION, f"Backorder of {line.sku} filled", actor)
    fire(order, "ItemBackorderFilled", actor=actor, items=[line])
    return line


@action
def order_drop_ship(order: Order | int, item: int | str, *, supplier: str, actor: str) -> OrderItem:
    order = get_order(order, lock=True)
    _check_open(order)
    line = get_item(order, item)
    supplier = (supplier or "").strip()
    if not supplier or len(supplier) > 100:
        raise InputError("supplier", "a drop-ship order needs a supplier name of at most 100 characters")
    if line.drop_ship_supplier:
        raise InputError("item", f"{line.sku} is already drop-shipped by {line.drop_ship_supplier}")
    if line.quantity_open == 0:
        raise InputError("item", f"{line.sku} has nothing open to drop-ship")
    line.drop_ship_supplier = supplier
    line.save(update_fields=["drop_ship_supplier"])
    record(order, Kind.ACTION, f"Drop ship of {line.sku} ordered from {supplier}", actor)
    fire(order, "ItemDropShipOrdered", actor=actor, items=[line])
    return line


@action
def cancel_drop_ship(order: Order | int, item: int | str, *, actor: str) -> OrderItem:
    order = get_order(order, lock=True)
    line = get_item(order, item)
    if not line.drop_ship_supplier:
        raise InputError("item", f"{line.sku} has no drop-ship order")
    record(order, Kind.ACTION, f"Drop ship of {line.sku} from {line.drop_ship_supplier} cancelled", actor)
    line.drop_ship_supplier = ""
    line.save(update_fields=["drop_ship_supplier"])
    fire(order, "ItemDropShipCanceled", actor=actor, items=[line])
    return line


@action
def return_item(order: Order | int, item: int | str, quantity: int, *, actor: str) -> OrderItem:
    order = get_order(order, lock=True)
    line = get_item(order, item)
    check_quantity(quantity)
    returnable = line.quantity_shipped - line.quantity_returned
    if quantity > returnable:
        raise InputError(
            "quantity", f"{line.sku} has {returnable} shipped and not returned; {quantity} cannot be returned"
        )
    line.quantity_returned += quantity
    line.save(update_fields=["quantity_returned"])
    record(order, Kind.ACTION, f"{quantity} of {line.sku} returned", actor)
    fire(order, "ItemReturn", actor=actor, items=[line])
    items = list(order.items.all())
    if all(i.quantity_returned >= i.quantity_shipped for i in items):
        fire(order, "OrderReturn", actor=actor)
    return line


# --- firing an event by hand (the Ship Dates & Status tab) ------------------------------------


@action
def fire_status_event(
    order: Order | int, event_id: str, *, actor: str, items: Iterable[int | str] | None = None
) -> Order:
    """Fire an event by hand. Tracking events need a tracking number on the order to be truthful."""
    order = get_order(order, lock=True)
    event = get_event(event_id)
    chosen = _resolve_items(order, items)
    if chosen is not None and event.scope == Scope.ORDER:
        raise InputError("item", f"{event.id} is an order event; fire it without items")
    if event.carries_tracking:
        if order.tracking_numbers.filter(processed=False).exists():
            raise InputError(
                "event",
                f"order {order.pk} has unprocessed tracking numbers: Process Tracking Numbers fires {event.id} "
                "for them (ordermanager tracking process)",
            )
        if not order.tracking_numbers.exists():
            raise InputError("event", f"{event.id} says a tracking number was added, and order {order.pk} has none")
    record(order, Kind.OPERATOR, f"Status event {event.id} fired by hand", actor)
    fire(order, event.id, actor=actor, items=chosen)
    return order


@action
def add_note(order: Order | int, text: str, *, actor: str) -> Order:
    order = get_order(order, lock=True)
    text = (text or "").strip()
    if not text:
        raise InputError("note", "a note cannot be empty")
    record(order, Kind.OPERATOR, f"Note: {text[:2000]}", actor)
    return order
