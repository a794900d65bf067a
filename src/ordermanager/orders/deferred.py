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

from ordermanager.orders.models import Order, TimelineEntry


@dataclass
class _Pending:
    entries: list[TimelineEntry] = field(default_factory=list)
    orders: dict[int, tuple[Order, set[str]]] = field(default_factory=dict)


_pending: ContextVar[_Pending | None] = ContextVar("deferred_writes", default=None)


@contextmanager
def written_at_end() -> Iterator[None]:
    """Write what was deferred inside as the block ends (run it inside the action's transaction).

    A nested block that fails drops the entries it added: its savepoint rolled back what they told of.
    """
    pending = _pending.get()
    if pending is not None:
        mark = len(pending.entries)
        try:
            yield
        except BaseException:
            del pending.entries[mark:]
            raise
        return
    token = _pending.set(_Pending())
    try:
        yield
        done = _pending.get()
        assert done is not None
        for order, fields in done.orders.values():
            order.save(update_fields=[*sorted(fields), "updated_at"])
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
    _, known = pending.orders.setdefault(order.pk, (order, set()))
    known.update(fields)
