"""What to tell ChannelAdvisor about an order's packages, built from the order as it is now."""

from __future__ import annotations

from django.db.models import Prefetch

from ordermanager.carts.carriers import cart_codes
from ordermanager.carts.connectors.base import CartError, ErrorKind, ShipmentLine, ShipmentRequest
from ordermanager.errors import CLEAR_PROBLEMS, RETRY_PROBLEMS
from ordermanager.orders.models import Order, Shipment, ShipmentItem


def _is_whole_order(order: Order, shipments: list[Shipment]) -> bool:
    """One package carrying every unit ordered: ChannelAdvisor can ship the order without Items."""
    if len(shipments) != 1:
        return False
    carried = {line.order_item_id: line.quantity for line in shipments[0].lines.all()}
    return all(item.quantity_cancelled == 0 and carried.get(item.pk) == item.quantity for item in order.items.all())


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
    lines = Prefetch("lines", queryset=ShipmentItem.objects.select_related("order_item"))
    shipments = list(order.shipments.prefetch_related(lines, "tracking_numbers").order_by("id"))
    whole = _is_whole_order(order, shipments)
    # Looked up once per shipping method, not once per package: an order's packages mostly share one.
    methods: dict[tuple[str, str], tuple[str, str] | None] = {}
    requests = []
    for shipment in shipments:
        if shipment.delivered_to_cart_at is not None:
            continue
        numbers = [t.number for t in shipment.tracking_numbers.all() if t.processed]
        if not numbers:
            continue
        method = (shipment.carrier.lower(), shipment.shipping_class.lower())
        if method not in methods:
            methods[method] = cart_codes(cart, shipment.carrier, shipment.shipping_class)
        codes = methods[method]
        if codes is None:
            raise CartError(
                ErrorKind.PERMANENT,
                f"shipping method {shipment.carrier} {shipment.shipping_class} (package {shipment.pk}) has no "
                f"ChannelAdvisor carrier and class for cart {cart.store_name}",
                fix_hint=f"map it: ordermanager carts map-carrier {cart.store_name!r} {shipment.carrier!r} "
                f"{shipment.shipping_class!r} CA_CARRIER CA_CLASS, then {RETRY_PROBLEMS}",
            )
        missing = [line.order_item.sku for line in shipment.lines.all() if not line.order_item.channel_item_id]
        if missing and not whole:
            raise CartError(
                ErrorKind.PERMANENT,
                f"package {shipment.pk} holds {', '.join(missing)}, which did not come from ChannelAdvisor",
                fix_hint="ship items added here in a package of their own, or leave them out of the cart's order",
            )
        lines = (
            None
            if whole
            else tuple(
                ShipmentLine(line.order_item.channel_item_id, line.order_item.sku, line.quantity)
                for line in shipment.lines.all()
            )
        )
        requests.append(
            ShipmentRequest(
                package_id=shipment.pk,
                channel_order_id=order.channel_order_id,
                profile_id=order.profile_id,
                tracking_number=numbers[0],
                carrier=codes[0],
                shipping_class=codes[1],
                shipped_at=shipment.shipped_at,
                lines=lines,
            )
        )
    return requests
