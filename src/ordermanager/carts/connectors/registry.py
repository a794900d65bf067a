"""Which connector serves which cart type."""

from __future__ import annotations

from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.models import Cart
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
