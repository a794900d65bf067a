"""The only door to stock levels. A change queues a stock record for every cart that synchronizes inventory.

Levels are kept per warehouse; the product's `quantity_on_hand` is their sum, written in the same
transaction. Every change writes a StockMove (the product's history). A stock record names only the
cart and the SKU: the levels are read when it is sent, so a burst of changes sends the last one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.inserts import insert_all
from ordermanager.inventory.models import CartProduct, CenterMapping, Product, StockLevel, StockMove, Warehouse
from ordermanager.params import actions as params
from ordermanager.stack.models import RecordKind, StackRecord, State
from ordermanager.stack.outbox import enqueue_inventory_update

MAX_STOCK = 10_000_000
DEFAULT_WAREHOUSE = "MAIN"


def syncing_carts() -> list[Cart]:
    """Active carts whose Synchronize Inventory is ticked, whose type can take stock, and where SynchQOH is on."""
    carts = Cart.objects.filter(active=True, synchronize_inventory=True).select_related("channeladvisor")
    return [c for c in carts if c.type.syncs_inventory and params.get("SynchQOH", cart=c)]


def _sync(skus: Iterable[str], reason: str, carts: list[Cart] | None = None) -> int:
    queued = 0
    carts = syncing_carts() if carts is None else carts
    for sku in skus:
        for cart in carts:
            enqueue_inventory_update(cart, sku, reason)
            queued += 1
    return queued


def check_sku(sku: str) -> str:
    text = (sku or "").strip()
    if not text or len(text) > 100:
        raise InputError("sku", f"a SKU is 1 to 100 characters, not {sku!r}")
    return text


def _check_quantity(field: str, value: int, *, signed: bool) -> int:
    low = -MAX_STOCK if signed else 0
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_STOCK or (signed and not value):
        rule = f"a non-zero whole number from -{MAX_STOCK} to {MAX_STOCK}" if signed else f"0 to {MAX_STOCK}"
        raise InputError(field, f"must be {rule}, not {value!r}")
    return value


def default_warehouse() -> Warehouse:
    return Warehouse.objects.order_by("id").first() or _first_warehouse()


def _first_warehouse() -> Warehouse:
    """There is none yet: the first place stock is counted."""
    return Warehouse.objects.create(code=DEFAULT_WAREHOUSE, name="Main warehouse")


def get_warehouse(code: str | None) -> Warehouse:
    default = default_warehouse()  # there is always one: the first place stock is counted
    if not code:
        return default
    found = Warehouse.objects.filter(code__iexact=code.strip()).first()
    if found is None:
        known = ", ".join(Warehouse.objects.values_list("code", flat=True)) or "none yet"
        raise InputError("warehouse", f"there is no warehouse {code!r} (known: {known}); add it first")
    return found


@transaction.atomic
def add_warehouse(code: str, name: str = "") -> Warehouse:
    text = (code or "").strip().upper()
    if not text or len(text) > 30 or not text.replace("-", "").replace("_", "").isalnum():
        raise InputError("code", f"a warehouse code is 1 to 30 letters, digits, - or _, not {code!r}")
    if Warehouse.objects.filter(code=text).exists():
        raise InputError("code", f"warehouse {text} already exists")
    default_warehouse()  # the default comes first, so adding a second never moves where sales are taken
    return Warehouse.objects.create(code=text, name=name[:100])


def _move(product: Product, warehouse: Warehouse, *, to: int | None, by: int | None, reason: str, actor: str) -> int:
    """Set or change one level; returns the change (0 when the level already was `to`)."""
    level, _ = StockLevel.objects.select_for_update().get_or_create(product=product, warehouse=warehouse)
    change = (to - level.quantity) if to is not None else (by or 0)
    if not change:
        return 0
    level.quantity += change
    level.save(update_fields=["quantity"])
    StockMove.objects.create(
        product=product, warehouse=warehouse, change=change, quantity_after=level.quantity, reason=reason, actor=actor
    )
    product.quantity_on_hand = product.stock_levels.aggregate(n=Sum("quantity"))["n"] or 0
    product.save(update_fields=["quantity_on_hand", "updated_at"])
    return change


@transaction.atomic
def set_stock(
    sku: str,
    quantity: int,
    *,
    warehouse: str | None = None,
    title: str = "",
    reason: str = "stock count",
    actor: str = "",
) -> Product:
    """Set the quantity on hand at a warehouse (a stock count), creating the product if it is new.

    Setting the level it already has changes nothing and queues nothing (so a file imported twice is harmless).
    """
    _check_quantity("quantity", quantity, signed=False)
    place = get_warehouse(warehouse)
    product, created = Product.objects.select_for_update().get_or_create(
        sku=check_sku(sku), defaults={"title": title[:300]}
    )
    if title and not created and product.title != title[:300]:
        product.title = title[:300]
        product.save(update_fields=["title", "updated_at"])
    if _move(product, place, to=quantity, by=None, reason=reason, actor=actor) or created:
        _sync([product.sku], reason)
    return product


@transaction.atomic
def adjust_stock(
    sku: str, change: int, *, warehouse: str | None = None, reason: str = "adjustment", actor: str = ""
) -> Product:
    """Add or take away stock of a known SKU at a warehouse."""
    _check_quantity("quantity", change, signed=True)
    place = get_warehouse(warehouse)
    product = Product.objects.select_for_update().filter(sku=check_sku(sku)).first()
    if product is None:
        raise InputError("sku", f"there is no product {sku!r}; set its stock first (ordermanager stock set)")
    _move(product, place, to=None, by=change, reason=(reason or "adjustment")[:200], actor=actor)
    _sync([product.sku], reason)
    return product


def record_sales(sold: Iterable[tuple[str, int]], reason: str, *, titles: dict[str, str] | None = None) -> None:
    """Inside an order action: units sold (or, when negative, back in stock) at the default warehouse.

    A SKU not kept yet becomes a product (with the line's title). The queries do not grow with the
    order's lines: one upsert of products, one of levels, one INSERT of moves.
    """
    record_sales_of([(reason, sold)], titles=titles)


def record_sales_of(
    sales: Sequence[tuple[str, Iterable[tuple[str, int]]]], *, titles: dict[str, str] | None = None
) -> None:
    """`record_sales` for several orders at once (a page of imported orders), each with its reason: a move per
    order and SKU as if each were recorded alone, in the same queries as one order."""
    each: list[tuple[str, dict[str, int]]] = []
    totals: dict[str, int] = {}
    for reason, sold in sales:
        mine: dict[str, int] = {}
        for sku, quantity in sold:
            if sku:
                mine[sku] = mine.get(sku, 0) + quantity
        mine = {sku: n for sku in sorted(mine) if (n := mine[sku])}
        each.append((reason, mine))
        for sku, n in mine.items():
            totals[sku] = totals.get(sku, 0) + n
    totals = dict(sorted(totals.items()))  # sorted: rows are locked in one order
    if not totals:
        return
    titles = titles or {}
    q = connection.ops.quote_name
    # The default warehouse (the first) comes back with the products: no query of its own.
    first_warehouse = f"(SELECT MIN({q('id')}) FROM {q(Warehouse._meta.db_table)})"  # noqa: S608 (quoted names)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    products = _upsert(
        Product,
        ["sku", "title", "quantity_on_hand", "updated_at"],
        [(sku, titles.get(sku, "")[:300], -n, now) for sku, n in totals.items()],
        conflict=["sku"],
        add="quantity_on_hand",
        returning=f"{q('id')}, {q('sku')}, {first_warehouse}",
    )
    ids = {sku: pk for pk, sku, _ in products}
    place = products[0][2] or _first_warehouse().pk  # none yet: the first sale ever creates it
    after = dict(
        _upsert(
            StockLevel,
            ["product_id", "warehouse_id", "quantity"],
            [(ids[sku], place, -n) for sku, n in totals.items()],
            conflict=["product_id", "warehouse_id"],
            add="quantity",
            returning=f"{q('product_id')}, {q('quantity')}",
        )
    )
    # Each move's level after it: the level before all of them (the upsert holds the rows until the
    # transaction ends, so no other change comes between), then each order's change in turn.
    level = {ids[sku]: after[ids[sku]] + n for sku, n in totals.items()}
    moves = []
    for reason, mine in each:
        for sku, n in mine.items():
            pk = ids[sku]
            level[pk] -= n
            moves.append(
                StockMove(product_id=pk, warehouse_id=place, change=-n, quantity_after=level[pk], reason=reason[:200])
            )
    insert_all(moves)
    carts = syncing_carts()
    for reason, mine in each:
        _sync(mine, reason, carts)


def _upsert(
    model: type[Model],
    columns: list[str],
    rows: list[tuple[Any, ...]],
    *,
    conflict: list[str],
    add: str,
    returning: str,
) -> list[tuple[Any, ...]]:
    """INSERT the rows; a row already there gets `add` added to it (`SET n = n + new`, atomic under concurrency).

    Returns `returning` (SQL) of every row as it is after the statement. SQLite 3.35+ and PostgreSQL both speak it;
    the ORM's bulk_create can only overwrite a conflicting row, not add to it.
    """
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    sql = (
        f"INSERT INTO {table} ({', '.join(map(q, columns))}) VALUES {values} "  # noqa: S608 (quoted names; values are parameters)
        f"ON CONFLICT ({', '.join(map(q, conflict))}) DO UPDATE SET {q(add)} = {table}.{q(add)} + excluded.{q(add)} "
        f"RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return list(cursor.fetchall())


def unconfirmed_skus(cart: Cart) -> QuerySet[Product]:
    """Products whose level the cart has not confirmed since it last changed (never sent, or changed since)."""
    last_sent = StackRecord.objects.filter(
        cart=cart, kind=RecordKind.INVENTORY_UPDATE, sku=OuterRef("sku"), state=State.SENT
    ).order_by("-sent_at")
    return Product.objects.annotate(sent=Subquery(last_sent.values("sent_at")[:1])).filter(
        Q(sent__isnull=True) | Q(updated_at__gt=F("sent"))
    )


@transaction.atomic
def queue_levels(cart: Cart, *, every_sku: bool, limit: int | None = None, reason: str = "Send QOH") -> list[int]:
    """Send QOH by hand, or a full resync (`every_sku`): a stock record per SKU, at most `limit` of them.

    Returns the records' IDs (a SKU already waiting folds into its open record).
    """
    if not (cart.active and cart.synchronize_inventory and cart.type.syncs_inventory):
        raise InputError("cart", f"{cart.store_name} does not synchronize inventory (tick Synchronize Inventory)")
    if limit is not None and limit < 1:
        raise InputError("max", f"must be at least 1, not {limit}")
    products = Product.objects.all() if every_sku else unconfirmed_skus(cart)
    chosen = products.order_by("sku").values_list("sku", flat=True)
    return [enqueue_inventory_update(cart, sku, reason).pk for sku in chosen[:limit]]


# --- where levels go at a cart ---------------------------------------------------------------


@transaction.atomic
def map_center(cart: Cart, warehouse: str, center_id: int | None) -> CenterMapping | None:
    """Show a warehouse's level in one of the cart's distribution centers (None: stop sending it there)."""
    place = get_warehouse(warehouse)
    CenterMapping.objects.filter(cart=cart, warehouse=place).delete()
    if center_id is None:
        return None
    if CenterMapping.objects.filter(cart=cart, center_id=center_id).exists():
        raise InputError("center", f"distribution center {center_id} already shows another warehouse of {cart}")
    return CenterMapping.objects.create(cart=cart, warehouse=place, center_id=center_id)


def remember_remote_id(cart: Cart, sku: str, remote_id: int) -> None:
    """The cart told us its ID for a SKU: kept, so the next change of the SKU costs one call."""
    CartProduct.objects.update_or_create(cart=cart, sku=sku, defaults={"remote_id": remote_id})


def forget_remote_id(cart: Cart, sku: str) -> None:
    """The cart answered 404 for the kept ID: look it up again next time."""
    CartProduct.objects.filter(cart=cart, sku=sku).delete()
