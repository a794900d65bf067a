"""Which connector serves which cart type: the one door through which the stack and importers reach a cart.

Each cart type names its connector (`carts/types.py`); the class is imported only when a cart of that
type is reached.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.connectors.pacing import AccountGate
from ordermanager.carts.models import Cart

__all__ = ["AccountGate", "connector_for"]  # the stack paces an account through the gate it hands in


def connector_for(cart: Cart, gate: AccountGate | None = None) -> Connector:
    """A connection to the cart. `gate` paces its calls; the stack controller shares one per account."""
    if not cart.type.connector:
        raise CartError(ErrorKind.PERMANENT, f"{cart.type.label} carts have no connection to send to or read from")
    connector: type[Connector] = import_string(cart.type.connector)
    return connector(cart, gate)
