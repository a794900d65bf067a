"""Putting records on the stack, inside the caller's transaction (a transactional outbox)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.inserts import insert
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
        # No savepoint, and the transaction stays usable when the partial unique index says the key is open.
        created = StackRecord(
            kind=kind,
            cart=cart,
            order=order,
            sku=sku,
            coalesce_key=key,
            reasons=[reason],
            state=State.PENDING,
            next_attempt_at=timezone.now(),
        )
        if insert(created, unless_taken=True):
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
