"""Packages and tracking numbers, and Process Tracking Numbers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, Max
from django.utils import timezone

from ordermanager.errors import InputError
from ordermanager.inserts import insert_all
from ordermanager.orders import events, tracking_rules
from ordermanager.orders.actions.common import (
    action,
    check_not_on_hold,
    check_open,
    check_quantity,
    get_item,
    get_order,
    items_of,
    one_action,
    refresh_shipping_status,
)
from ordermanager.orders.actions.ship_dates import apply_actual_ship_date
from ordermanager.orders.models import (
    Order,
    OrderItem,
    Shipment,
    ShipmentItem,
    ShippingStatus,
    TrackingNumber,
)
from ordermanager.params import actions as params
from ordermanager.stack.outbox import enqueue_email
from ordermanager.statuses.engine import fire
from ordermanager.wording import plural

TRACKING_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,63}$")


def clean_tracking_number(number: str) -> str:
    text = (number or "").strip().replace(" ", "")
    if not TRACKING_RE.match(text):
        raise InputError(
            "tracking_number", f"must be 3 to 64 letters, digits or dashes, starting with a letter or digit: {number!r}"
        )
    return text


def _package_lines(
    order: Order, items: list[OrderItem], lines: Sequence[tuple[int | str, int | None]] | None
) -> list[tuple[OrderItem, int]]:
    """Which of the order's `items`, and how many of each, go in a new package. None means everything open."""
    if lines is None:
        return tracking_rules.whole_order(order, [(i, i.quantity_open) for i in items])
    if not lines:
        raise InputError("item", "give at least one item, or none for everything still open")
    wanted: dict[int, tuple[OrderItem, int]] = {}
    for ref, quantity in lines:
        item = get_item(order, ref, items)
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
    number = clean_tracking_number(number)
    # Whether any order carries the number yet, read with the order: the usual new number needs no other query.
    taken = Exists(TrackingNumber.objects.filter(normalized=tracking_rules.normalize(number)))
    order = get_order(order, lock=True, number_taken=taken)
    check_open(order)
    check_not_on_hold(order, "adding tracking")
    warnings = tracking_rules.check_new_tracking(
        order, number, carrier=carrier or "", shipping_class=shipping_class or "", shipped_at=shipped_at,
        new_package=package is None, shared=shared, taken=order.number_taken,
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
        every = items_of(order)
        contents = _package_lines(order, every, items)
        shipment = Shipment.objects.create(
            order=order, carrier=carrier, shipping_class=shipping_class.strip(), shipped_at=shipped_at or timezone.now()
        )
        insert_all(ShipmentItem(shipment=shipment, order_item=i, quantity=q) for i, q in contents)
        # The items in hand now say what the database says (as `with_shipped` would read them again):
        # this package is their newest, and it holds these quantities.
        for item, quantity in contents:
            item.shipped_total += quantity
            item.last_package_id = shipment.pk
        events.package_created(order, shipment, contents, actor)
    now = timezone.now() if process else None
    tracking = TrackingNumber.objects.create(
        shipment=shipment,
        order=order,
        number=number,
        normalized=tracking_rules.normalize(number),
        shared=shared,
        processed=process,
        processed_at=now,
    )
    events.tracking_added(order, tracking, actor)
    tracking.warnings = warnings  # shown by the caller, and on the timeline
    for warning in warnings:
        events.tracking_warning(order, tracking, warning, actor)
    if package is None:
        refresh_shipping_status(order, actor, every)
        if process:
            _process_tracking_number(order, tracking, actor, new_package=[i for i, _ in contents], every=every)
    else:
        refresh_shipping_status(order, actor)
        if process:
            _process_tracking_number(order, tracking, actor)
    return tracking


def _process_tracking_number(
    order: Order,
    tracking: TrackingNumber,
    actor: str,
    *,
    new_package: list[OrderItem] | None = None,
    every: list[OrderItem] | None = None,
) -> None:
    """Fire the tracking events. `new_package` is the items of a package created by this action (with
    `every`, all of the order's items as they are now), so nothing need be read again."""
    shipment = tracking.shipment
    if new_package is not None:
        items = new_package
    else:
        items = list(OrderItem.objects.with_shipped().filter(pk__in=shipment.lines.values("order_item_id")))
    if params.get("TrackImportSetActualShipDate", cart=order.cart):
        undated = [i for i in items if i.actual_ship_date is None]
        apply_actual_ship_date(
            order,
            timezone.localdate(shipment.shipped_at),
            undated,
            actor,
            "TrackImportSetActualShipDate is True",
            every,
        )
    # A package the cart has not got yet is news even when no label changes (e.g. the second box of a line).
    news = shipment if shipment.delivered_to_cart_at is None else None
    fire(order, "ItemAddTrackingNumber", actor=actor, items=items, package=news)
    fire(order, "OrderAddTrackingNumber", actor=actor, items=items, package=news)
    # The ship events belong to the package, not to each of its tracking numbers: only the first one
    # processed fires them, and only for the items (and order) this package completed.
    # A package made by this action is its own newest, and this number its first.
    first_of_package = (
        new_package is not None or not shipment.tracking_numbers.filter(processed=True).exclude(pk=tracking.pk).exists()
    )
    if first_of_package:
        completed = [i for i in items if i.quantity_open == 0 and i.last_package_id == shipment.pk]
        if completed:
            fire(order, "ItemShip", actor=actor, items=completed)
        last_package = new_package is not None or order.shipments.aggregate(last=Max("id"))["last"] == shipment.pk
        if order.shipping_status == ShippingStatus.SHIPPED and last_package:
            fire(order, "OrderShip", actor=actor)
    if not tracking.processed:
        tracking.processed, tracking.processed_at = True, timezone.now()
        tracking.save(update_fields=["processed", "processed_at"])
    if order.buyer_email and params.get("EmailTrackingToCustomer", cart=order.cart):
        stacked = enqueue_email(order, tracking.number)
        events.tracking_email_queued(order, stacked, actor)


@dataclass
class ProcessReport:
    processed: list[str]
    too_old: int
    lookback_days: int
    on_hold: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """What Process Tracking Numbers did, in the merchant's words (the command line and the upload page)."""
        lines = [
            f"Processed {plural(len(self.processed), 'tracking number')}: {', '.join(self.processed)}."
            if self.processed
            else "No unprocessed tracking number to process."
        ]
        if self.on_hold:
            lines.append(
                f"{plural(len(self.on_hold), 'tracking number')} on orders on hold left until they are released: "
                f"{', '.join(self.on_hold)}."
            )
        if self.too_old:
            lines.append(
                f"{plural(self.too_old, 'unprocessed tracking number')} older than "
                f"{plural(self.lookback_days, 'day')} (TrackingLookbackDays) left alone."
            )
        return lines


def process_tracking_numbers(*, actor: str, now: dt.datetime | None = None) -> ProcessReport:
    """Process Tracking Numbers: every unprocessed number added within TrackingLookbackDays.

    Each order is processed in its own transaction, so one bad order cannot hold back the rest.
    Older unprocessed numbers are counted, not processed, so the operator can see them.
    """
    days = params.get("TrackingLookbackDays")
    since = (now or timezone.now()) - dt.timedelta(days=days)
    unprocessed = TrackingNumber.objects.filter(processed=False)
    too_old = unprocessed.filter(created_at__lt=since).count()
    report = ProcessReport([], too_old, days)
    for pk in unprocessed.filter(created_at__gte=since).order_by("id").values_list("pk", flat=True):
        order_id = TrackingNumber.objects.filter(pk=pk).values_list("order_id", flat=True).first()
        with one_action():
            order = get_order(order_id, lock=True)  # first the lock, then the fresh read under it
            tracking = TrackingNumber.objects.select_related("shipment").filter(pk=pk, processed=False).first()
            if tracking is None:
                continue  # another operator processed it meanwhile
            if order.on_hold:
                report.on_hold.append(tracking.number)  # waits for the release
                continue
            events.tracking_processing(order, tracking, actor)
            _process_tracking_number(order, tracking, actor)
            report.processed.append(tracking.number)
    return report
