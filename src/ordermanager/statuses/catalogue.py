"""The fixed catalogue of status events. Users choose labels for them; they cannot add events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ordermanager.errors import InputError


class Scope(StrEnum):
    ORDER = "order"
    ITEM = "item"


@dataclass(frozen=True)
class StatusEvent:
    id: str
    name: str
    scope: Scope
    occurs_when: str
    # True only if every way the event can fire has a tracking number in hand. Carts that need
    # tracking with each status update (ChannelAdvisor) are notified only by such events.
    carries_tracking: bool = False


_O, _I = Scope.ORDER, Scope.ITEM

EVENTS: dict[str, StatusEvent] = {
    e.id: e
    for e in [
        StatusEvent("OrderImport", "Order Received", _O, "An order is imported from a cart or entered by hand"),
        StatusEvent("OrderApprove", "Order Approve", _O, "An order is approved for fulfilment"),
        StatusEvent("OrderLogPayment", "Payment Received", _O, "A payment is logged against the order"),
        StatusEvent("OrderPaymentDeclined", "Payment Declined", _O, "A payment is logged as declined"),
        StatusEvent("OrderRefund", "Order Refund", _O, "A refund is logged against the order"),
        StatusEvent("OrderHold", "Order Hold", _O, "An order is put on hold"),
        StatusEvent("OrderRelease", "Order Release", _O, "An order on hold is released"),
        StatusEvent("OrderPick", "Pick List Printed", _O, "The pick list for an order is printed"),
        StatusEvent(
            "OrderSetExpectedShipDate",
            "Order Set Expected Ship Date",
            _O,
            "The expected ship date is set for the whole order",
        ),
        StatusEvent(
            "OrderSetActualShipDate",
            "Order Set Actual Ship Date",
            _O,
            "The actual ship date is set for the whole order, or its last item gets one",
        ),
        StatusEvent(
            "OrderAddTrackingNumber",
            "Tracking Number Imported",
            _O,
            "A tracking number is added to the order and processed",
            carries_tracking=True,
        ),
        StatusEvent("OrderShip", "Order Shipped", _O, "The last unshipped item of the order ships"),
        StatusEvent("OrderCancel", "Order Cancel", _O, "The order is cancelled, or its last open item is"),
        StatusEvent("OrderReturn", "Order Return", _O, "Every shipped item of the order has been returned"),
        StatusEvent("ItemAdd", "Item Add", _I, "A line item is added to an order"),
        StatusEvent("ItemChange", "Item Change", _I, "A line item's SKU, title or quantity is changed"),
        StatusEvent("ItemCancel", "Item Cancel", _I, "A line item, or part of its quantity, is cancelled"),
        StatusEvent("ItemBackorder", "Item Backorder", _I, "A line item is put on backorder"),
        StatusEvent("ItemBackorderFilled", "Item Backorder Filled", _I, "A backordered line item is back in stock"),
        StatusEvent(
            "ItemSetExpectedShipDate", "Item Set Expected Ship Date", _I, "The expected ship date of an item is set"
        ),
        StatusEvent(
            "ItemSetActualShipDate",
            "Item Set Actual Ship Date",
            _I,
            "The actual ship date of an item is set: by hand, when the pick list is printed, or when "
            "tracking is processed (so it may fire without tracking)",
        ),
        StatusEvent(
            "ItemAddTrackingNumber",
            "Item Tracking Number Imported",
            _I,
            "A processed tracking number covers the item",
            carries_tracking=True,
        ),
        StatusEvent("ItemShip", "Item Shipped", _I, "The whole quantity of an item has shipped"),
        StatusEvent("ItemDropShipOrdered", "Drop Ship Ordered", _I, "A drop-ship order is placed for the item"),
        StatusEvent("ItemDropShipCanceled", "Drop Ship Canceled", _I, "An item's drop-ship order is cancelled"),
        StatusEvent("ItemReturn", "Item Return", _I, "A shipped item is returned"),
    ]
}


def get_event(event_id: str) -> StatusEvent:
    try:
        return EVENTS[event_id]
    except KeyError:
        raise InputError(
            "event", f"there is no status event {event_id!r}; the events are fixed (see `ordermanager events list`)"
        ) from None
