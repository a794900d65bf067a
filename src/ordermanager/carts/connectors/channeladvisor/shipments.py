"""What to tell ChannelAdvisor about an order's packages, built from the order as it is now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet

from ordermanager.carts.carriers import codes_columns, pick_codes
from ordermanager.carts.connectors.base import CartError, ErrorKind, ShipmentLine, ShipmentRequest
from ordermanager.errors import CLEAR_PROBLEMS, RETRY_PROBLEMS
from ordermanager.orders.models import Order, OrderItem, Shipment
from ordermanager.prepared import Prepared


@dataclass
class _Package:
    pk: int
    carrier: str
    shipping_class: str
    shipped_at: datetime
    delivered: bool
    codes: tuple[str, str] | None  # the cart's carrier and class for the package's shipping method
    numbers: list[str] = field(default_factory=list)  # processed tracking numbers, oldest first
    lines: list[tuple[int, int, ShipmentLine]] = field(default_factory=list)  # (line id, order item, line)


def _packages(order_id: int, cart_id: int) -> QuerySet:
    """The order's packages, a row per tracking number, each with the cart's codes for its shipping method
    (read with it: one round trip, not one more per method)."""
    codes = codes_columns(cart_id, "carrier", "shipping_class")
    return (
        Shipment.objects.filter(order_id=order_id)
        .annotate(**codes)
        .order_by("id", "tracking_numbers__id")
        .values_list(
            "id",
            "carrier",
            "shipping_class",
            "shipped_at",
            "delivered_to_cart_at",
            "tracking_numbers__number",
            "tracking_numbers__processed",
            *codes,
        )
    )


_PACKAGES = Prepared(_packages, int, int)
_ITEMS = Prepared(
    lambda order_id: (
        OrderItem.objects.filter(order_id=order_id)
        .order_by("id", "shipment_lines__id")
        .values_list(
            "id",
            "quantity",
            "quantity_cancelled",
            "channel_item_id",
            "sku",
            "shipment_lines__id",
            "shipment_lines__shipment_id",
            "shipment_lines__quantity",
        )
    ),
    int,
)


def _read(order: Order) -> tuple[list[_Package], bool]:
    """The order's packages with their tracking and lines, and whether one package carries the whole order.

    Two prepared reads (packages with their tracking numbers and carrier codes; items with their package lines)
    instead of a model and a prefetch per relation: this runs once per delivered record, where building the
    ORM's queries and objects cost more CPU than the database did.
    """
    packages: dict[int, _Package] = {}
    for pk, carrier, shipping_class, shipped_at, delivered_at, number, processed, *codes in _PACKAGES.rows(
        order.pk, order.cart_id
    ):
        package = packages.get(pk)
        if package is None:
            package = packages[pk] = _Package(
                pk, carrier, shipping_class, shipped_at, delivered_at is not None, pick_codes(*codes)
            )
        if number is not None and processed:
            package.numbers.append(number)
    ordered: dict[int, int] = {}  # order item → quantity ordered
    cancelled_any = False
    for item_id, quantity, cancelled, channel_item_id, sku, line_id, package_id, carried in _ITEMS.rows(order.pk):
        ordered[item_id] = quantity
        cancelled_any = cancelled_any or cancelled != 0
        if package_id is not None:
            packages[package_id].lines.append((line_id, item_id, ShipmentLine(channel_item_id, sku, carried)))
    return list(packages.values()), _is_whole_order(list(packages.values()), ordered, cancelled_any)


def _is_whole_order(packages: list[_Package], ordered: dict[int, int], cancelled_any: bool) -> bool:
    """One package carrying every unit ordered: ChannelAdvisor can ship the order without Items."""
    if len(packages) != 1 or cancelled_any:
        return False
    carried = {item_id: line.quantity for _, item_id, line in packages[0].lines}
    return carried == ordered


def plan_shipments(order: Order) -> list[ShipmentRequest]:
    """One Ship request per package not yet at the cart that has a processed tracking number.

    Carrier and class are mapped before anything is sent, so an unmapped method becomes a problem the
    operator can fix without a single call having been made.
    """
    cart = order.cart
    assert cart is not None
    if not order.channel_order_id:
        raise CartError(
            ErrorKind.PERMANENT,
            f"order {order.pk} was entered here, not downloaded from {cart.store_name}: it has no ChannelAdvisor "
            "order ID to ship",
            fix_hint=f"ship it in ChannelAdvisor by hand, then clear this record ({CLEAR_PROBLEMS})",
        )
    packages, whole = _read(order)
    requests = []
    for shipment in packages:
        if shipment.delivered or not shipment.numbers:
            continue
        codes = shipment.codes
        if codes is None:
            raise CartError(
                ErrorKind.PERMANENT,
                f"shipping method {shipment.carrier} {shipment.shipping_class} (package {shipment.pk}) has no "
                f"ChannelAdvisor carrier and class for cart {cart.store_name}",
                fix_hint=f"map it: ordermanager carts map-carrier {cart.store_name!r} {shipment.carrier!r} "
                f"{shipment.shipping_class!r} CA_CARRIER CA_CLASS, then {RETRY_PROBLEMS}",
            )
        lines = [line for _, _, line in sorted(shipment.lines, key=lambda row: row[0])]  # as the package was packed
        missing = [line.sku for line in lines if not line.channel_item_id]
        if missing and not whole:
            raise CartError(
                ErrorKind.PERMANENT,
                f"package {shipment.pk} holds {', '.join(missing)}, which did not come from ChannelAdvisor",
                fix_hint="ship items added here in a package of their own, or leave them out of the cart's order",
            )
        requests.append(
            ShipmentRequest(
                package_id=shipment.pk,
                channel_order_id=order.channel_order_id,
                profile_id=order.profile_id,
                tracking_number=shipment.numbers[0],
                carrier=codes[0],
                shipping_class=codes[1],
                shipped_at=shipment.shipped_at,
                lines=None if whole else tuple(lines),
            )
        )
    return requests
