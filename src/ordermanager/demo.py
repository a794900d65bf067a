"""The demo cart: the ChannelAdvisor sandbox's published demo account (docs/sandbox.md), as a cart here.

The order manager never imports the sandbox; it reaches it over HTTP like any ChannelAdvisor account,
with these settings. `make run`, the tests and the benchmarks all set their cart up through this module.
"""

from __future__ import annotations

from ordermanager.carts import actions as carts
from ordermanager.carts.models import Cart

DEMO_CART = "ChannelAdvisor Demo"
DEMO_ACCOUNT = {
    "account_id": "a1b2c3d4-0001-4a5b-8c9d-0123456789ab",
    "profile_id": 12345678,
    "application_id": "demo-application",
    "shared_secret": "demo-shared-secret",
    "refresh_token": "demo-refresh-token",
    "member_name": "demo@example.com",
}
SECOND_PROFILE = {"account_id": "a1b2c3d4-0002-4a5b-8c9d-0123456789ab", "profile_id": 12345679}


def add_demo_cart(sandbox_url: str, store_name: str = DEMO_CART, *, second_profile: bool = False) -> Cart:
    """A ChannelAdvisor cart on the sandbox's demo account.

    Its shipping methods need no mapping once orders are imported: the carrier and class on them are
    pairs the account takes, and a method with the same names ships as itself.
    """
    account = {**DEMO_ACCOUNT, **(SECOND_PROFILE if second_profile else {})}
    return carts.add_cart(store_name, "channeladvisor", api_base_url=sandbox_url, **account)
