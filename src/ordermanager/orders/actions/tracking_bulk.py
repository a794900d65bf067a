"""Many tracking numbers at once (tracking files): the door `add_tracking_number` opens, for a batch.

Each number gets a new package and is left unprocessed, for Process Tracking Numbers to fire its events,
as SEOM's Import Tracking Numbers does. The rules (tracking_rules), the package checks and the timeline
are those of `add_tracking_number`; what differs is that the batch's orders, items, shipped quantities
and existing numbers are read with a few queries, and everything is written with one insert per table.
A refused number writes nothing; the others are written together in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, Sum
from django.utils import timezone

from ordermanager.errors import InputError
from ordermanager.inserts import insert_all
from ordermanager.orders import events, tracking_rules
from ordermanager.orders.actions.common import action, check_open, check_quantity, get_item
from ordermanager.orders.actions.tracking import clean_tracking_number
from ordermanager.orders.models import (
    Order,
    OrderItem,
    Shipment,
    ShipmentItem,
    ShippingStatus,
    TimelineEntry,
    TrackingNumber,
    shipping_status_for,
)


@dataclass
class NewPackage:
    order_id: int
    number: str
    carrier: str = ""
    shipping_class: str = ""
    shipped_at: dt.datetime | None = None
    items: Sequence[tuple[str, int | None]] | None = None  # None: everything still open


@dataclass
class Added:
    tracking: TrackingNumber | None = None
    error: InputError | None = None
    warnings: list[str] = field(default_factory=list)


class _Batch:
    """What the batch knows of its orders, kept true as its packages are decided."""

    def __init__(self, packages: Sequence[NewPackage]) -> None:
        ids = {p.order_id for p in packages}
        items = Prefetch("items", queryset=OrderItem.objects.order_by("id"))
        # Only what the rules and the shipping status read: an order row is wide.
        query = Order.objects.select_for_update(of=("self",)).select_related("cart").prefetch_related(items)
        query = query.only("cart", "cancelled_at", "shipping_status", "updated_at")
        self.orders = query.in_bulk(ids)
        lines = ShipmentItem.objects.filter(order_item__order_id__in=ids)
        shipped = dict(lines.values_list("order_item_id").annotate(n=Sum("quantity")))
        self.open = {
            i.pk: i.quantity - i.quantity_cancelled - shipped.get(i.pk, 0)
            for order in self.orders.values()
            for i in order.items.all()
        }
        self.shipped = defaultdict(int)
        for order in self.orders.values():
            self.shipped[order.pk] = sum(shipped.get(i.pk, 0) for i in order.items.all())
        keys = {tracking_rules.normalize(p.number) for p in packages}
        self.holders: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for key, order_id, number in TrackingNumber.objects.filter(normalized__in=keys).values_list(
            "normalized", "order_id", "number"
        ):
            self.holders[key].append((order_id, number))
        self.known_methods: dict = {}

    def contents(self, order: Order, wanted: Sequence[tuple[str, int | None]] | None) -> list[tuple[OrderItem, int]]:
        """Which items, and how many, go in the package; the same rules as a package added by hand."""
        if wanted is None:
            return tracking_rules.whole_order(order, [(i, self.open[i.pk]) for i in order.items.all()])
        picked: dict[int, tuple[OrderItem, int]] = {}
        items = list(order.items.all())
        for ref, quantity in wanted:
            item = get_item(order, ref, items)
            left = self.open[item.pk]
            if quantity is None and left == 0:
                raise InputError("item", f"{item.sku} has nothing left to ship")
            total = check_quantity(left if quantity is None else quantity) + picked.get(item.pk, (item, 0))[1]
            if total > left:
                raise InputError("quantity", f"{item.sku} has {left} left to ship; {total} cannot go in a package")
            picked[item.pk] = (item, total)
        return list(picked.values())

    def decide(self, package: NewPackage) -> tuple[Shipment, list[tuple[OrderItem, int]], TrackingNumber, list[str]]:
        order = self.orders.get(package.order_id)
        if order is None:
            raise InputError("order", f"there is no order number {package.order_id}")
        check_open(order)
        number = clean_tracking_number(package.number)
        key = tracking_rules.normalize(number)
        tracking_rules.refuse_duplicate(order.pk, number, self.holders[key][:5])
        carrier, shipping_class = (package.carrier or "").strip(), (package.shipping_class or "").strip()
        if not carrier:
            raise InputError("carrier", "a new package needs a carrier (for example UPS)")
        if len(carrier) > 64 or len(shipping_class) > 64:
            raise InputError("carrier", "carrier and class are at most 64 characters each")
        warnings = tracking_rules.check_carrier(order, carrier, shipping_class, self.known_methods)
        warnings += tracking_rules.check_ship_date(package.shipped_at)
        contents = self.contents(order, package.items)
        # Decided: from here on the batch counts this package as written.
        for item, quantity in contents:
            self.open[item.pk] -= quantity
            self.shipped[order.pk] += quantity
        self.holders[key].append((order.pk, number))
        shipped_at = package.shipped_at or timezone.now()
        shipment = Shipment(order=order, carrier=carrier, shipping_class=shipping_class, shipped_at=shipped_at)
        tracking = TrackingNumber(order=order, number=number, normalized=key)
        return shipment, contents, tracking, warnings


def _shipping_statuses(batch: _Batch, touched: dict[int, Order], actor: str) -> list[TimelineEntry]:
    entries, now = [], timezone.now()
    changed: dict[str, list[int]] = defaultdict(list)
    for order in touched.values():
        if order.shipping_status == ShippingStatus.THIRD_PARTY_MANAGED:
            continue  # shipped by a fulfilment partner (e.g. FBA), not by us
        still_open = sum(batch.open[i.pk] for i in order.items.all())
        status = shipping_status_for(still_open, batch.shipped[order.pk])
        if status != order.shipping_status:
            old, order.shipping_status, order.updated_at = order.shipping_status, status, now
            changed[status].append(order.pk)
            entries.append(events.shipping_status_changed(order, old, actor, save=False))
    # One UPDATE per new status (bulk_update's CASE per row is far slower for a thousand orders).
    for status, ids in changed.items():
        Order.objects.filter(pk__in=ids).update(shipping_status=status, updated_at=now)
    return entries


@action
def add_tracking_numbers(packages: Sequence[NewPackage], *, actor: str) -> list[Added]:
    """Add each number to a new package of its order, unprocessed. One result per package, in order."""
    batch = _Batch(packages)
    results: list[Added] = []
    decided = []
    for package in packages:
        try:
            shipment, contents, tracking, warnings = batch.decide(package)
        except InputError as error:
            results.append(Added(error=error))
            continue
        tracking.warnings = warnings
        results.append(Added(tracking=tracking, warnings=warnings))
        decided.append((shipment, contents, tracking, warnings))
    insert_all([s for s, _, _, _ in decided])
    lines, timeline, touched = [], [], {}
    for shipment, contents, tracking, warnings in decided:
        order = shipment.order
        touched[order.pk] = order
        tracking.shipment = shipment
        lines += [ShipmentItem(shipment=shipment, order_item=i, quantity=q) for i, q in contents]
        timeline.append(events.package_created(order, shipment, contents, actor, save=False))
        timeline.append(events.tracking_added(order, tracking, actor, save=False))
        timeline += [events.tracking_warning(order, tracking, w, actor, save=False) for w in warnings]
    insert_all(lines)
    insert_all([t for _, _, t, _ in decided])
    insert_all(timeline + _shipping_statuses(batch, touched, actor))
    return results
