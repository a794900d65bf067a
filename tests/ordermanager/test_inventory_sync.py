"""Stock levels reach the sandbox over HTTP (issue 13): centers, coalescing, failures, Send QOH and resync."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts import actions as carts
from ordermanager.carts.connectors.registry import connector_for
from ordermanager.carts.models import Cart
from ordermanager.inventory import actions as inventory
from ordermanager.inventory.models import CartProduct
from ordermanager.params import actions as params
from ordermanager.stack import actions as stack_actions
from ordermanager.stack import leases
from ordermanager.stack.controller import lane_name
from ordermanager.stack.models import RecordKind, StackRecord, State
from tests.conftest import make_sandbox_cart
from tests.ordermanager.test_stack import drain, live_cart, shipped_order  # noqa: F401 - fixture


def syncing(cart: Cart) -> Cart:
    params.set_parameter("SynchQOH", "True")
    carts.edit_cart(cart, synchronize_inventory=True)
    cart.refresh_from_db()
    return cart


def dc_quantities(cart: Cart, sku: str) -> dict[int, int]:
    """What ChannelAdvisor shows for the SKU, read through its own API (Products(ID)/DCQuantities)."""
    product_id = CartProduct.objects.get(cart=cart, sku=sku).remote_id
    connector = connector_for(cart)
    try:
        rows = [row for page in connector.client.pages(f"/v1/Products({product_id})/DCQuantities", {}) for row in page]
    finally:
        connector.close()
    return {row["DistributionCenterID"]: row["AvailableQuantity"] for row in rows}


def quantity_calls(ca: SandboxControl) -> list[list[dict]]:
    return [json.loads(c["body"])["Value"]["Updates"] for c in ca.calls(route="update_quantity") if c["status"] == 204]


def test_every_mapped_center_in_one_call_read_back_through_dcquantities(live_cart, ca):  # noqa: F811
    # given two warehouses shown in the profile's two managed centers
    cart = syncing(live_cart)
    inventory.add_warehouse("WEST")
    inventory.map_center(cart, "MAIN", 1)
    inventory.map_center(cart, "WEST", 2)

    # when the levels change at both
    inventory.set_stock("WID-001", 40)
    inventory.set_stock("WID-001", 7, warehouse="WEST")
    drain()

    # then one call carried both centers, and ChannelAdvisor shows them
    assert quantity_calls(ca) == [
        [{"DistributionCenterID": 1, "Quantity": 40}, {"DistributionCenterID": 2, "Quantity": 7}]
    ]
    shown = dc_quantities(cart, "WID-001")
    assert (shown[1], shown[2]) == (40, 7)


def test_a_burst_of_50_changes_is_one_call_with_the_last_value(live_cart, ca):  # noqa: F811
    cart = syncing(live_cart)
    for quantity in range(1, 51):
        inventory.set_stock("WID-002", quantity)

    drain()

    assert quantity_calls(ca) == [[{"DistributionCenterID": 1, "Quantity": 50}]]
    record = StackRecord.objects.get(kind=RecordKind.INVENTORY_UPDATE)
    assert (record.state, record.coalesced) == (State.SENT, 49)
    assert dc_quantities(cart, "WID-002")[1] == 50


def test_the_product_id_is_looked_up_once_and_again_after_a_404(live_cart, ca):  # noqa: F811
    cart = syncing(live_cart)
    inventory.set_stock("WID-003", 5)
    drain()
    real = CartProduct.objects.get(cart=cart, sku="WID-003").remote_id
    inventory.set_stock("WID-003", 6)
    drain()
    lookups = list(ca.calls(route="products_list"))
    assert len(lookups) == 1  # the second change used the kept ID

    # when the kept ID is wrong (the product was deleted and created again at ChannelAdvisor)
    CartProduct.objects.filter(cart=cart, sku="WID-003").update(remote_id=987654)
    inventory.set_stock("WID-003", 9)
    drain()

    # then the 404 made it look the SKU up again, and the level arrived
    assert CartProduct.objects.get(cart=cart, sku="WID-003").remote_id == real
    assert dc_quantities(cart, "WID-003")[1] == 9
    assert set(StackRecord.objects.values_list("state", flat=True)) == {State.SENT}


@pytest.mark.parametrize(
    ("center", "said"), [(3, "is deleted"), (4, "is externally managed"), (77, "does not exist")], ids=str
)
def test_a_center_that_cannot_be_written_is_a_problem_record_with_the_fix(live_cart, ca, center, said):  # noqa: F811
    cart = syncing(live_cart)
    inventory.map_center(cart, "MAIN", center)
    inventory.set_stock("WID-004", 12)

    drain()

    record = StackRecord.objects.get()
    assert record.state == State.PROBLEM
    assert f"distribution center {center} (warehouse MAIN) {said}" in record.last_error
    assert "ordermanager stock map-center" in record.fix_hint
    assert quantity_calls(ca) == []  # never written


def test_a_sku_unknown_at_channeladvisor_is_a_problem_record(live_cart, ca):  # noqa: F811
    syncing(live_cart)
    inventory.set_stock("NOT-THERE", 3)

    drain()

    record = StackRecord.objects.get()
    assert record.state == State.PROBLEM
    assert "no product with SKU NOT-THERE" in record.last_error
    assert "create the product in ChannelAdvisor" in record.fix_hint


def test_a_429_or_5xx_waits_and_retries(live_cart, ca):  # noqa: F811
    cart = syncing(live_cart)
    inventory.set_stock("WID-005", 8)
    ca.fault("update_quantity", status=503, count=1)
    ca.fault("update_quantity", status=429, count=1, retry_after=1)

    drain()

    assert StackRecord.objects.get().state == State.SENT
    assert dc_quantities(cart, "WID-005")[1] == 8


def test_a_profile_with_one_center_needs_no_mapping(transactional_db, sandbox: SandboxProcess, ca):
    params.set_parameter("UseStatusUpdates", "True")
    cart = syncing(make_sandbox_cart(sandbox, "CA Gadgets", second_profile=True))
    inventory.set_stock("GAD-001", 21)

    drain()

    assert quantity_calls(ca) == [[{"DistributionCenterID": 0, "Quantity": 21}]]
    listed = io.StringIO()
    call_command("carts", "dcs", "CA Gadgets", stdout=listed)
    assert "no mapping needed" in listed.getvalue()
    assert dc_quantities(cart, "GAD-001") == {0: 21}


def test_carts_dcs_lists_the_centers_and_their_state(live_cart, ca):  # noqa: F811
    inventory.map_center(live_cart, "MAIN", 1)
    listed = io.StringIO()

    call_command("carts", "dcs", "CA Sandbox", stdout=listed)

    lines = {line.split()[0]: line for line in listed.getvalue().splitlines()}
    assert "managed here (default)" in lines["1"]
    assert "warehouse MAIN" in lines["1"]
    assert "managed here" in lines["2"]
    assert "deleted" in lines["3"]
    assert "externally managed (never written)" in lines["4"]


def test_status_updates_are_claimed_before_waiting_stock_records(live_cart, ca):  # noqa: F811
    cart = syncing(live_cart)
    for n in range(1, 6):
        inventory.set_stock(f"WID-{n:03d}", n)
    order = shipped_order(live_cart, ca, "1ZFIRST001")  # queued after the stock records
    holder = leases.new_holder()
    assert leases.acquire(lane_name(cart.pk), holder, 30)

    [first] = stack_actions.claim(cart.pk, holder, lane_name(cart.pk), 1, 30)

    assert (first.kind, first.order_id) == (RecordKind.STATUS_UPDATE, order.pk)


def test_send_qoh_and_full_resync_say_how_long_and_send_the_latest_levels(live_cart, ca):  # noqa: F811
    # given levels counted before the cart synchronized inventory
    for n in range(1, 6):
        inventory.set_stock(f"WID-{n:03d}", 10 + n)
    cart = syncing(live_cart)

    # when the operator sends at most 2, then the rest
    first = io.StringIO()
    call_command("stock", "sync", "--cart", "CA Sandbox", "--max", "2", stdout=first)
    rest = io.StringIO()
    call_command("stock", "sync", "--cart", "CA Sandbox", stdout=rest)

    # then each run said what it would take, and every SKU arrived once
    assert "2 SKU(s) to send, 4 call(s) (2 ProductID look-up(s)) at 2000 calls/min: about" in first.getvalue()
    assert "Sent 2; 0 problem record(s)." in first.getvalue()
    assert "3 SKU(s) to send" in rest.getvalue()
    assert "Sent 3" in rest.getvalue()
    assert len(quantity_calls(ca)) == 5
    nothing = io.StringIO()
    call_command("stock", "sync", "--cart", "CA Sandbox", stdout=nothing)
    assert "nothing to send" in nothing.getvalue()

    # and a full resync sends every SKU again, with the ProductIDs kept
    again = io.StringIO()
    call_command("stock", "sync", "--cart", "CA Sandbox", "--all", stdout=again)
    assert "5 SKU(s) to send, 5 call(s) (0 ProductID look-up(s))" in again.getvalue()
    assert {n: dc_quantities(cart, f"WID-{n:03d}")[1] for n in range(1, 6)} == {n: 10 + n for n in range(1, 6)}
