"""Putting records on the stack, inside the caller's transaction (a transactional outbox)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.orders.models import Order
from ordermanager.stack.models import OPEN_STATES, Kind, StackRecord, State


def status_update_key(order: Order) -> str:
    return f"{Kind.STATUS_UPDATE}:order:{order.pk}"


def enqueue(kind: str, cart: Cart, key: str, reason: str, order: Order | None = None) -> StackRecord:
    """Add a record, or fold the change into the open record with the same key.

    Must run inside the transaction that made the change, so the record and the change commit
    together. The partial unique index on open keys settles races between two writers: the loser
    folds its change into the winner's record.
    """
    assert transaction.get_connection().in_atomic_block, "enqueue must run inside the action's transaction"
    for _ in range(3):
        record = StackRecord.objects.select_for_update().filter(coalesce_key=key, state__in=OPEN_STATES).first()
        if record is not None:
            if reason not in record.reasons:
                record.reasons = [*record.reasons, reason]
            record.coalesced += 1
            record.save(update_fields=["reasons", "coalesced", "updated_at"])
            return record
        try:
            with transaction.atomic():
                return StackRecord.objects.create(
                    kind=kind,
                    cart=cart,
                    order=order,
                    coalesce_key=key,
                    reasons=[reason],
                    state=State.PENDING,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            continue  # another writer opened the record meanwhile: fold into it
    raise RuntimeError(f"could not enqueue {key}")


def enqueue_status_update(order: Order, reason: str) -> StackRecord:
    assert order.cart is not None
    return enqueue(Kind.STATUS_UPDATE, order.cart, status_update_key(order), reason, order=order)
