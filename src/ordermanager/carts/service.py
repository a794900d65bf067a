"""Create/Edit Shopping Carts: the only door to cart definitions."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ordermanager.carts.models import Cart
from ordermanager.carts.types import CART_TYPES
from ordermanager.errors import InputError

EDITABLE = ("active", "synchronize_inventory", "send_status_to_web", "order_download_batch")


def _check_store_name(name: str, cart: Cart | None) -> str:
    text = (name or "").strip()
    if not text or len(text) > 50:
        raise InputError("store_name", "a store name is 1 to 50 characters")
    clash = Cart.objects.filter(store_name__iexact=text)
    if cart is not None:
        clash = clash.exclude(pk=cart.pk)
    if clash.exists():
        raise InputError("store_name", f"a cart named {text!r} already exists; store names must be unique")
    return text


def _apply(cart: Cart, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InputError(sorted(unknown)[0], "is not a field of this cart type")
    for name, value in fields.items():
        if value is not None:
            setattr(cart, name, value)
    if cart.order_download_batch < 1 or cart.order_download_batch > 200:
        raise InputError("order_download_batch", "must be between 1 and 200")
    if cart.synchronize_inventory and not cart.type.syncs_inventory:
        raise InputError("synchronize_inventory", f"{cart.type.label} carts cannot synchronize inventory")


@transaction.atomic
def add_cart(store_name: str, cart_type: str, **fields: Any) -> Cart:
    if cart_type not in CART_TYPES:
        raise InputError("cart_type", f"must be one of {', '.join(CART_TYPES)}, not {cart_type!r}")
    cart = Cart(store_name=_check_store_name(store_name, None), cart_type=cart_type)
    _apply(cart, fields)
    cart.save()
    return cart


@transaction.atomic
def edit_cart(cart: Cart, *, store_name: str | None = None, **fields: Any) -> Cart:
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    if store_name is not None:
        cart.store_name = _check_store_name(store_name, cart)
    _apply(cart, fields)
    cart.save()
    return cart


@transaction.atomic
def delete_cart(cart: Cart) -> None:
    count = cart.orders.count()
    if count:
        raise InputError("cart", f"{cart.store_name} has {count} order(s); untick Active instead of deleting it")
    cart.delete()
