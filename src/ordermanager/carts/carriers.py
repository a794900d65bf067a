"""Shipping methods as each cart knows them: the mapping table, and the carrier/class pairs the account takes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Upper
from django.db.models.lookups import Exact
from django.utils import timezone

from ordermanager.carts.models import CarrierMapping, Cart, KnownCarrierClass
from ordermanager.errors import InputError
from ordermanager.guards import check_row
from ordermanager.prepared import Prepared

Source = KnownCarrierClass.Source


def _clean(field: str, value: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InputError(field, "cannot be empty")
    if len(text) > 64:
        raise InputError(field, "is at most 64 characters")
    return text


def _known(cart: Cart, source: str) -> set[tuple[str, str]]:
    rows = cart.known_carriers.filter(source=source).values_list("cart_carrier", "cart_class")
    return {(c.lower(), k.lower()) for c, k in rows}


@transaction.atomic
def map_carrier(cart: Cart, carrier: str, shipping_class: str, cart_carrier: str, cart_class: str) -> list[str]:
    """Map our carrier and class to the cart's codes. Returns warnings; refuses a pair known to be refused."""
    carrier, shipping_class = _clean("carrier", carrier), _clean("class", shipping_class, required=False)
    cart_carrier, cart_class = _clean("cart_carrier", cart_carrier), _clean("cart_class", cart_class)
    pair = (cart_carrier.lower(), cart_class.lower())
    if pair in _known(cart, Source.REFUSED):
        raise InputError(
            "cart_carrier",
            f"{cart.store_name} refused {cart_carrier}/{cart_class} before; "
            "add the pair in ChannelAdvisor first, or choose another",
        )
    entered = _known(cart, Source.ENTERED)
    if entered and pair not in entered:
        listed = ", ".join(f"{c}/{k}" for c, k in sorted(entered))
        raise InputError(
            "cart_carrier",
            f"{cart_carrier}/{cart_class} is not on the carrier list entered for {cart.store_name} ({listed})",
        )
    warnings = []
    seen = _known(cart, Source.SEEN)
    if not entered and seen and pair not in seen:
        warnings.append(
            f"{cart_carrier}/{cart_class} has not been seen on any order from {cart.store_name}; "
            "check it against the account's carrier list in ChannelAdvisor"
        )
    CarrierMapping.objects.update_or_create(
        cart=cart,
        carrier__iexact=carrier,
        shipping_class__iexact=shipping_class,
        defaults={
            "carrier": carrier,
            "shipping_class": shipping_class,
            "cart_carrier": cart_carrier,
            "cart_class": cart_class,
        },
    )
    return warnings


@transaction.atomic
def unmap_carrier(cart: Cart, carrier: str, shipping_class: str) -> None:
    deleted, _ = CarrierMapping.objects.filter(
        cart=cart, carrier__iexact=carrier.strip(), shipping_class__iexact=shipping_class.strip()
    ).delete()
    if not deleted:
        raise InputError("carrier", f"{carrier} {shipping_class} is not mapped for {cart.store_name}")


def note_carrier_classes(cart: Cart, pairs: set[tuple[str, str]], source: str) -> None:
    """Remember pairs the account takes (entered or seen) or refused. A refusal overrides what was seen.

    One read for all the pairs, then at most an INSERT and an UPDATE. No transaction of its own: each pair
    is a memo that stands alone, and a pair an interruption left out is noted the next time it is seen.
    """
    if not pairs:
        return
    wanted = {(carrier.lower(), shipping_class.lower()): (carrier, shipping_class) for carrier, shipping_class in pairs}
    matching = Q()
    for carrier, shipping_class in wanted.values():
        matching |= Q(cart_carrier__iexact=carrier, cart_class__iexact=shipping_class)
    known = {(row.cart_carrier.lower(), row.cart_class.lower()): row for row in cart.known_carriers.filter(matching)}
    # Sorted: two imports of one cart (each noting its page's pairs in its page's transaction) take the rows'
    # locks in one order, so neither waits on the other in a circle.
    new = [
        KnownCarrierClass(cart=cart, cart_carrier=carrier, cart_class=shipping_class, source=source)
        for key, (carrier, shipping_class) in sorted(wanted.items())
        if key not in known
    ]
    for row in new:  # bulk_create skips the row guard that save() runs: every value must still fit its column
        check_row(KnownCarrierClass, row)
    # ignore_conflicts: noted meanwhile by another import, it is known either way
    KnownCarrierClass.objects.bulk_create(new, ignore_conflicts=True)
    renoted = [row.pk for row in known.values() if source == Source.REFUSED or row.source == Source.SEEN]
    if renoted:
        KnownCarrierClass.objects.filter(pk__in=renoted).update(source=source, noted_at=timezone.now())


def _same_text(column: str, value: str | OuterRef) -> Exact:
    """Case aside, the column is the value: what `iexact` asks, written so the value reaches the database as
    given (a prepared read binds it), or so it can be a column of the outer query."""
    return Exact(Upper(column), Upper(value if isinstance(value, OuterRef) else Value(value)))


# Where each table keeps a method's names, and which of its rows count: the mapping, then the pairs the
# account takes as typed (entered by the operator or seen on its orders).
_TABLES: tuple[tuple[type[CarrierMapping | KnownCarrierClass], str, str, dict[str, Any]], ...] = (
    (CarrierMapping, "carrier", "shipping_class", {}),
    (KnownCarrierClass, "cart_carrier", "cart_class", {"source__in": [Source.ENTERED, Source.SEEN]}),
)


def _matching(table: int, cart_id: int | OuterRef, carrier: str | OuterRef, shipping_class: str | OuterRef) -> QuerySet:
    model, carrier_column, class_column, only = _TABLES[table]
    return (
        model.objects.filter(cart_id=cart_id, **only)
        .filter(_same_text(carrier_column, carrier), _same_text(class_column, shipping_class))
        .order_by("id")
    )


def _codes(table: int) -> Prepared:
    """A prepared read of the cart's codes in one table for a shipping method."""
    return Prepared(
        lambda cart_id, carrier, shipping_class: _matching(table, cart_id, carrier, shipping_class).values_list(
            "cart_carrier", "cart_class"
        )[:1],
        int,
        str,
        str,
    )


_MAPPED, _TAKEN_AS_TYPED = _codes(0), _codes(1)


def codes_columns(cart_id: int, carrier: str, shipping_class: str) -> dict[str, Subquery]:
    """Columns that read the cart's codes for each row's shipping method (the outer query's `carrier` and
    `shipping_class` columns) with the row, instead of a read per method: mapped and as-typed carrier and
    class, in the order `pick_codes` takes them."""
    refs = OuterRef(carrier), OuterRef(shipping_class)
    return {
        f"codes_{table}_{column}": Subquery(_matching(table, cart_id, *refs).values(column)[:1])
        for table in range(len(_TABLES))
        for column in ("cart_carrier", "cart_class")
    }


def pick_codes(*columns: str | None) -> tuple[str, str] | None:
    """The codes from the columns of `codes_columns`: the first table that has the method."""
    for carrier, shipping_class in zip(columns[::2], columns[1::2], strict=True):
        if carrier is not None and shipping_class is not None:
            return carrier, shipping_class
    return None


def cart_codes(cart: Cart, carrier: str, shipping_class: str) -> tuple[str, str] | None:
    """The cart's codes for our shipping method: its mapping, or the same names if the account takes them."""
    for read in (_MAPPED, _TAKEN_AS_TYPED):
        found = read.rows(cart.pk, carrier, shipping_class)
        if found:
            return found[0]
    return None
