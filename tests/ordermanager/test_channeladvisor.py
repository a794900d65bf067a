"""The ChannelAdvisor cart against the sandbox, over real HTTP on loopback (issue: ChannelAdvisor cart)."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable, Iterator

import pytest
from django.core.management import CommandError, call_command

from casandbox import demo
from ordermanager.carts import actions as carts
from ordermanager.carts.carriers import map_carrier, unmap_carrier
from ordermanager.carts.connectors.base import CartError, ErrorKind
from ordermanager.carts.connectors.channeladvisor.connector import ChannelAdvisorConnector
from ordermanager.carts.connectors.channeladvisor.shipments import plan_shipments
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.importing import import_cart_order, import_orders
from ordermanager.orders.models import Order, TimelineEntry, TimelineEvent, TrackingNumber
from ordermanager.params import actions as params
from tests.conftest import ACTOR, sandbox_order


@pytest.fixture
def connect() -> Iterator[Callable[[Cart], ChannelAdvisorConnector]]:
    """A connector to the cart as saved now; closed after the test."""
    opened: list[ChannelAdvisorConnector] = []

    def open_connector(cart: Cart) -> ChannelAdvisorConnector:
        cart.refresh_from_db()
        opened.append(ChannelAdvisorConnector(cart))
        return opened[-1]

    yield open_connector
    for connector in opened:
        connector.close()


def imported(cart, ca_order_id: int) -> Order:
    import_orders(cart)
    return Order.objects.get(cart=cart, channel_order_id=str(ca_order_id))


# --- tokens and Test Settings -------------------------------------------------------------------


def test_token_is_refreshed_once_when_it_expires(sandbox_cart, ca, connect):
    connector = connect(sandbox_cart)
    connector.test_settings()
    assert connector.client.token_refreshes == 1

    # when an hour passes on the sandbox's clock, its token dies while ours still looks fresh
    ca.advance_clock(3601)
    connector.test_settings()

    # then the 401 brought exactly one new token and the call went through
    assert connector.client.token_refreshes == 2
    denied = [c for c in ca.calls(route="profiles") if c["status"] == 401]
    assert len(denied) == 1
    connector.close()


def test_never_more_than_one_refresh_in_flight_per_cart(sandbox_cart, ca, connect):
    import threading

    connector = connect(sandbox_cart)
    connector.test_settings()
    ca.advance_clock(3601)  # every sender now holds a dead token
    barrier = threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        connector.client.request("GET", "/v1/Profiles")

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # eight calls met the expiry together; one of them refreshed, the others reused its token
    assert connector.client.token_refreshes == 2
    assert len([c for c in ca.calls(route="token") if c["status"] == 200]) == 2


def test_test_settings_reports_a_working_connection(sandbox_cart):
    out = io.StringIO()
    call_command("carts", "test", sandbox_cart.store_name, stdout=out)
    assert f"profile {demo.PROFILE_ID} is reachable" in out.getvalue()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"shared_secret": "wrong-secret"}, "refused the Application ID or Shared Secret"),
        ({"refresh_token": "unknown-token"}, "refused the Refresh Token"),
        ({"profile_id": 99999999}, "not for Account Profile ID 99999999; it covers 12345678, 12345679"),
        ({"api_base_url": "http://127.0.0.1:{closed}"}, "could not reach ChannelAdvisor at 127.0.0.1:"),
    ],
)
def test_test_settings_says_exactly_what_is_wrong(sandbox_cart, change, expected):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    change = {k: v.format(closed=closed) if isinstance(v, str) else v for k, v in change.items()}
    carts.edit_cart(sandbox_cart, **change)

    with pytest.raises(CommandError) as error:
        call_command("carts", "test", sandbox_cart.store_name, stdout=io.StringIO())

    assert expected in str(error.value)
    assert "Traceback" not in str(error.value)


def test_a_revoked_refresh_token_is_a_configuration_problem(sandbox_cart, ca, connect):
    ca.revoke(demo.REFRESH_TOKEN)
    ca.set_token_error_format("text")  # the plain-text "Bad Request" body real accounts have seen
    connector = connect(sandbox_cart)

    with pytest.raises(CartError) as error:
        connector.test_settings()

    assert error.value.kind == ErrorKind.PERMANENT
    assert "Refresh Token" in error.value.message
    assert "new refresh token" in error.value.fix_hint
    assert demo.REFRESH_TOKEN not in str(error.value)


# --- order import ---------------------------------------------------------------------------------


def test_import_pages_over_a_thousand_orders(sandbox_cart, ca):
    # paging is under test here, not pacing: lift the 2,000 calls/min on both sides
    ca.set_limits(profile_requests=100_000)
    params.set_parameter("CartRequestsPerMinute", "100000", cart=sandbox_cart)
    ca.generate_orders(demo.PROFILE_ID, 1000, seed=7, max_items=2)

    summary = import_orders(sandbox_cart)

    assert (summary.downloaded, summary.imported, summary.acknowledged) == (1000, 1000, 1000)
    assert Order.objects.filter(cart=sandbox_cart).count() == 1000
    pages = ca.calls(route="orders_list")
    # 20 batches of 50 (Order Download Batch), each read over 3 pages by following @odata.nextLink
    assert sum("skip" in (c["query"] or "").lower() for c in pages) >= 40
    assert all("exported=false" in (c["query"] or "") for c in pages)
    assert len(ca.calls(route="export")) == 1000


def test_import_keeps_the_default_filter(sandbox_cart, ca):
    wanted = sandbox_order(ca, 1)
    for status in (
        {"ShippingStatus": "Shipped"},
        {"PaymentStatus": "NotYetSubmitted"},
        {"CheckoutStatus": "Visited"},
        {"DistributionCenterTypeRollup": "ExternallyManaged"},
    ):
        sandbox_order(ca, 1, **status)
    ca.seed(orders=[{"ProfileID": demo.SECOND_PROFILE_ID, "Items": [{"Sku": "GAD-001", "Quantity": 1}]}])

    summary = import_orders(sandbox_cart)

    assert summary.imported == 1
    order = Order.objects.get()
    assert order.channel_order_id == str(wanted)
    assert order.marketplace_order_id.startswith("SO-")
    assert order.status_label == ""  # UseStatusUpdates is off in this test
    assert order.timeline.filter(kind=TimelineEvent.ORDER_RECEIVED, data__cart=sandbox_cart.pk).exists()


@pytest.mark.usefixtures("status_updates")
def test_reimport_changes_nothing_and_fires_nothing(sandbox_cart, ca, connect):
    ca_id = sandbox_order(ca, 2, 1)
    order = imported(sandbox_cart, ca_id)
    before = list(TimelineEntry.objects.values_list("id", flat=True))
    assert order.status_label == "Order Received"

    # when ChannelAdvisor offers it again (its export flag was cleared)
    connect(sandbox_cart).client.request("DELETE", f"/v1/Orders({ca_id})/Export")
    summary = import_orders(sandbox_cart)

    # then it is recognised, nothing about it changes, no event fires, and it is marked exported again
    assert (summary.downloaded, summary.imported, summary.already_here, summary.acknowledged) == (1, 0, 1, 1)
    assert list(TimelineEntry.objects.values_list("id", flat=True)) == before
    assert Order.objects.count() == 1


def test_a_crash_between_import_and_export_loses_nothing_and_imports_nothing_twice(sandbox_cart, ca):
    ids = [sandbox_order(ca, 1) for _ in range(3)]
    ca.fault("export", status=500, count=3)  # the import commits, the Export call fails

    first = import_orders(sandbox_cart)

    assert (first.imported, first.acknowledged, len(first.unacknowledged)) == (3, 0, 3)
    assert [ids for e in ca.exports() for ids in e["order_ids"]] == []

    second = import_orders(sandbox_cart)

    assert (second.downloaded, second.imported, second.already_here, second.acknowledged) == (3, 0, 3, 3)
    assert sorted(int(o) for o in Order.objects.values_list("channel_order_id", flat=True)) == sorted(ids)
    assert import_orders(sandbox_cart).downloaded == 0


def test_orders_already_partly_shipped_bring_their_packages(sandbox_cart, ca, connect):
    ca_id = sandbox_order(ca, 1, 1)
    raw = ca.order(ca_id)
    first_item = raw["Items"][0]["ID"]
    connector = connect(sandbox_cart)
    connector.client.request(
        "POST",
        f"/v1/Orders({ca_id})/Ship",
        json={
            "Value": {
                "TrackingNumber": "1ZELSEWHERE",
                "ShippingCarrier": "UPS",
                "ShippingClass": "Ground",
                "DeliveryStatus": "Complete",
                "ShippedDateUtc": "2026-11-20T10:00:00Z",
                "Items": [{"OrderItemID": first_item, "Quantity": 1}],
            }
        },
    )

    order = imported(sandbox_cart, ca_id)

    package = order.shipments.get()
    assert package.delivered_to_cart_at is not None
    assert [(li.order_item.channel_item_id, li.quantity) for li in package.lines.all()] == [(str(first_item), 1)]
    assert order.shipping_status == "PartiallyShipped"
    assert plan_shipments(order) == []


def test_orders_shipped_at_the_cart_in_one_box_import_with_the_number_shared(sandbox_cart, ca, connect):
    # given two orders whose first lines the merchant shipped at ChannelAdvisor in one box (one number, two orders)
    ids = [sandbox_order(ca, 1, 1), sandbox_order(ca, 1, 1)]
    connector = connect(sandbox_cart)
    for ca_id, written in zip(ids, ("1ZONEBOX", "1z-onebox"), strict=True):
        connector.client.request(
            "POST",
            f"/v1/Orders({ca_id})/Ship",
            json={
                "Value": {
                    "TrackingNumber": written,
                    "ShippingCarrier": "UPS",
                    "ShippingClass": "Ground",
                    "DeliveryStatus": "Complete",
                    "ShippedDateUtc": "2026-11-20T10:00:00Z",
                    "Items": [{"OrderItemID": ca.order(ca_id)["Items"][0]["ID"], "Quantity": 1}],
                }
            },
        )

    # when both are imported
    first, second = (imported(sandbox_cart, ca_id) for ca_id in ids)

    # then both bring their package; the cart's word is taken, so the later number is marked shared
    numbers = TrackingNumber.objects.filter(order__in=[first, second]).order_by("order_id")
    assert [(t.normalized, t.shared) for t in numbers] == [("1ZONEBOX", False), ("1ZONEBOX", True)]


def test_an_order_refused_by_validation_is_reported_and_left_for_later(sandbox_cart, ca):
    sandbox_order(ca, 1)
    bad = ca.seed(orders=[{"ProfileID": demo.PROFILE_ID, "Items": [{"Sku": "X" * 120, "Quantity": 1}]}])

    summary = import_orders(sandbox_cart)

    assert summary.imported == 1
    assert len(summary.refused) == 1
    assert str(bad["order_ids"][0]) in summary.refused[0]
    assert "sku" in summary.refused[0]


# --- shipments ---------------------------------------------------------------------------------------


def test_a_whole_order_in_one_package_ships_without_items(sandbox_cart, ca, connect):
    ca_id = sandbox_order(ca, 2, 1)
    order = imported(sandbox_cart, ca_id)
    actions.add_tracking_number(order, "1Z0000000000000001", carrier="UPS", shipping_class="Ground", actor=ACTOR)

    [request] = plan_shipments(order)
    connect(sandbox_cart).send_shipment(request)

    [ship] = ca.calls(route="ship")
    body = json.loads(ship["body"])["Value"]
    assert "Items" not in body
    assert body["TrackingNumber"] == "1Z0000000000000001"
    assert (body["ShippingCarrier"], body["ShippingClass"], body["DeliveryStatus"]) == ("UPS", "Ground", "Complete")
    assert body["SellerFulfillmentID"] == str(order.shipments.get().pk)
    assert body["ShippedDateUtc"].endswith("Z")
    assert ca.order(ca_id)["ShippingStatus"] == "Shipped"


def test_packages_of_some_items_ship_as_partial_shipments(sandbox_cart, ca, connect):
    ca_id = sandbox_order(ca, 2, 1)
    order = imported(sandbox_cart, ca_id)
    sku_a, _sku_b = (i.sku for i in order.items.order_by("id"))
    actions.add_tracking_number(
        order, "1ZPART1", carrier="UPS", shipping_class="Ground", items=[(sku_a, 1)], actor=ACTOR
    )
    connector = connect(sandbox_cart)
    for request in plan_shipments(order):
        connector.send_shipment(request)
    assert ca.order(ca_id)["ShippingStatus"] == "PartiallyShipped"

    order.shipments.update(delivered_to_cart_at="2026-11-26T00:00:00Z")
    actions.add_tracking_number(order, "1ZPART2", carrier="FedEx", shipping_class="Ground", actor=ACTOR)
    [second] = plan_shipments(order)
    connector.send_shipment(second)

    first_call, second_call = (json.loads(c["body"])["Value"] for c in ca.calls(route="ship"))
    item_a, item_b = (int(i.channel_item_id) for i in order.items.order_by("id"))
    assert [(i["OrderItemID"], i["Quantity"]) for i in first_call["Items"]] == [(item_a, 1)]
    assert sorted((i["OrderItemID"], i["Quantity"]) for i in second_call["Items"]) == [(item_a, 1), (item_b, 1)]
    assert ca.order(ca_id)["ShippingStatus"] == "Shipped"
    assert len(ca.fulfillments(order_id=ca_id)) == 2


def test_an_unmapped_carrier_is_reported_before_any_call(sandbox_cart, ca):
    # mapped when the number was entered (entry refuses unmapped methods), unmapped since
    map_carrier(sandbox_cart, "DHL", "Express", "DHL", "Express")
    order = imported(sandbox_cart, sandbox_order(ca, 1))
    actions.add_tracking_number(order, "1ZDHL0001", carrier="DHL", shipping_class="Express", actor=ACTOR)
    unmap_carrier(sandbox_cart, "DHL", "Express")
    calls_before = ca.last_call_seq()

    with pytest.raises(CartError) as error:
        plan_shipments(order)

    assert error.value.kind == ErrorKind.PERMANENT
    assert "DHL Express" in error.value.message
    assert "map-carrier" in error.value.fix_hint
    assert ca.last_call_seq() == calls_before


def test_each_package_gets_its_methods_codes_read_with_it(sandbox_cart, ca):
    """The mapping wins, in any case of the method's names; else a pair the account takes as typed (entered or
    seen, in its stored spelling, never one it refused); each package its own. Read with the packages, the codes
    are the ones `cart_codes` gives the other callers."""
    from ordermanager.carts import carriers

    carriers.map_carrier(sandbox_cart, "UPS", "Ground", "UPS", "GND")
    carriers.note_carrier_classes(sandbox_cart, {("UPS", "Ground"), ("FedEx", "Home")}, carriers.Source.SEEN)
    carriers.note_carrier_classes(sandbox_cart, {("USPS", "Priority")}, carriers.Source.ENTERED)
    order = imported(sandbox_cart, sandbox_order(ca, 1, 1, 1))
    methods = [("ups", "GROUND"), ("fedex", "home"), ("USPS", "priority")]
    for n, ((carrier, shipping_class), item) in enumerate(zip(methods, order.items.order_by("id"), strict=True)):
        actions.add_tracking_number(
            order, f"1ZCODES{n}", carrier=carrier, shipping_class=shipping_class, items=[(item.sku, 1)], actor=ACTOR
        )

    planned = [(r.carrier, r.shipping_class) for r in plan_shipments(order)]

    assert planned == [("UPS", "GND"), ("FedEx", "Home"), ("USPS", "Priority")]
    assert planned == [carriers.cart_codes(sandbox_cart, *method) for method in methods]

    carriers.note_carrier_classes(sandbox_cart, {("FedEx", "Home")}, carriers.Source.REFUSED)
    with pytest.raises(CartError) as error:
        plan_shipments(order)
    assert "fedex home" in error.value.message
    assert carriers.cart_codes(sandbox_cart, "fedex", "home") is None


def test_the_carts_carrier_and_class_400_is_permanent_with_a_fix_hint(sandbox_cart, ca, connect):
    from ordermanager.carts.carriers import map_carrier

    map_carrier(sandbox_cart, "UPS", "Teleport", "UPS", "Teleport")
    order = imported(sandbox_cart, sandbox_order(ca, 1))
    actions.add_tracking_number(order, "1ZBADCLASS", carrier="UPS", shipping_class="Teleport", actor=ACTOR)
    [request] = plan_shipments(order)

    with pytest.raises(CartError) as error:
        connect(sandbox_cart).send_shipment(request)

    assert (error.value.kind, error.value.status) == (ErrorKind.PERMANENT, 400)
    assert "Carrier and Class is invalid." in error.value.message
    assert "Fulfill > Carriers" in error.value.fix_hint


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ({"status": 429, "retry_after": 7}, ErrorKind.RATE_LIMITED),
        ({"status": 503}, ErrorKind.TRANSIENT),
        ({"status": 502}, ErrorKind.TRANSIENT),
        ({"status": 500}, ErrorKind.AMBIGUOUS),
        ({"mode": "drop_after_apply"}, ErrorKind.AMBIGUOUS),
    ],
)
def test_429_5xx_and_broken_answers_are_classified_as_retryable(sandbox_cart, ca, fault, kind, connect):
    order = imported(sandbox_cart, sandbox_order(ca, 1))
    actions.add_tracking_number(order, "1ZRETRY01", carrier="UPS", shipping_class="Ground", actor=ACTOR)
    [request] = plan_shipments(order)
    ca.fault("ship", count=1, **fault)

    with pytest.raises(CartError) as error:
        connect(sandbox_cart).send_shipment(request)

    assert error.value.kind == kind
    if kind == ErrorKind.RATE_LIMITED:
        assert error.value.retry_after == 7


def test_a_read_that_fails_with_500_is_transient(sandbox_cart, ca):
    ca.fault("orders_list", status=500, count=1)
    with pytest.raises(CartError) as error:
        import_orders(sandbox_cart)
    assert error.value.kind == ErrorKind.TRANSIENT


def test_read_back_fulfillments_finds_what_was_shipped(sandbox_cart, ca, connect):
    order = imported(sandbox_cart, sandbox_order(ca, 1))
    actions.add_tracking_number(order, "1ZREADBACK", carrier="UPS", shipping_class="Ground", actor=ACTOR)
    [request] = plan_shipments(order)
    connector = connect(sandbox_cart)
    connector.send_shipment(request)

    [found] = connector.read_fulfillments(order.channel_order_id)

    assert (found.tracking_number, found.seller_fulfillment_id) == ("1ZREADBACK", request.seller_fulfillment_id)
    assert (found.carrier, found.shipping_class) == ("UPS", "Ground")


def test_import_cart_order_is_idempotent_on_its_own(sandbox_cart, ca, connect):
    ca_id = sandbox_order(ca, 1)
    connector = connect(sandbox_cart)
    [remote] = list(connector.download_orders(limit=50))
    first, created = import_cart_order(sandbox_cart, remote, actor=ACTOR)
    again, created_again = import_cart_order(sandbox_cart, remote, actor=ACTOR)
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert first.channel_order_id == str(ca_id)
