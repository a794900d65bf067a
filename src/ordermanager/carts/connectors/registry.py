"""Which connector serves which cart type: the one door through which the stack and importers reach a cart.

Each cart type names its connector (`carts/types.py`); the class is imported only when a cart of that
type is reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.utils.module_loading import import_string

from ordermanager.carts.connectors.base import CartError, Connector, ErrorKind
from ordermanager.carts.connectors.pacing import AccountGate
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError

T = TypeVar("T")

# The stack paces an account through the gate it hands in.
__all__ = ["AccountGate", "ask_cart", "check_secrets", "connector_for", "test_cart_settings"]


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


def test_cart_settings(cart: Cart) -> str:
    """Test Settings: reach the cart with its saved settings. Returns what was found; a failure is an InputError
    naming `cart` (no connection for this type) or `settings` (the cart refused or could not be reached).

    It talks to the network: call it outside any database transaction.
    """
    return ask_cart(cart, lambda connector: connector.test_settings())


def ask_cart(cart: Cart, question: Callable[[Connector], T]) -> T:
    """One question to the cart over a connector of its own (Test Settings, its distribution centers), with
    the same errors as test_cart_settings. It talks to the network: call it outside any transaction."""
    try:
        connector = connector_for(cart)
    except CartError as error:
        raise InputError("cart", str(error)) from None
    try:
        return question(connector)
    except CartError as error:
        raise InputError("settings", str(error)) from None
    finally:
        connector.close()
