"""What a buyer may see of an order: the store's name, its status label, and what shipped in which package with a
tracking link per carrier. Read by the tracking e-mail and the order-status page; never addresses or prices.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from django.db.models import Q
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


# --- the order-status page's look-up ----------------------------------------------------------

MAX_CANDIDATES = 5
# Stands in when no order has the number, so a wrong number costs the same comparisons as a wrong ZIP code.
_NOBODY = Order(ship_to_postal_code="~", buyer_email="~")


def _norm(text: str) -> str:
    return "".join(ch for ch in (text or "").strip().upper() if ch.isalnum() or ch in "@.+_")


def _proofs(order: Order) -> list[str]:
    """What a buyer may type to prove the order is theirs: the ZIP code (also its first five digits, for a
    US ZIP+4) and the e-mail. Always three strings, so every order costs the same comparisons."""
    zip_code, mail = _norm(order.ship_to_postal_code), _norm(order.buyer_email)
    short = zip_code[:5] if len(zip_code) == 9 and zip_code.isdigit() else "~"
    # An empty value never matches: a secrets token stands for it.
    return [value or secrets.token_hex(8) for value in (zip_code, short, mail)]


def find_for_buyer(number: str, proof: str) -> Order | None:
    """The order with this number (the marketplace's, the cart's or ours) whose ZIP code or e-mail is `proof`.

    Whether the number exists is never told: a wrong number and a wrong ZIP code run the same query and the
    same constant-time comparisons, and both answer None.
    """
    number = (number or "").strip()[:64]
    wanted = Q(marketplace_order_id=number) | Q(channel_order_id=number)
    if number.isdigit() and len(number) < 19:
        wanted |= Q(pk=int(number))
    candidates = (
        list(Order.objects.select_related("cart").filter(wanted).order_by("id")[:MAX_CANDIDATES]) if number else []
    )
    typed = _norm(proof).encode()
    found = None
    for order in candidates or [_NOBODY]:
        match = False
        for value in _proofs(order):
            match |= hmac.compare_digest(value.encode(), typed)
        if match and found is None and order is not _NOBODY:
            found = order
    return found
