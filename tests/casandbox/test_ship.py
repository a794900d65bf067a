"""Contract items 6, 7, 8 and 19: the exported flag, the Ship action and its validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess

pytestmark = pytest.mark.sandbox
SHIP = {"TrackingNumber": "1Z999AA10123456784", "ShippingCarrier": "UPS", "ShippingClass": "Ground"}


@pytest.fixture
def order(control: SandboxControl) -> dict[str, Any]:
    """An unshipped, paid order with two lines (2 x WID-001, 1 x WID-002)."""
    seeded = control.seed(
        orders=[
            {
                "ProfileID": demo.PROFILE_ID,
                "RequestedShippingCarrier": "UPS",
                "RequestedShippingClass": "Ground",
                "Items": [{"Sku": "WID-001", "Quantity": 2}, {"Sku": "WID-002", "Quantity": 1}],
            }
        ]
    )
    return control.order(seeded["order_ids"][0])


def _fulfillments(api: httpx.Client, order_id: int) -> list[dict[str, Any]]:
    params = {"$filter": f"OrderID eq {order_id}", "$expand": "Items"}
    return api.get("/Fulfillments", params=params).json()["value"]


def test_export_flag_per_integration(
    api: httpx.Client,
    order: dict[str, Any],
    control: SandboxControl,
    sandbox: SandboxProcess,
    other_integration,
) -> None:
    def exported(flag: str) -> set[int]:
        ids, url, params = set(), "/Orders", {"exported": flag, "$select": "ID"}
        while url:
            body = api.get(url, params=params).json()
            ids |= {o["ID"] for o in body["value"]}
            url, params = body.get("@odata.nextLink"), None
        return ids

    assert order["ID"] in exported("false")
    marked = api.post(f"/Orders({order['ID']})/Export")
    assert marked.status_code == 204
    assert marked.content == b""
    assert order["ID"] in exported("true")
    assert order["ID"] not in exported("false")
    assert api.get(f"/Orders({order['ID']})").status_code == 200  # a single GET ignores the flag
    assert control.exports() == [
        {
            "developer_key": demo.DEVELOPER_KEY,
            "application_id": demo.APPLICATION_ID,
            "order_ids": [order["ID"]],
        }
    ]

    # Another integration (developer key + application id) has its own flags.
    token = other_integration()
    other = httpx.get(f"{sandbox.api_url}/Orders", params={"exported": "true", "access_token": token}).json()
    assert other["value"] == []

    assert api.delete(f"/Orders({order['ID']})/Export").status_code == 204
    assert order["ID"] in exported("false")
    assert api.post("/Orders(999999999)/Export").status_code == 404


def test_full_shipment_ships_everything_into_one_fulfillment(
    api: httpx.Client, order: dict[str, Any], control: SandboxControl
) -> None:
    body = {"Value": {**SHIP, "ShippedDateUtc": "2017-07-19T00:00:00Z", "SellerFulfillmentID": "42"}}

    response = api.post(f"/Orders({order['ID']})/Ship", json=body)

    assert response.status_code == 204
    assert response.content == b""
    shipped = api.get(f"/Orders({order['ID']})").json()
    assert shipped["ShippingStatus"] == "Shipped"
    assert shipped["ShippingDateUtc"] == "2017-07-19T00:00:00Z"
    assert shipped["UpdatedDateUtc"] != order["UpdatedDateUtc"]
    [fulfillment] = _fulfillments(api, order["ID"])
    assert fulfillment["DeliveryStatus"] == "Complete"
    assert (fulfillment["TrackingNumber"], fulfillment["ShippingCarrier"], fulfillment["ShippingClass"]) == (
        "1Z999AA10123456784",
        "UPS",
        "Ground",
    )
    assert fulfillment["SellerFulfillmentID"] == "42"
    assert fulfillment["ShippedDateUtc"] == "2017-07-19T00:00:00Z"
    assert sorted((i["OrderItemID"], i["Quantity"]) for i in fulfillment["Items"]) == sorted(
        (i["ID"], i["Quantity"]) for i in order["Items"]
    )
    [record] = control.fulfillments(order_id=order["ID"])
    assert record["event"] == "ship"
    assert record["tracking_number"] == "1Z999AA10123456784"
    assert record["seller_fulfillment_id"] == "42"
    assert sorted((i["sku"], i["quantity"]) for i in record["items"]) == [("WID-001", 2), ("WID-002", 1)]


def test_partial_shipments_move_through_partially_shipped_to_shipped(api: httpx.Client, order: dict[str, Any]) -> None:
    first, second = order["Items"]
    ship_one = {"Value": {**SHIP, "Items": [{"OrderItemID": first["ID"], "Quantity": 1}]}}
    ship_rest = {
        "Value": {
            **SHIP,
            "TrackingNumber": "2",
            "Items": [{"Sku": "WID-001", "Quantity": 1}, {"OrderItemID": second["ID"], "Quantity": 1}],
        }
    }

    assert api.post(f"/Orders({order['ID']})/Ship", json=ship_one).status_code == 204
    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "PartiallyShipped"
    assert api.post(f"/Orders({order['ID']})/Ship", json=ship_rest).status_code == 204

    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "Shipped"
    shipped = [f for f in _fulfillments(api, order["ID"]) if f["DeliveryStatus"] == "Complete"]
    assert sorted(f["TrackingNumber"] for f in shipped) == ["1Z999AA10123456784", "2"]
    assert sum(i["Quantity"] for f in shipped for i in f["Items"]) == 3


def test_no_change_delivery_status_ships_nothing(api: httpx.Client, order: dict[str, Any]) -> None:
    response = api.post(f"/Orders({order['ID']})/Ship", json={"Value": {**SHIP, "DeliveryStatus": "NoChange"}})

    assert response.status_code == 204
    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "Unshipped"


def test_shipping_twice_is_refused_and_never_duplicates(
    api: httpx.Client, order: dict[str, Any], control: SandboxControl
) -> None:
    assert api.post(f"/Orders({order['ID']})/Ship", json={"Value": SHIP}).status_code == 204

    again = api.post(f"/Orders({order['ID']})/Ship", json={"Value": SHIP})

    assert again.status_code == 400
    assert "sufficient unshipped quantity" in again.json()["error"]["message"]
    assert len(control.fulfillments(order_id=order["ID"])) == 1


def test_unknown_carrier_class_pair_gets_the_documented_400(api: httpx.Client, order: dict[str, Any]) -> None:
    body = {"Value": {**SHIP, "ShippingCarrier": "UPS", "ShippingClass": "Teleport"}}

    response = api.post(f"/Orders({order['ID']})/Ship", json=body)

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "", "message": "Carrier and Class is invalid."}}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"Value": {"TrackingNumber": ', "not valid JSON"),
        (b'{"TrackingNumber": "1Z"}', "Value"),
        (b'{"Value": {"DeliveryStatus": "Delivered"}}', "DeliveryStatus"),
        (b'{"Value": {"ShippedDateUtc": "19/07/2017"}}', "DateTimeOffset"),
        (b'{"Value": {"Tracking": "1Z"}}', "does not exist"),
    ],
)
def test_malformed_ship_bodies_get_400(api: httpx.Client, order: dict[str, Any], content: bytes, fragment: str) -> None:
    response = api.post(f"/Orders({order['ID']})/Ship", content=content, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "date",
    ["2016-10-31T14:08:36.8033257Z", "2016-08-19T10:44:15Z", "2016-08-19T10:44:15-04:00"],
)
def test_any_iso_date_is_accepted(api: httpx.Client, order: dict[str, Any], date: str) -> None:
    response = api.post(f"/Orders({order['ID']})/Ship", json={"Value": {**SHIP, "ShippedDateUtc": date}})

    assert response.status_code == 204


def test_items_above_what_remains_get_400(api: httpx.Client, order: dict[str, Any]) -> None:
    item = order["Items"][0]
    body = {"Value": {**SHIP, "Items": [{"OrderItemID": item["ID"], "Quantity": 3}]}}

    response = api.post(f"/Orders({order['ID']})/Ship", json=body)

    assert response.status_code == 400
    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "Unshipped"


def test_ship_takes_only_the_ca_id(api: httpx.Client, order: dict[str, Any]) -> None:
    unknown = api.post("/Orders(999999999)/Ship", json={"Value": SHIP})
    by_site_id = api.post(f"/Orders({order['SiteOrderID']})/Ship", json={"Value": SHIP})

    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"]
    assert by_site_id.status_code == 404
    assert "No HTTP resource was found" in by_site_id.json()["Message"]
    assert order["Items"][0]["SiteOrderItemID"] != str(order["Items"][0]["ID"])


@pytest.mark.parametrize("date", ["2016-08-19T10:44:15", "2016-08-19T10:44:15.123", "2016-08-19"])
def test_a_date_without_utc_offset_is_refused(api: httpx.Client, order: dict[str, Any], date: str) -> None:
    # Edm.DateTimeOffset: the sender must say which time zone it means
    response = api.post(f"/Orders({order['ID']})/Ship", json={"Value": {**SHIP, "ShippedDateUtc": date}})

    assert response.status_code == 400
    assert "Edm.DateTimeOffset" in response.json()["error"]["message"]
    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "Unshipped"


def test_a_number_where_text_is_expected_is_refused(api: httpx.Client, order: dict[str, Any]) -> None:
    response = api.post(f"/Orders({order['ID']})/Ship", json={"Value": {**SHIP, "TrackingNumber": 12345}})

    assert response.status_code == 400
    assert "'12345' to the expected type 'Edm.String' ('TrackingNumber')" in response.json()["error"]["message"]
    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "Unshipped"


def test_empty_items_are_refused_not_read_as_the_whole_order(api: httpx.Client, order: dict[str, Any]) -> None:
    response = api.post(f"/Orders({order['ID']})/Ship", json={"Value": {**SHIP, "Items": []}})

    assert response.status_code == 400
    assert "'Items' is empty" in response.json()["error"]["message"]
    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "Unshipped"


def test_shipping_from_an_externally_managed_center_is_refused(api: httpx.Client, order: dict[str, Any]) -> None:
    # demo DC 4 is Amazon FBA (Type ExternallyManaged) on profile 12345678
    response = api.post(f"/Orders({order['ID']})/Ship", json={"Value": {**SHIP, "DistributionCenterID": 4}})

    assert response.status_code == 400
    assert "externally managed" in response.json()["error"]["message"]
    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "Unshipped"


def test_undocumented_strictness_can_be_switched_off(
    api: httpx.Client, control: SandboxControl, order: dict[str, Any]
) -> None:
    control.update_config(strict_undocumented=False)

    from_fba = api.post(f"/Orders({order['ID']})/Ship", json={"Value": {**SHIP, "DistributionCenterID": 4}})

    assert from_fba.status_code == 204
    assert api.get(f"/Orders({order['ID']})").json()["ShippingStatus"] == "Shipped"
