"""Fixtures shared by the order manager's tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts import actions as carts
from ordermanager.carts.carriers import map_carrier
from ordermanager.carts.models import Cart
from ordermanager.demo import add_demo_cart
from ordermanager.orders import actions
from ordermanager.orders.actions import NewItem
from ordermanager.orders.models import Order
from ordermanager.params import actions as params
from ordermanager.statuses.actions import load_default_status_events

ACTOR = "test"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    # Real hashing is deliberately slow; the suite creates users, it does not test the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


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


_channel_ids = itertools.count(5_000_001)


def new_order(cart: Cart | None = None, *skus_and_quantities: tuple[str, int], **fields: object) -> Order:
    """An order received from `cart` (with a cart order ID of its own), or entered by hand without one."""
    items = [NewItem(sku=s, quantity=q, title=f"Item {s}") for s, q in (skus_and_quantities or [("SKU-1", 2)])]
    if cart is not None:
        fields.setdefault("channel_order_id", str(next(_channel_ids)))
    return actions.receive_order(items, actor=ACTOR, cart=cart, **fields)


# --- the ChannelAdvisor sandbox, over real HTTP on loopback -------------------------------------

CA_METHODS = [("UPS", "Ground"), ("UPS", "Next Day Air"), ("FedEx", "Ground"), ("USPS", "Priority")]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxProcess]:
    """One sandbox process per test worker; each test resets it."""
    with SandboxProcess() as process:
        yield process


@pytest.fixture
def ca(sandbox: SandboxProcess) -> Iterator[SandboxControl]:
    """The sandbox, reset and seeded with the demo account (two profiles, carriers, DCs, products; no orders)."""
    with sandbox.control() as control:
        control.reset()
        control.seed(**demo.payload())
        yield control


def make_sandbox_cart(sandbox: SandboxProcess, name: str = "CA Sandbox", **fields: object) -> Cart:
    """The demo account as a cart, with a few shipping methods mapped the way a merchant would."""
    cart = add_demo_cart(sandbox.base_url, name, **fields)
    for carrier, shipping_class in CA_METHODS:
        map_carrier(cart, carrier, shipping_class, carrier, shipping_class)
    return cart


@pytest.fixture
def sandbox_cart(db: None, sandbox: SandboxProcess, ca: SandboxControl) -> Cart:
    return make_sandbox_cart(sandbox)


def sandbox_order(ca: SandboxControl, *quantities: int, **fields: object) -> int:
    """Seed one unshipped, paid order in the sandbox with items of the given quantities; return its ID."""
    items = [
        {"Sku": f"WID-{n:03d}", "Title": f"Widget model {n}", "Quantity": q, "UnitPrice": 10.0}
        for n, q in enumerate(quantities or (1,), start=1)
    ]
    order = {
        "ProfileID": demo.PROFILE_ID,
        "Items": items,
        "RequestedShippingCarrier": "UPS",
        "RequestedShippingClass": "Ground",
        **fields,
    }
    return ca.seed(orders=[order])["order_ids"][0]
