"""Contract items 11, 12, 13: products by SKU, UpdateQuantity, distribution centers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from casandbox import demo
from casandbox.schema import DISTRIBUTION_CENTER
from casandbox.testing import SandboxControl

pytestmark = pytest.mark.sandbox


def _product(api: httpx.Client, sku: str) -> dict[str, Any]:
    params = {"$filter": f"Sku eq '{sku}'", "$expand": "DCQuantities"}
    [product] = api.get("/Products", params=params).json()["value"]
    return product


def test_lookup_by_sku_with_select_and_dc_quantities(api: httpx.Client) -> None:
    by_id = api.get("/Products", params={"$filter": "Sku eq 'WID-001'", "$select": "ID"}).json()["value"]
    product = _product(api, "WID-001")

    assert by_id == [{"ID": product["ID"]}]
    assert product["TotalAvailableQuantity"] == sum(r["AvailableQuantity"] for r in product["DCQuantities"])
    for name in (
        "TotalQuantity",
        "OpenAllocatedQuantity",
        "PendingCheckoutQuantity",
        "PendingPaymentQuantity",
        "PendingShipmentQuantity",
        "PendingShipmentQuantityPooled",
        "QuantityUpdateDateUtc",
    ):
        assert name in product
    assert set(product["DCQuantities"][0]) == {
        "ProductID",
        "ProfileID",
        "DistributionCenterID",
        "AvailableQuantity",
    }


def test_absolute_and_relative_updates(api: httpx.Client) -> None:
    product = _product(api, "WID-002")
    url = f"/Products({product['ID']})/UpdateQuantity"

    absolute = api.post(
        url,
        json={
            "Value": {
                "UpdateType": "Absolute",
                "Updates": [
                    {"DistributionCenterID": 1, "Quantity": 25},
                    {"DistributionCenterID": 2, "Quantity": 5},
                ],
            }
        },
    )
    relative = api.post(
        url,
        json={"Value": {"UpdateType": "Relative", "Updates": [{"DistributionCenterID": 2, "Quantity": -3}]}},
    )

    assert absolute.status_code == relative.status_code == 204
    rows = {r["DistributionCenterID"]: r["AvailableQuantity"] for r in _product(api, "WID-002")["DCQuantities"]}
    assert (rows[1], rows[2]) == (25, 2)


def test_unshipped_subtracts_pending_orders(api: httpx.Client, control: SandboxControl) -> None:
    control.seed(
        products=[{"ProfileID": demo.PROFILE_ID, "Sku": "PEND-1", "DCQuantities": [{"DistributionCenterID": 1}]}],
        orders=[{"ProfileID": demo.PROFILE_ID, "Items": [{"Sku": "PEND-1", "Quantity": 4}]}],
    )
    product = _product(api, "PEND-1")
    assert product["PendingShipmentQuantity"] == 4

    update = {"Value": {"UpdateType": "UnShipped", "Updates": [{"DistributionCenterID": 1, "Quantity": 10}]}}
    assert api.post(f"/Products({product['ID']})/UpdateQuantity", json=update).status_code == 204

    assert _product(api, "PEND-1")["TotalAvailableQuantity"] == 6


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ({"UpdateType": "Absolute", "Updates": [{"DistributionCenterID": 99, "Quantity": 1}]}, 400),
        ({"UpdateType": "Absolute", "Updates": [{"DistributionCenterID": 4, "Quantity": 1}]}, 400),  # FBA
        ({"UpdateType": "Absolute", "Updates": [{"DistributionCenterID": 3, "Quantity": 1}]}, 400),  # deleted
        ({"UpdateType": "Absolute"}, 400),
        ({"UpdateType": "Sideways", "Updates": [{"DistributionCenterID": 1, "Quantity": 1}]}, 400),
    ],
)
def test_update_quantity_validation(api: httpx.Client, value: dict[str, Any], status: int) -> None:
    product = _product(api, "WID-003")

    response = api.post(f"/Products({product['ID']})/UpdateQuantity", json={"Value": value})

    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_unknown_product_404_and_sku_keys_are_not_routes(api: httpx.Client) -> None:
    body = {"Value": {"UpdateType": "Absolute", "Updates": [{"DistributionCenterID": 1, "Quantity": 1}]}}

    unknown = api.post("/Products(1)/UpdateQuantity", json=body)
    by_sku = api.post("/Products('WID-001')/UpdateQuantity", json=body)
    missing_value = api.post(f"/Products({_product(api, 'WID-001')['ID']})/UpdateQuantity", json={})

    assert unknown.status_code == 404
    assert by_sku.status_code == 404
    assert "Message" in by_sku.json()
    assert missing_value.status_code == 400


def test_distribution_centers_include_deleted_external_and_a_zero_id(api: httpx.Client) -> None:
    dcs = api.get("/DistributionCenters").json()["value"]

    assert list(dcs[0]) == list(DISTRIBUTION_CENTER.props)
    mine = {dc["ID"]: dc for dc in dcs if dc["ProfileID"] == demo.PROFILE_ID}
    assert mine[3]["IsDeleted"] is True
    assert mine[4]["Type"] == "ExternallyManaged"
    assert mine[4]["IsExternallyManaged"] is True
    assert [dc["ID"] for dc in dcs if dc["ProfileID"] == demo.SECOND_PROFILE_ID] == [0]
