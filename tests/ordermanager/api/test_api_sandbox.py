"""Through the API to ChannelAdvisor: the same POST twice with one Idempotency-Key reaches the sandbox once."""

from __future__ import annotations

import pytest

from casandbox.testing import SandboxControl
from ordermanager.carts.models import Cart
from ordermanager.orders.importing import import_orders
from ordermanager.orders.models import Order
from tests.conftest import sandbox_order
from tests.ordermanager.api.conftest import ApiClient, token_for
from tests.ordermanager.test_stack import drain, live_cart, ships_per_order  # noqa: F401


@pytest.mark.usefixtures("live_cart")
def test_a_retried_post_reaches_the_sandbox_exactly_once(live_cart: Cart, ca: SandboxControl):  # noqa: F811
    # given an order downloaded from the sandbox, and a shipping tool with a write token
    ca_id = sandbox_order(ca, 1, 2)
    import_orders(live_cart)
    order = Order.objects.get(cart=live_cart, channel_order_id=str(ca_id))
    tool = ApiClient(token_for("shipstation", "write"))
    body = {"tracking_number": "1ZAPIONCE01", "carrier": "UPS", "class": "Ground"}

    # when it sends the same POST twice with one key (its first answer was lost), then the stack runs
    first = tool.post(f"/orders/{order.pk}/tracking", body, {"Idempotency-Key": "label-7781"})
    again = tool.post(f"/orders/{order.pk}/tracking", body, {"Idempotency-Key": "label-7781"})
    drain()

    # then one package exists, and ChannelAdvisor got one shipment with the number
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert order.shipments.count() == 1
    assert ships_per_order(ca) == {ca_id: 1}
    [call] = ca.calls(route="ship")
    assert '"1ZAPIONCE01"' in call["body"]
    assert ca.order(ca_id)["ShippingStatus"] == "Shipped"
