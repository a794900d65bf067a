"""Contract items 17 and 18, and the sandbox's own promises: restarts, call records."""

from __future__ import annotations

import re

import httpx
import pytest

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess

pytestmark = pytest.mark.sandbox
UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$")


@pytest.mark.parametrize("path", ["/orders", "/Orders/4000001", "/Orders(abc)", "/Orders(1", "/ORDERS(1)/Ship"])
def test_paths_and_keys_are_exact(api: httpx.Client, path: str) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert response.json()["Message"].startswith("No HTTP resource was found that matches the request URI")


def test_wrong_verb_is_405(api: httpx.Client) -> None:
    response = api.delete("/Orders")

    assert response.status_code == 405
    assert "does not support http method 'DELETE'" in response.json()["Message"]


def test_timestamps_are_utc_with_z_and_money_is_numeric(api: httpx.Client) -> None:
    order = api.get("/Orders", params={"$expand": "Items,Fulfillments"}).json()["value"][0]

    for name in ("CreatedDateUtc", "ImportDateUtc", "UpdatedDateUtc"):
        assert UTC.match(order[name]), order[name]
    assert isinstance(order["TotalPrice"], int | float)
    assert isinstance(order["Items"][0]["UnitPrice"], int | float)
    assert "ShippingDateUtc" in order  # nulls are written, not omitted


def test_state_survives_a_restart(sandbox: SandboxProcess, control: SandboxControl, new_token) -> None:
    token = new_token()
    headers = {"Authorization": f"Bearer {token}"}
    order_id = httpx.get(
        f"{sandbox.api_url}/Orders", params={"$filter": "ShippingStatus eq 'Unshipped'"}, headers=headers
    ).json()["value"][0]["ID"]
    ship = {"Value": {"TrackingNumber": "KEEP", "ShippingCarrier": "UPS", "ShippingClass": "Ground"}}
    assert httpx.post(f"{sandbox.api_url}/Orders({order_id})/Ship", json=ship, headers=headers).status_code == 204
    assert httpx.post(f"{sandbox.api_url}/Orders({order_id})/Export", headers=headers).status_code == 204

    sandbox.restart()

    with sandbox.control() as after:
        order = httpx.get(f"{sandbox.api_url}/Orders({order_id})", headers=headers).json()  # same token
        assert order["ShippingStatus"] == "Shipped"
        assert [r["tracking_number"] for r in after.fulfillments(order_id=order_id)] == ["KEEP"]
        exported = httpx.get(f"{sandbox.api_url}/Orders", params={"exported": "true"}, headers=headers).json()
        assert [o["ID"] for o in exported["value"]] == [order_id]
        assert after.calls(route="ship")[-1]["status"] == 204


def test_calls_are_recorded_with_what_was_sent(api: httpx.Client, control: SandboxControl) -> None:
    since = control.last_call_seq()
    api.get("/Orders", params={"$top": "1"})
    api.post("/Orders(1)/Ship", json={"Value": {}})

    calls = control.calls(since=since)

    assert [(c["method"], c["path"], c["status"], c["route"]) for c in calls] == [
        ("GET", "/v1/Orders", 200, "orders_list"),
        ("POST", "/v1/Orders(1)/Ship", 404, "ship"),
    ]
    assert calls[0]["query"] == "%24top=1"
    assert calls[1]["body"] == '{"Value":{}}'
    assert calls[1]["application_id"] == demo.APPLICATION_ID
    assert calls[0]["seq"] < calls[1]["seq"]
    assert control.calls(since=calls[1]["seq"]) == []


def test_generator_makes_thousands_of_orders_quickly(control: SandboxControl, sandbox: SandboxProcess) -> None:
    ids = control.generate_orders(demo.SECOND_PROFILE_ID, 2000, seed=3)

    assert len(set(ids)) == 2000
    assert control.order(ids[0])["ProfileID"] == demo.SECOND_PROFILE_ID
