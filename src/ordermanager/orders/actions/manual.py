"""What the operator writes by hand: a status event fired from the Ship Dates & Status tab, a note."""

from __future__ import annotations

from collections.abc import Iterable

from ordermanager.errors import InputError
from ordermanager.orders import events
from ordermanager.orders.actions.common import (
    action,
    get_order,
    resolve_items,
)
from ordermanager.orders.models import Order
from ordermanager.statuses.catalogue import Scope, get_event
from ordermanager.statuses.engine import fire

MAX_NOTE = 2_000


@action
def fire_status_event(
    order: Order | int, event_id: str, *, actor: str, items: Iterable[int | str] | None = None
) -> Order:
    """Fire an event by hand. Tracking events need a tracking number on the order to be truthful."""
    order = get_order(order, lock=True)
    event = get_event(event_id)
    chosen = resolve_items(order, items)
    if chosen is not None and event.scope == Scope.ORDER:
        raise InputError("item", f"{event.id} is an order event; fire it without items")
    if event.carries_tracking:
        if order.tracking_numbers.filter(processed=False).exists():
            raise InputError(
                "event",
                f"order {order.pk} has unprocessed tracking numbers: Process Tracking Numbers fires {event.id} "
                "for them (ordermanager tracking process)",
            )
        if not order.tracking_numbers.exists():
            raise InputError("event", f"{event.id} says a tracking number was added, and order {order.pk} has none")
    events.status_event_fired_by_hand(order, event.id, actor)
    fire(order, event.id, actor=actor, items=chosen)
    return order


@action
def add_note(order: Order | int, text: str, *, actor: str) -> Order:
    order = get_order(order, lock=True)
    text = (text or "").strip()
    if not text:
        raise InputError("note", "a note cannot be empty")
    if len(text) > MAX_NOTE:
        raise InputError("note", f"is at most {MAX_NOTE:,} characters; {len(text):,} given")
    events.note_added(order, text, actor)
    return order
