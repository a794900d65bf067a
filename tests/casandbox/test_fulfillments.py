"""Contract items 9 and 10: Fulfillments (with CA's PATCH trap), item moves, Adjust."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess

pytestmark = pytest.mark.sandbox


@pytest.fixture
def order(control: SandboxControl) -> dict[str, Any]:
    seeded = control.seed(
        orders=[{"ProfileID": demo.PROFILE_ID, "Items": [{"Sku": "WID-001", "Quantity": 2}, {"Sku": "WID-002"}]}]
    )
    return control.order(seeded["order_ids"][0])


def _status(api: httpx.Client, order_id: int) -> str:
    return api.get(f"/Orders({order_id})").json()["ShippingStatus"]


def test_every_order_has_an_open_fulfillment_readable_by_order_id(api: httpx.Client, order: dict[str, Any]) -> None:
    body = api.get("/Fulfillments", params={"$filter": f"OrderID eq {order['ID']}", "$expand": "Items"}).json()

    [fulfillment] = body["value"]
    assert fulfillment["DeliveryStatus"] == "NoChange"
    assert fulfillment["ProfileID"] == demo.PROFILE_ID
    assert sum(i["Quantity"] for i in fulfillment["Items"]) == 3
    single = api.get(f"/Fulfillments({fulfillment['ID']})").json()
    assert single["ID"] == fulfillment["ID"]


def test_post_creates_an_empty_fulfillment_with_201(
    api: httpx.Client, order: dict[str, Any], sandbox: SandboxProcess
) -> None:
    response = api.post("/Fulfillments", json={"OrderID": order["ID"], "ProfileID": demo.PROFILE_ID})

    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"] == f"{sandbox.api_url}/$metadata#Fulfillments/$entity"
    assert (body["Type"], body["DeliveryStatus"], body["DistributionCenterID"]) == ("Ship", "NoChange", 0)
    assert body["TrackingNumber"] is None
    assert body["ShippingCarrier"] is None
    assert body["ShippingClass"] is None
    missing_profile = api.post("/Fulfillments", json={"OrderID": order["ID"]})
    assert missing_profile.status_code == 400  # the token spans two profiles


def test_patch_without_delivery_status_ships_the_order(api: httpx.Client, order: dict[str, Any]) -> None:
    [fulfillment] = api.get("/Fulfillments", params={"$filter": f"OrderID eq {order['ID']}"}).json()["value"]

    safe = api.patch(f"/Fulfillments({fulfillment['ID']})", json={"TrackingNumber": "T1", "DeliveryStatus": "NoChange"})
    assert safe.status_code == 204
    assert _status(api, order["ID"]) == "Unshipped"

    trap = api.patch(f"/Fulfillments({fulfillment['ID']})", json={"TrackingNumber": "T2"})

    assert trap.status_code == 204
    assert _status(api, order["ID"]) == "Shipped"
    assert api.get(f"/Fulfillments({fulfillment['ID']})").json()["DeliveryStatus"] == "Complete"


def test_patch_checks_carrier_and_class_together(api: httpx.Client, order: dict[str, Any]) -> None:
    [fulfillment] = api.get("/Fulfillments", params={"$filter": f"OrderID eq {order['ID']}"}).json()["value"]

    bad = api.patch(
        f"/Fulfillments({fulfillment['ID']})",
        json={"ShippingCarrier": "FedEx", "ShippingClass": "Next Day Air", "DeliveryStatus": "NoChange"},
    )

    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "Carrier and Class is invalid."


def test_moving_an_item_into_a_shipped_fulfillment_ships_it(
    api: httpx.Client, order: dict[str, Any], control: SandboxControl
) -> None:
    created = api.post("/Fulfillments", json={"OrderID": order["ID"], "ProfileID": demo.PROFILE_ID}).json()
    fulfillments = api.get("/Fulfillments", params={"$filter": f"OrderID eq {order['ID']}", "$expand": "Items"})
    opened = next(f for f in fulfillments.json()["value"] if f["Items"])
    line = next(i for i in opened["Items"] if i["Quantity"] == 1)
    api.patch(f"/Fulfillments({created['ID']})", json={"TrackingNumber": "SPLIT", "DeliveryStatus": "Complete"})

    moved = api.post(f"/FulfillmentItems({line['ID']})/Move", json={"DestinationFulfillmentID": str(created["ID"])})

    assert moved.status_code == 204
    assert _status(api, order["ID"]) == "PartiallyShipped"
    target = api.get(f"/Fulfillments({created['ID']})", params={"$expand": "Items"}).json()
    assert [(i["OrderItemID"], i["Quantity"]) for i in target["Items"]] == [(line["OrderItemID"], 1)]
    assert [r["event"] for r in control.fulfillments(order_id=order["ID"])] == ["create", "move"]


def test_cancel_before_shipment_and_refund_after(api: httpx.Client, control: SandboxControl) -> None:
    unshipped, shipped = control.seed(
        orders=[
            {"ProfileID": demo.PROFILE_ID, "Items": [{"Sku": "WID-003"}]},
            {"ProfileID": demo.PROFILE_ID, "ShippingStatus": "Shipped", "Items": [{"Sku": "WID-004"}]},
        ]
    )["order_ids"]

    canceled = api.post(f"/Orders({unshipped})/Adjust", json={"PreventSiteProcessing": True})
    refunded = api.post(f"/Orders({shipped})/Adjust", json={"Reason": "CustomerReturnedItem", "AdjustmentAmount": 5})

    assert canceled.status_code == refunded.status_code == 204
    assert _status(api, unshipped) == "Canceled"
    assert _status(api, shipped) == "Shipped"
    adjustments = api.get(f"/Orders({shipped})", params={"$expand": "Adjustments"}).json()["Adjustments"]
    assert [(a["Type"], a["Reason"], a["ItemAdjustment"]) for a in adjustments] == [
        ("Refund", "CustomerReturnedItem", 5)
    ]
    cancels = api.get(f"/Orders({unshipped})", params={"$expand": "Adjustments"}).json()["Adjustments"]
    assert [a["Type"] for a in cancels] == ["Cancellation"]


def test_item_adjust_cancels_a_line_and_unknown_reason_is_400(api: httpx.Client, order: dict[str, Any]) -> None:
    first, second = order["Items"]

    ok = api.post(f"/OrderItems({second['ID']})/Adjust", json={"Quantity": 1, "Reason": "ItemNotAvailable"})
    bad = api.post(f"/OrderItems({first['ID']})/Adjust", json={"Quantity": 1, "Reason": "Whatever"})

    assert ok.status_code == 204
    assert bad.status_code == 400
    assert api.post(f"/Orders({order['ID']})/Ship", json={"Value": {}}).status_code == 204
    assert _status(api, order["ID"]) == "Shipped"  # the canceled line is not waited for
