"""Stock figures CA derives: pending quantities from open orders, and what each UpdateType means."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from casandbox import shipping
from casandbox.state import State

CHECKED_OUT = ("Completed", "CompletedAndVisited", "CompletedOffline")
PAID = ("Cleared", "Deposited")


class PendingQuantities:
    """Per (profile, SKU): units waiting for checkout, for payment, and for shipment."""

    def __init__(self) -> None:
        self._version = -1
        self._table: dict[tuple[int, str], list[int]] = {}

    def get(self, state: State, profile_id: int, sku: str) -> tuple[int, int, int]:
        if self._version != state.orders_version:
            self._table = _compute(state)
            self._version = state.orders_version
        checkout, payment, shipment = self._table.get((profile_id, sku), (0, 0, 0))
        return checkout, payment, shipment


def _compute(state: State) -> dict[tuple[int, str], list[int]]:
    table: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for order in state.orders.values():
        if order["ShippingStatus"] in ("Shipped", "Canceled"):
            continue
        if order["CheckoutStatus"] not in CHECKED_OUT:
            bucket = 0
        elif order["PaymentStatus"] not in PAID:
            bucket = 1
        else:
            bucket = 2
        remaining = shipping.remaining_by_item(order)
        for item in order["Items"]:
            if remaining[item["ID"]] > 0:
                table[(order["ProfileID"], item["Sku"])][bucket] += remaining[item["ID"]]
    return table


def derived(state: State, pending: PendingQuantities, product: dict[str, Any]) -> dict[str, Any]:
    """The product as CA shows it: DC rows summed, pending figures from the emulated orders."""
    live = [
        row["AvailableQuantity"]
        for row in product["DCQuantities"]
        if not state.dcs.get((product["ProfileID"], row["DistributionCenterID"]), {}).get("IsDeleted")
    ]
    checkout, payment, shipment = pending.get(state, product["ProfileID"], product["Sku"])
    available = sum(live) if live else None
    allocated = product.get("OpenAllocatedQuantity") or 0
    figures = {
        "TotalAvailableQuantity": available,
        "OpenAllocatedQuantity": allocated,
        "PendingCheckoutQuantity": checkout,
        "PendingPaymentQuantity": payment,
        "PendingShipmentQuantity": shipment,
        "TotalQuantity": (available or 0) + allocated + checkout + payment + shipment,
    }
    for name in list(figures):
        if name != "TotalAvailableQuantity":
            figures[f"{name}Pooled"] = figures[name]
    return {**product, **figures}


def deduction(update_type: str, figures: dict[str, Any]) -> int:
    """What CA subtracts from the sent quantity for each QuantityUpdateType."""
    allocated = figures["OpenAllocatedQuantity"]
    if update_type == "Available":
        return allocated
    if update_type == "InStock":
        return allocated + figures["PendingCheckoutQuantity"] + figures["PendingPaymentQuantity"]
    if update_type == "UnShipped":
        return (
            allocated
            + figures["PendingCheckoutQuantity"]
            + figures["PendingPaymentQuantity"]
            + figures["PendingShipmentQuantity"]
        )
    return 0
