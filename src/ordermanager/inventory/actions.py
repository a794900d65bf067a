"""The only door to stock levels. A change queues a stock update for every cart that synchronizes inventory."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.inventory.models import Product
from ordermanager.params import actions as params
from ordermanager.stack.outbox import enqueue_inventory_update

MAX_STOCK = 10_000_000


def _sync(product: Product, reason: str, carts: Iterable[Cart] | None = None) -> int:
    """Queue the SKU's new level for each active cart that synchronizes inventory, where SynchQOH is on."""
    queued = 0
    for cart in _syncing_carts() if carts is None else carts:
        if cart.type.syncs_inventory and params.get("SynchQOH", cart=cart):
            enqueue_inventory_update(cart, product.sku, reason)
            queued += 1
    return queued


def _syncing_carts() -> list[Cart]:
    return list(Cart.objects.filter(active=True, synchronize_inventory=True))


def _check_sku(sku: str) -> str:
    text = (sku or "").strip()
    if not text or len(text) > 100:
        raise InputError("sku", "a SKU is 1 to 100 characters")
    return text


@transaction.atomic
def set_stock(sku: str, quantity: int, *, title: str = "") -> Product:
    """Set the quantity on hand (a stock count), creating the product if it is new."""
    if not isinstance(quantity, int) or not 0 <= quantity <= MAX_STOCK:
        raise InputError("quantity", f"must be a whole number from 0 to {MAX_STOCK}, not {quantity!r}")
    product, _ = Product.objects.select_for_update().get_or_create(sku=_check_sku(sku))
    product.quantity_on_hand = quantity
    if title:
        product.title = title[:300]
    product.save()
    _sync(product, "stock count")
    return product


@transaction.atomic
def adjust_stock(sku: str, delta: int, *, reason: str = "adjustment") -> Product:
    """Add or take away stock of a known SKU."""
    if not isinstance(delta, int) or delta == 0 or abs(delta) > MAX_STOCK:
        raise InputError("quantity", f"must be a non-zero whole number of at most {MAX_STOCK}, not {delta!r}")
    product = Product.objects.select_for_update().filter(sku=_check_sku(sku)).first()
    if product is None:
        raise InputError("sku", f"there is no product {sku!r}; set its stock first")
    product.quantity_on_hand += delta
    product.save(update_fields=["quantity_on_hand", "updated_at"])
    _sync(product, reason)
    return product


def record_sales(sold: Iterable[tuple[str, int]], reason: str) -> None:
    """Inside an order action: units sold (or, when negative, returned to stock) of known SKUs.

    One UPDATE for all the SKUs, so the queries do not grow with the order's lines.
    """
    totals: dict[str, int] = {}
    for sku, quantity in sold:
        totals[sku] = totals.get(sku, 0) + quantity
    if not totals:
        return
    taken = Case(*(When(sku=sku, then=Value(n)) for sku, n in totals.items()), output_field=IntegerField())
    if Product.objects.filter(sku__in=totals).update(quantity_on_hand=F("quantity_on_hand") - taken):
        carts = _syncing_carts()
        for product in Product.objects.filter(sku__in=totals):
            _sync(product, reason, carts)
