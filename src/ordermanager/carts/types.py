"""Cart types, what each can do (the "Shopping Cart Matrix"), and which connector serves each.

The rules engine reads these capabilities; the connector registry reads `connector` (a dotted path, so
this module imports no connector and every connector may import it); the connector declares the same
type, so a cart type's abilities are written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Flag, auto


class Can(Flag):
    NOTHING = 0
    STATUS_UPDATES = auto()
    # Told of a shipment, not of a label (ChannelAdvisor): an update without tracking has nothing to say.
    NEEDS_TRACKING = auto()
    INVENTORY = auto()
    IMPORT_ORDERS = auto()


def _able(flag: Can) -> property:
    """A capability as a plain attribute of the cart type (`cart.type.imports_orders`)."""
    return property(lambda cart_type: flag in cart_type.can)


@dataclass(frozen=True)
class CartType:
    key: str
    label: str
    can: Can
    connector: str = ""  # dotted path of the Connector class; empty: carts of this type are not reached
    settings: str = ""  # related name of the model that holds this type's own fields, if any

    takes_status_updates = _able(Can.STATUS_UPDATES)
    needs_tracking_for_status_updates = _able(Can.NEEDS_TRACKING)
    syncs_inventory = _able(Can.INVENTORY)
    imports_orders = _able(Can.IMPORT_ORDERS)


_CONNECTORS = "ordermanager.carts.connectors"
CHANNELADVISOR = CartType(
    "channeladvisor",
    "ChannelAdvisor",
    Can.STATUS_UPDATES | Can.NEEDS_TRACKING | Can.INVENTORY | Can.IMPORT_ORDERS,
    connector=f"{_CONNECTORS}.channeladvisor.connector.ChannelAdvisorConnector",
    settings="channeladvisor",
)
GENERIC = CartType(
    "generic",
    "Generic (Order Manager Developer Specification)",
    Can.STATUS_UPDATES | Can.INVENTORY,
    connector=f"{_CONNECTORS}.generic.GenericConnector",
    settings="generic",
)
MANUAL = CartType("manual", "Manual / phone orders", Can.NOTHING)

CART_TYPES: dict[str, CartType] = {t.key: t for t in (CHANNELADVISOR, GENERIC, MANUAL)}
