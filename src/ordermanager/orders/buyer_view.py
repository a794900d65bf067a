"""What a buyer may see of an order: the store's name, its status label, and what shipped in which package with a
tracking link per carrier. Read by the tracking e-mail and the order-status page; never names, addresses or prices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import select_template
from django.utils.text import slugify

from ordermanager.carts.models import Cart
from ordermanager.orders.models import Order, Shipment, TrackingLink
from ordermanager.params import actions as params

# The four carriers most packages go with (the migration adds these); the merchant edits them and adds more.
DEFAULT_TRACKING_LINKS = {
    "UPS": "https://www.ups.com/track?tracknum={number}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "DHL": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
}


@dataclass(frozen=True)
class Tracking:
    number: str
    url: str  # "" when no link is known for the carrier


@dataclass(frozen=True)
class Line:
    sku: str
    title: str
    quantity: int


@dataclass
class Package:
    carrier: str
    shipping_class: str
    shipped_at: object
    lines: list[Line] = field(default_factory=list)
    tracking: list[Tracking] = field(default_factory=list)


def store_name(cart: Cart | None) -> str:
    """StoreName (per cart), else the cart's store name, else the installation's."""
    return params.get("StoreName", cart=cart) or (cart.store_name if cart else "") or "Our store"


def order_reference(order: Order) -> str:
    """The order number the buyer knows: the marketplace's, else the cart's, else ours."""
    return order.marketplace_order_id or order.channel_order_id or str(order.pk)


def packages(order: Order) -> list[Package]:
    """Packages with at least one processed tracking number, oldest first, with their lines: three queries."""
    links = {link.carrier.lower(): link for link in TrackingLink.objects.all()}
    shipments = (
        Shipment.objects.filter(order=order, tracking_numbers__processed=True)
        .distinct()
        .prefetch_related("lines__order_item", "tracking_numbers")
        .order_by("id")
    )
    out = []
    for s in shipments:
        link = links.get(s.carrier.lower())
        numbers = [t for t in s.tracking_numbers.all() if t.processed]
        out.append(
            Package(
                carrier=s.carrier,
                shipping_class=s.shipping_class,
                shipped_at=s.shipped_at,
                lines=[Line(li.order_item.sku, li.order_item.title, li.quantity) for li in s.lines.all()],
                tracking=[Tracking(t.number, link.url_for(t.number) if link else "") for t in numbers],
            )
        )
    return out


def store_template(cart: Cart | None, name: str):
    """A template the merchant may override for one store (…/stores/<store-slug>/<name>) or for all."""
    folder, base = name.rsplit("/", 1)
    names = [f"{folder}/stores/{slugify(cart.store_name)}/{base}"] if cart is not None else []
    return select_template([*names, name])
