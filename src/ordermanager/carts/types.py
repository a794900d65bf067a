"""Cart types and what each can do (the "Shopping Cart Matrix").

The rules engine reads these capabilities; the connectors that implement the operations declare the
same type key, so a cart type's abilities are written down once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CartType:
    key: str
    label: str
    takes_status_updates: bool
    needs_tracking_for_status_updates: bool
    syncs_inventory: bool
    imports_orders: bool
    # The cart takes only its own carrier and class codes, so every shipping method needs a mapping.
    needs_carrier_mapping: bool = False


CHANNELADVISOR = CartType(
    key="channeladvisor",
    label="ChannelAdvisor",
    takes_status_updates=True,
    # ChannelAdvisor is told of a shipment, not of a label: an update without tracking has nothing to say.
    needs_tracking_for_status_updates=True,
    syncs_inventory=True,
    imports_orders=True,
    needs_carrier_mapping=True,
)
GENERIC = CartType(
    key="generic",
    label="Generic (Order Manager Developer Specification)",
    takes_status_updates=True,
    needs_tracking_for_status_updates=False,
    syncs_inventory=True,
    imports_orders=False,
)
MANUAL = CartType(
    key="manual",
    label="Manual / phone orders",
    takes_status_updates=False,
    needs_tracking_for_status_updates=False,
    syncs_inventory=False,
    imports_orders=False,
)

CART_TYPES: dict[str, CartType] = {t.key: t for t in (CHANNELADVISOR, GENERIC, MANUAL)}
