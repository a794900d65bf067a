"""Writing to an order's timeline."""

from __future__ import annotations

from typing import Any

from ordermanager.orders.models import Order, TimelineEntry

Kind = TimelineEntry.Kind


def record(order: Order, kind: str, message: str, actor: str, **data: Any) -> TimelineEntry:
    return TimelineEntry.objects.create(order=order, kind=kind, message=message, actor=actor, data=data)
