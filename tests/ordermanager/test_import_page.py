"""A downloaded page's new orders are entered in one transaction (issue 14: Performance).

Each order still comes out as if it were imported alone: its rows, stock moves, timeline and labels. An order
refused for any value is set aside before its page is written and the rest import; an order already here makes
the page go one order at a time, where it is recognised and acknowledged and nothing is written twice. Orders are
numbered in the cart's order, even when one of them (bringing packages) is entered on its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from ordermanager.carts.connectors.channeladvisor.connector import ChannelAdvisorConnector
from ordermanager.carts.models import ImportProblem
from ordermanager.inventory.models import Product, StockMove
from ordermanager.orders.importing import import_cart_order, import_orders
from ordermanager.orders.models import Order
from tests.conftest import sandbox_order

pytestmark = pytest.mark.usefixtures("status_updates")


def story(order: Order) -> list[tuple[str, dict[str, Any]]]:
    """The order's timeline without what differs from one order to another (its items' and cart's ids)."""
    return [
        (kind, {k: v for k, v in data.items() if k not in ("item", "cart")})
        for kind, data in order.timeline.order_by("id").values_list("kind", "data")
    ]


def test_an_order_of_a_page_comes_out_as_one_imported_alone(sandbox_cart, ca):
    # given an order imported alone (and acknowledged), then two orders selling the same SKU waiting in one page
    sandbox_order(ca, 2, 1)
    connector = ChannelAdvisorConnector(sandbox_cart)
    try:
        [remote] = list(connector.download_orders(limit=50))
        alone, created = import_cart_order(sandbox_cart, remote, actor="import")
        connector.acknowledge_order(remote)
    finally:
        connector.close()
    first_id, second_id = sandbox_order(ca, 2, 1), sandbox_order(ca, 3)

    # when the page is imported
    summary = import_orders(sandbox_cart)

    # then both are new and acknowledged, each with the timeline and labels of the order imported alone
    assert created
    assert (summary.downloaded, summary.imported, summary.acknowledged) == (2, 2, 2)
    first, second = (Order.objects.get(channel_order_id=str(i)) for i in (first_id, second_id))
    assert story(first) == story(alone)
    assert [kind for kind, _ in story(second)] == [kind for kind, _ in story(alone)][:-1]  # one line, one entry
    assert {o.status_label for o in (alone, first, second)} == {"Order Received"}
    labels = set(first.items.values_list("status_label", flat=True)) | {second.items.get().status_label}
    assert labels == {"Item Received"}
    # a stock move per order, each with the level after it, as if each had been recorded on its own
    moves = StockMove.objects.filter(product__sku="WID-001").order_by("id")
    assert [(m.reason, m.change, m.quantity_after) for m in moves] == [
        (f"order {alone.pk}", -2, -2),
        (f"order {first.pk}", -2, -4),
        (f"order {second.pk}", -3, -7),
    ]
    assert Product.objects.get(sku="WID-001").quantity_on_hand == -7


def test_an_order_refused_for_a_value_is_set_aside_and_the_rest_of_its_page_imports(sandbox_cart, ca):
    # given a page whose middle order has a NUL in its city (PostgreSQL refuses it; SQLite would keep it)
    good = sandbox_order(ca, 1)
    bad = sandbox_order(ca, 1, ShippingCity="Spring\x00field")
    other = sandbox_order(ca, 2)

    # when it is imported
    summary = import_orders(sandbox_cart)

    # then the others are in, acknowledged; the bad one is set aside naming the field, and nothing of it is written
    assert (summary.downloaded, summary.imported, summary.acknowledged) == (3, 2, 2)
    assert len(summary.refused) == 1
    assert f"order {bad}" in summary.refused[0]
    assert "ship_to_city" in summary.refused[0]
    assert "NUL" in summary.refused[0]
    ids = set(Order.objects.values_list("channel_order_id", flat=True))
    assert ids == {str(good), str(other)}
    # kept as the cart sent it, the NUL written out (PostgreSQL's jsonb cannot hold one)
    problem = ImportProblem.objects.get(cart=sandbox_cart, channel_order_id=str(bad))
    assert problem.raw["ShippingCity"] == "Spring\\u0000field"
    exported = {ca_id for export in ca.exports() for ca_id in export["order_ids"]}
    assert (good in exported, other in exported, bad in exported) == (True, True, False)


def test_an_order_already_here_in_a_page_is_acknowledged_and_nothing_is_written_twice(sandbox_cart, ca):
    # given an order imported before, offered again beside two new ones (its export flag was cleared)
    old_id = sandbox_order(ca, 1)
    import_orders(sandbox_cart)
    old = Order.objects.get(channel_order_id=str(old_id))
    told = list(old.timeline.values_list("id", flat=True))
    connector = ChannelAdvisorConnector(sandbox_cart)
    try:
        connector.client.request("DELETE", f"/v1/Orders({old_id})/Export")
    finally:
        connector.close()
    new_ids = [sandbox_order(ca, 1), sandbox_order(ca, 2)]

    # when the page is imported
    summary = import_orders(sandbox_cart)

    # then the new ones are in, the old one is recognised, and all three are acknowledged
    assert (summary.downloaded, summary.imported, summary.already_here, summary.acknowledged) == (3, 2, 1, 3)
    assert Order.objects.count() == 3
    assert list(old.timeline.values_list("id", flat=True)) == told
    assert StockMove.objects.filter(reason=f"order {old.pk}").count() == 1
    for ca_id in new_ids:
        assert Order.objects.get(channel_order_id=str(ca_id)).status_label == "Order Received"
    assert import_orders(sandbox_cart).downloaded == 0


def test_orders_are_numbered_in_the_carts_order_when_one_brings_a_package(sandbox_cart, ca):
    # given three orders waiting, the middle one shipped in part at the cart already (it is entered on its own)
    ca_ids = [sandbox_order(ca, 1), sandbox_order(ca, 1, 1), sandbox_order(ca, 2)]
    connector = ChannelAdvisorConnector(sandbox_cart)
    try:
        shipped = {"TrackingNumber": "1ZATCART", "ShippingCarrier": "UPS", "ShippingClass": "Ground"}
        item = ca.order(ca_ids[1])["Items"][0]["ID"]
        value = {**shipped, "DeliveryStatus": "Complete", "Items": [{"OrderItemID": item, "Quantity": 1}]}
        connector.client.request("POST", f"/v1/Orders({ca_ids[1]})/Ship", json={"Value": value})
    finally:
        connector.close()

    # when they are imported
    summary = import_orders(sandbox_cart)

    # then all three are in, with our order numbers in the order the cart listed them, and the package came along
    assert (summary.imported, summary.acknowledged) == (3, 3)
    numbered = Order.objects.order_by("pk").values_list("channel_order_id", flat=True)
    assert list(numbered) == [str(i) for i in ca_ids]
    assert Order.objects.get(channel_order_id=str(ca_ids[1])).shipments.count() == 1
