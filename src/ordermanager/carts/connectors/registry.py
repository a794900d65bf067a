"""Which connector serves which cart type."""

from __future__ import annotations

from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.stack.limits import AccountGate


def connector_for(cart: Cart, gate: AccountGate | None = None) -> Connector:
    """A connection to the cart. `gate` paces its calls; the stack controller shares one per account."""
    if cart.cart_type == "channeladvisor":
        from ordermanager.carts.connectors.channeladvisor.connector import ChannelAdvisorConnector

        return ChannelAdvisorConnector(cart, gate)
    if cart.cart_type == "generic":
        from ordermanager.carts.connectors.generic import GenericConnector

        return GenericConnector(cart, gate)
    raise CartError(ErrorKind.PERMANENT, f"{cart.type.label} carts have no connection to send to or read from")


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
