"""Fixtures shared by the order manager's tests."""

from __future__ import annotations

import pytest

from ordermanager.carts import service as carts
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.actions import NewItem
from ordermanager.orders.models import Order
from ordermanager.params import service as params
from ordermanager.statuses.rules import load_default_status_events

ACTOR = "test"


@pytest.fixture
def status_updates(db: None) -> None:
    """The set-up the help page describes: UseStatusUpdates on and the default status events loaded."""
    params.set_parameter("UseStatusUpdates", "True")
    load_default_status_events()


@pytest.fixture
def ca_cart(db: None) -> Cart:
    return carts.add_cart(
        "Channel Store", "channeladvisor", account_id="11111111-2222-3333-4444-555555555555", profile_id=12345678
    )


@pytest.fixture
def generic_cart(db: None) -> Cart:
    return carts.add_cart("Web Store", "generic", script_url="http://127.0.0.1:9/seom.php")


def new_order(cart: Cart | None = None, *skus_and_quantities: tuple[str, int], **fields: object) -> Order:
    items = [NewItem(sku=s, quantity=q, title=f"Item {s}") for s, q in (skus_and_quantities or [("SKU-1", 2)])]
    return actions.receive_order(items, actor=ACTOR, cart=cart, **fields)
