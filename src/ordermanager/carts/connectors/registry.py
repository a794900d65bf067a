"""Which connector serves which cart type: the one door through which the stack and importers reach a cart.

Each cart type names its connector (`carts/types.py`); the class is imported only when a cart of that
type is reached.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.connectors.pacing import AccountGate
from ordermanager.carts.models import Cart

# The stack paces an account through the gate it hands in.
__all__ = ["AccountGate", "check_secrets", "connector_for"]


def _connector_class(cart: Cart) -> type[Connector]:
    if not cart.type.connector:
        raise CartError(ErrorKind.PERMANENT, f"{cart.type.label} carts have no connection to send to or read from")
    return import_string(cart.type.connector)


def connector_for(cart: Cart, gate: AccountGate | None = None) -> Connector:
    """A connection to the cart. `gate` paces its calls; the stack controller shares one per account."""
    return _connector_class(cart)(cart, gate)


def check_secrets(cart: Cart) -> None:
    """The CartError a connection would raise for secrets it cannot read, without opening one (cheap enough
    for a page)."""
    _connector_class(cart).check_secrets(cart)
