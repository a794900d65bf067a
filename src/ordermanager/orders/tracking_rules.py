"""The rules a new tracking number meets, the same on every path (CLI, file import, API, web).

- A number belongs to one order. Numbers are compared without case, spaces or dashes, because shipping
  tools print them differently (1z 999-aa1 is 1Z999AA1). The merchant may mark a number as shared on
  purpose when one box carries several orders of one buyer.
- A new package's carrier and class must have a mapping for the order's cart when the cart takes only its
  own codes (ChannelAdvisor): refused now, with the fix, rather than failing later on the stack. Other
  cart types take the names as typed, with a warning.
- A ship date far in the past or the future is probably a typo: it warns, it does not refuse.

`check_new_tracking` refuses with InputError and returns the warnings.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from ordermanager.carts.carriers import cart_codes
from ordermanager.errors import InputError
from ordermanager.orders.models import Order, OrderItem, TrackingNumber

PAST_DAYS = 30
FUTURE_DAYS = 3
_IGNORED = re.compile(r"[\s-]+")


def normalize(number: str) -> str:
    """How two tracking numbers are compared: upper case, without spaces or dashes."""
    return _IGNORED.sub("", number or "").upper()


def check_unique(order: Order, number: str, *, shared: bool = False) -> None:
    """Refuse a number already on this order, or on another order unless `shared` says one box carries both."""
    holders = TrackingNumber.objects.filter(normalized=normalize(number)).values_list("order_id", "number")
    refuse_duplicate(order.pk, number, list(holders.order_by("order_id")[:5]), shared=shared)


def refuse_duplicate(order_pk: int, number: str, holders: list[tuple[int, str]], *, shared: bool = False) -> None:
    """`holders`: (order, number as written) of the numbers equal to this one once normalized."""
    mine = [n for order_id, n in holders if order_id == order_pk]
    if mine:
        raise InputError("tracking_number", f"{number} is already on order {order_pk} (as {mine[0]})")
    others = sorted({order_id for order_id, _ in holders})
    if others and not shared:
        listed = ", ".join(str(o) for o in others)
        raise InputError(
            "tracking_number",
            f"{number} is already on order {listed}; a tracking number belongs to one order, unless one box "
            "really carries several orders: then mark it as a shared shipment",
        )


def check_carrier(order: Order, carrier: str, shipping_class: str, known: dict | None = None) -> list[str]:
    """Refuse a shipping method the order's cart cannot take; warn when the cart takes any name.

    `known` caches the cart's answers across many numbers (an import); it lives for one transaction.
    """
    cart = order.cart
    if cart is None:
        return []
    key = (cart.pk, carrier.lower(), shipping_class.lower())
    if known is None or key not in known:
        codes = cart_codes(cart, carrier, shipping_class)
        if known is None:
            known = {}
        known[key] = codes
    if known[key] is not None:
        return []
    method = f"{carrier} {shipping_class}".strip()
    if cart.type.needs_carrier_mapping:
        raise InputError(
            "carrier",
            f"{method} has no {cart.type.label} carrier and class for cart {cart.store_name}; map it first: "
            f"ordermanager carts map-carrier {cart.store_name!r} {carrier!r} {shipping_class!r} "
            "CART_CARRIER CART_CLASS",
        )
    if not cart.type.takes_status_updates:
        return []
    return [f"{method} has no mapping for cart {cart.store_name}; a {cart.type.label} cart gets it as typed"]


def check_ship_date(shipped_at: dt.datetime | None, *, now: dt.datetime | None = None) -> list[str]:
    if shipped_at is None:
        return []
    now = now or timezone.now()
    if shipped_at < now - dt.timedelta(days=PAST_DAYS):
        return [f"ship date {shipped_at:%Y-%m-%d} is more than {PAST_DAYS} days ago; check it is not a typo"]
    if shipped_at > now + dt.timedelta(days=FUTURE_DAYS):
        return [f"ship date {shipped_at:%Y-%m-%d} is more than {FUTURE_DAYS} days ahead; check it is not a typo"]
    return []


def whole_order(order: Order, open_quantities: list[tuple[OrderItem, int]]) -> list[tuple[OrderItem, int]]:
    """A package of the whole order holds everything still open; an order with nothing open cannot have one."""
    chosen = [(item, quantity) for item, quantity in open_quantities if quantity > 0]
    if not chosen:
        raise InputError(
            "item",
            f"every item of order {order.pk} has shipped or been cancelled; "
            "add the number to an existing package instead",
        )
    return chosen


def check_new_tracking(
    order: Order,
    number: str,
    *,
    carrier: str,
    shipping_class: str,
    shipped_at: dt.datetime | None,
    new_package: bool,
    shared: bool = False,
    taken: bool = True,
) -> list[str]:
    """All the rules for one new number. Refuses with InputError; returns the warnings.

    `taken`: whether any order carries the number yet (a caller that read it with the order passes it, so the
    usual new number costs no query of its own)."""
    if taken:
        check_unique(order, number, shared=shared)
    warnings = check_carrier(order, carrier.strip(), shipping_class.strip()) if new_package and carrier.strip() else []
    return warnings + check_ship_date(shipped_at)
