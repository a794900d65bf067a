"""Which connector serves which cart type."""

from __future__ import annotations

from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.models import Cart
from ordermanager.stack.limits import AccountGate


def _connector_class(cart: Cart) -> type[Connector]:
    if cart.cart_type == "channeladvisor":
        from ordermanager.carts.connectors.channeladvisor.connector import ChannelAdvisorConnector

        return ChannelAdvisorConnector
    if cart.cart_type == "generic":
        from ordermanager.carts.connectors.generic import GenericConnector

        return GenericConnector
    raise CartError(ErrorKind.PERMANENT, f"{cart.type.label} carts have no connection to send to or read from")


def connector_for(cart: Cart, gate: AccountGate | None = None) -> Connector:
    """A connection to the cart. `gate` paces its calls; the stack controller shares one per account."""
    return _connector_class(cart)(cart, gate)


def check_secrets(cart: Cart) -> None:
    """The CartError a connection would raise for secrets it cannot read, without opening one (cheap enough
    for a page)."""
    _connector_class(cart).check_secrets(cart)
