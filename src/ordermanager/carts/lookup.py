"""Finding a cart by the name the operator knows it by."""

from __future__ import annotations

from ordermanager.carts.models import Cart
from ordermanager.errors import InputError


def get_cart(store_name: str) -> Cart:
    name = (store_name or "").strip()
    # No stored name is longer than the column; a longer one never reaches SQLite's LIKE (it refused 50 kB patterns).
    too_long = len(name) > Cart._meta.get_field("store_name").max_length
    cart = None if too_long else Cart.objects.filter(store_name__iexact=name).first()
    if cart is None:
        names = ", ".join(Cart.objects.values_list("store_name", flat=True)) or "none yet"
        raise InputError("cart", f"there is no cart named {name[:60]!r} (carts: {names})")
    return cart
