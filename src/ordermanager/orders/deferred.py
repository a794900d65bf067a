"""What an action writes once, as it ends: its timeline entries in one INSERT, and each changed order in one UPDATE.

An action that fires seven events would otherwise insert a timeline entry and save the order for each of
them. Here they wait until the action's block ends and are written then, still inside its transaction, so
they commit or roll back with the rest. Outside an action they are written at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from ordermanager.orders.models import Order, TimelineEntry


@dataclass
class _Pending:
    entries: list[TimelineEntry] = field(default_factory=list)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)  # order id → field → value


_pending: ContextVar[_Pending | None] = ContextVar("deferred_writes", default=None)


@contextmanager
def written_at_end() -> Iterator[None]:
    """Write what was deferred inside as the block ends (run it inside the action's transaction).

    A nested block that fails drops what it deferred: its savepoint rolled back what that told of.
    """
    pending = _pending.get()
    if pending is not None:
        mark, orders = len(pending.entries), {pk: dict(values) for pk, values in pending.orders.items()}
        try:
            yield
        except BaseException:
            del pending.entries[mark:]
            pending.orders = orders
            raise
        return
    token = _pending.set(_Pending())
    try:
        yield
        done = _pending.get()
        assert done is not None
        for pk, values in done.orders.items():
            Order.objects.filter(pk=pk).update(**values, updated_at=timezone.now())
        if done.entries:
            TimelineEntry.objects.bulk_create(done.entries)
    finally:
        _pending.reset(token)


def add_entry(entry: TimelineEntry) -> TimelineEntry:
    pending = _pending.get()
    if pending is None:
        entry.save()
    else:
        pending.entries.append(entry)
    return entry


def save_order(order: Order, *fields: str) -> None:
    """Save these fields of the order (the object in hand holds the new values) once the action ends."""
    pending = _pending.get()
    if pending is None:
        order.save(update_fields=[*fields, "updated_at"])
        return
    # The values now, by field: whichever object of this order changed a field last decides it.
    pending.orders.setdefault(order.pk, {}).update({name: getattr(order, name) for name in fields})
