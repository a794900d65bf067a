"""What an action writes once, as it ends: its timeline entries in one INSERT, and its changed orders in one UPDATE
for each set of new values (a page of imported orders that all took the same label is one UPDATE).

An action that fires seven events would otherwise insert a timeline entry and save the order for each of
them. Here they wait until the action's block ends and are written then, still inside its transaction, so
they commit or roll back with the rest. Outside an action they are written at once.

Items' labels wait too, but only in an action that asks for it (`item_labels=True`): one that entered the items
itself and reads none back from the database, since a read inside the action would see the old label.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from ordermanager.inserts import insert_all
from ordermanager.orders.models import Order, OrderItem, TimelineEntry


@dataclass
class _Pending:
    entries: list[TimelineEntry] = field(default_factory=list)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)  # order id → field → value
    item_labels: dict[str, list[int]] | None = None  # label → item ids; None: written at once


_pending: ContextVar[_Pending | None] = ContextVar("deferred_writes", default=None)


@contextmanager
def written_at_end(*, item_labels: bool = False) -> Iterator[None]:
    """Write what was deferred inside as the block ends (run it inside the action's transaction).

    A nested block that fails drops what it deferred: its savepoint rolled back what that told of.
    """
    pending = _pending.get()
    if pending is not None:
        mark, orders = len(pending.entries), {pk: dict(values) for pk, values in pending.orders.items()}
        labels = None if pending.item_labels is None else {k: list(v) for k, v in pending.item_labels.items()}
        try:
            yield
        except BaseException:
            del pending.entries[mark:]
            pending.orders, pending.item_labels = orders, labels
            raise
        return
    token = _pending.set(_Pending(item_labels={} if item_labels else None))
    try:
        yield
        done = _pending.get()
        assert done is not None
        now = timezone.now()
        for pks, values in _same_values(done.orders):
            Order.objects.filter(pk__in=pks).update(**values, updated_at=now)
        for label, item_ids in (done.item_labels or {}).items():
            OrderItem.objects.filter(pk__in=item_ids).update(status_label=label)
        if done.entries:
            insert_all(done.entries)
    finally:
        _pending.reset(token)


def _same_values(orders: dict[int, dict[str, Any]]) -> list[tuple[list[int], dict[str, Any]]]:
    """The orders grouped by the values they take: each group is one UPDATE."""
    groups: dict[frozenset[tuple[str, Any]], tuple[list[int], dict[str, Any]]] = {}
    for pk, values in orders.items():
        groups.setdefault(frozenset(values.items()), ([], values))[0].append(pk)
    return list(groups.values())


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


def save_item_labels(item_ids: list[int], label: str) -> None:
    """Give these items the label: at the action's end where it asked for that, else at once."""
    pending = _pending.get()
    if pending is None or pending.item_labels is None:
        OrderItem.objects.filter(pk__in=item_ids).update(status_label=label)
    else:
        pending.item_labels.setdefault(label, []).extend(item_ids)
