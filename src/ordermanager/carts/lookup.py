"""Finding a cart by the name the operator knows it by."""

from __future__ import annotations

from ordermanager.carts.models import Cart
from ordermanager.errors import InputError


def get_cart(store_name: str) -> Cart:
    name = (store_name or "").strip()
    limit = Cart._meta.get_field("store_name").max_length or 0
    cart = Cart.objects.filter(store_name__iexact=name).first() if len(name) <= limit else None
    if cart is None:
        names = ", ".join(Cart.objects.values_list("store_name", flat=True)) or "none yet"
        raise InputError("cart", f"there is no cart named {store_name!r} (carts: {names})")
    return cart
