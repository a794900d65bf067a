"""Which connector serves which cart type: the one door through which the stack and importers reach a cart.

Each cart type names its connector (`carts/types.py`); the class is imported only when a cart of that
type is reached.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.connectors.pacing import AccountGate
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError

__all__ = [
    "AccountGate",
    "connector_for",
    "test_cart_settings",
]  # the stack paces an account through the gate it hands in


def connector_for(cart: Cart, gate: AccountGate | None = None) -> Connector:
    """A connection to the cart. `gate` paces its calls; the stack controller shares one per account."""
    if not cart.type.connector:
        raise CartError(ErrorKind.PERMANENT, f"{cart.type.label} carts have no connection to send to or read from")
    connector: type[Connector] = import_string(cart.type.connector)
    return connector(cart, gate)


def test_cart_settings(cart: Cart) -> str:
    """Test Settings: reach the cart with its saved settings. Returns what was found; a failure is an InputError
    naming `cart` (no connection for this type) or `settings` (the cart refused or could not be reached).

    It talks to the network: call it outside any database transaction.
    """

    try:
        connector = connector_for(cart)
    except CartError as error:
        raise InputError("cart", str(error)) from None
    try:
        return connector.test_settings()
    except CartError as error:
        raise InputError("settings", str(error)) from None
    finally:
        connector.close()
