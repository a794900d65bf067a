"""Putting records on the stack, inside the caller's transaction (a transactional outbox)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.orders.models import Order
from ordermanager.stack.models import OPEN_STATES, RecordKind, StackRecord, State


def status_update_key(order: Order) -> str:
    return f"{RecordKind.STATUS_UPDATE}:order:{order.pk}"


def enqueue(
    kind: str, cart: Cart | None, key: str, reason: str, order: Order | None = None, sku: str = ""
) -> StackRecord:
    """Add a record, or fold the change into the open record with the same key.

    Must run inside the transaction that made the change, so the record and the change commit
    together. The partial unique index on open keys settles races between two writers: the loser
    folds its change into the winner's record.
    """
    assert transaction.get_connection().in_atomic_block, "enqueue must run inside the action's transaction"
    for _ in range(3):
        # Most changes open a new record: one INSERT that steps aside if an open record holds the key.
        created = _insert_unless_open(
            StackRecord(
                kind=kind,
                cart=cart,
                order=order,
                sku=sku,
                coalesce_key=key,
                reasons=[reason],
                state=State.PENDING,
                next_attempt_at=timezone.now(),
            )
        )
        if created is not None:
            return created
        record = StackRecord.objects.select_for_update().filter(coalesce_key=key, state__in=OPEN_STATES).first()
        if record is not None:
            if reason not in record.reasons:
                record.reasons = [*record.reasons, reason]
            record.coalesced += 1
            record.save(update_fields=["reasons", "coalesced", "updated_at"])
            return record
        # the open record was claimed between the two statements: try again
    raise RuntimeError(f"could not enqueue {key}")


def _insert_unless_open(record: StackRecord) -> StackRecord | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id (PostgreSQL and SQLite ≥ 3.35): the record, or None when
    the partial unique index says its key has an open record already. No savepoint, and the transaction
    stays usable either way."""
    connection = transaction.get_connection()
    meta = StackRecord._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(record, True), connection) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Names come from the model, values are bound parameters.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"  # noqa: E501, S608
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    record.pk = row[0]
    record._state.adding = False
    return record


def enqueue_status_update(order: Order, reason: str) -> StackRecord:
    assert order.cart is not None
    return enqueue(RecordKind.STATUS_UPDATE, order.cart, status_update_key(order), reason, order=order)


def enqueue_inventory_update(cart: Cart, sku: str, reason: str) -> StackRecord:
    """The SKU's level goes to the cart; the quantity is read when it is sent, so a burst sends the last one."""
    return enqueue(
        RecordKind.INVENTORY_UPDATE, cart, f"{RecordKind.INVENTORY_UPDATE}:cart:{cart.pk}:sku:{sku}", reason, sku=sku
    )


def enqueue_email(order: Order, reason: str) -> StackRecord:
    """A tracking e-mail to the buyer; written when the e-mail is sent, from the order as it is then."""
    return enqueue(RecordKind.EMAIL, None, f"{RecordKind.EMAIL}:order:{order.pk}", reason, order=order)
