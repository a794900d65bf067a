"""Contract items 3, 4, 5: several profiles per token, the Orders envelope, the OData subset, paging."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from casandbox import demo
from casandbox.schema import ENUMS, ORDER, ORDER_ITEM
from casandbox.testing import SandboxControl, SandboxProcess

pytestmark = pytest.mark.sandbox


def _all(api: httpx.Client, url: str, params: dict[str, str] | None = None) -> list[dict]:
    """Follow nextLink to the end, as a client must."""
    out, response = [], api.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        out += body["value"]
        if "@odata.nextLink" not in body:
            return out
        response = api.get(body["@odata.nextLink"])


def test_a_token_spans_both_profiles_unless_filtered(api: httpx.Client) -> None:
    everything = _all(api, "/Orders", {"$select": "ID,ProfileID"})
    one = _all(api, "/Orders", {"$select": "ID,ProfileID", "$filter": f"ProfileID eq {demo.SECOND_PROFILE_ID}"})

    assert {o["ProfileID"] for o in everything} == set(demo.PROFILE_IDS)
    assert len(everything) == sum(demo.ORDERS_PER_PROFILE.values())
    assert {o["ProfileID"] for o in one} == {demo.SECOND_PROFILE_ID}
    assert len(one) == demo.ORDERS_PER_PROFILE[demo.SECOND_PROFILE_ID]


def test_orders_envelope_has_every_documented_field_with_nulls_written(
    api: httpx.Client, sandbox: SandboxProcess
) -> None:
    body = api.get("/Orders").json()

    assert body["@odata.context"] == f"{sandbox.api_url}/$metadata#Orders"
    assert len(body["value"]) == 20
    order = body["value"][0]
    assert list(order) == list(ORDER.props)
    assert order["ShippingStatus"] in ENUMS["ShippingStatus"]
    assert order["CheckoutStatus"] in ("Completed", "Visited")
    assert order["SecondarySiteOrderID"] is None
    assert isinstance(order["TotalPrice"], float | int)
    assert order["CreatedDateUtc"].endswith("Z")
    assert order["SiteOrderID"] != str(order["ID"])


def test_next_link_is_absolute_and_keeps_every_parameter(sandbox: SandboxProcess, new_token) -> None:
    token = new_token()
    params = {"access_token": token, "exported": "false", "$filter": "ProfileID eq 12345678", "$select": "ID"}
    first = httpx.get(f"{sandbox.api_url}/Orders", params=params).json()

    link = first["@odata.nextLink"]
    parts = urlsplit(link)
    query = parse_qs(parts.query)
    assert link.startswith(f"{sandbox.api_url}/Orders?")
    assert query["access_token"] == [token]
    assert query["exported"] == ["false"]
    assert query["$filter"] == ["ProfileID eq 12345678"]
    assert query["$skip"] == ["20"]
    second = httpx.get(link).json()
    assert {o["ID"] for o in second["value"]}.isdisjoint({o["ID"] for o in first["value"]})


def test_last_page_has_no_next_link_and_top_skip_count(api: httpx.Client) -> None:
    body = api.get("/Orders", params={"$skip": "290", "$count": "true"}).json()
    top = api.get("/Orders", params={"$top": "5", "$skip": "3"}).json()
    everything = _all(api, "/Orders", {"$select": "ID"})

    assert body["@odata.count"] == 300
    assert len(body["value"]) == 10
    assert "@odata.nextLink" not in body
    assert [o["ID"] for o in top["value"]] == [o["ID"] for o in everything[3:8]]
    assert "@odata.nextLink" not in top


def test_top_above_the_page_size_pages_until_top(api: httpx.Client) -> None:
    assert len(_all(api, "/Orders", {"$top": "45", "$select": "ID"})) == 45


def test_count_path_returns_a_bare_number(api: httpx.Client) -> None:
    response = api.get("/Orders/$count", params={"$filter": f"ProfileID eq {demo.SECOND_PROFILE_ID}"})

    assert response.status_code == 200
    assert response.text == "100"


def test_filter_operators_quoted_enums_and_parentheses(api: httpx.Client) -> None:
    everything = _all(api, "/Orders", {"$select": "ID,ShippingStatus,PaymentStatus,TotalPrice"})
    expr = "(ShippingStatus eq 'Unshipped' or ShippingStatus eq 'PartiallyShipped')"
    expr += " and PaymentStatus ne 'Failed'"
    expected = {
        o["ID"]
        for o in everything
        if o["ShippingStatus"] in ("Unshipped", "PartiallyShipped") and o["PaymentStatus"] != "Failed"
    }

    found = _all(api, "/Orders", {"$filter": expr, "$select": "ID"})
    priced = _all(api, "/Orders", {"$filter": "TotalPrice gt 50 and TotalPrice le 100", "$select": "ID"})

    assert {o["ID"] for o in found} == expected
    assert {o["ID"] for o in priced} == {o["ID"] for o in everything if 50 < o["TotalPrice"] <= 100}


def test_upper_case_keywords_and_any_case_property_names(api: httpx.Client) -> None:
    lower = _all(api, "/Orders", {"$filter": "ShippingStatus eq 'Shipped' and ProfileID eq 12345678"})
    upper = _all(api, "/Orders", {"$FILTER": "shippingstatus EQ 'Shipped' AND profileid eq 12345678"})

    assert lower
    assert [o["ID"] for o in upper] == [o["ID"] for o in lower]


def test_dates_with_and_without_time_and_offset(api: httpx.Client, control: SandboxControl) -> None:
    seeded = control.seed(
        orders=[
            {
                "ProfileID": demo.PROFILE_ID,
                "CreatedDateUtc": "2015-11-15T00:00:00Z",
                "Items": [{"Sku": "WID-001"}],
            },
            {
                "ProfileID": demo.PROFILE_ID,
                "CreatedDateUtc": "2015-11-15T10:44:15Z",
                "Items": [{"Sku": "WID-001"}],
            },
        ]
    )
    midnight, morning = seeded["order_ids"]

    def ids(expr: str) -> set[int]:
        return {o["ID"] for o in _all(api, "/Orders", {"$filter": expr, "$select": "ID"})}

    assert ids("CreatedDateUtc eq 2015-11-15") == {midnight}
    assert ids("CreatedDateUtc eq 2015-11-15T10:44:15Z") == {morning}
    assert ids("CreatedDateUtc eq 2015-11-15T06:44:15.0000000-04:00") == {morning}
    assert ids("CreatedDateUtc ge 2015-11-15 and CreatedDateUtc lt 2015-11-16") == {midnight, morning}
    assert ids("year(CreatedDateUtc) eq 2015 and hour(CreatedDateUtc) eq 10") == {morning}


def test_quotes_are_escaped_by_doubling(api: httpx.Client, control: SandboxControl) -> None:
    seeded = control.seed(orders=[{"ProfileID": demo.PROFILE_ID, "BuyerUserId": "o'brien", "Items": [{"Sku": "X"}]}])

    found = _all(api, "/Orders", {"$filter": "BuyerUserId eq 'o''brien'", "$select": "ID"})

    assert [o["ID"] for o in found] == seeded["order_ids"]


def test_any_lambda_on_items(api: httpx.Client) -> None:
    everything = _all(api, "/Orders", {"$expand": "Items($select=Sku)", "$select": "ID"})
    expected = {o["ID"] for o in everything if any(i["Sku"] == "WID-007" for i in o["Items"])}

    found = _all(api, "/Orders", {"$filter": "Items/Any(i: i/Sku eq 'WID-007')", "$select": "ID"})

    assert expected
    assert {o["ID"] for o in found} == expected


@pytest.mark.parametrize("function", ["startswith(SiteOrderID, '11')", "substringof('11', SiteOrderID)"])
def test_string_functions_are_refused_with_400(api: httpx.Client, function: str) -> None:
    response = api.get("/Orders", params={"$filter": function})

    assert response.status_code == 400
    assert "not supported" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "expr",
    [
        "ShippingStatus eq 'Sent'",
        "CreatedDateUtc ge '2016-01-01'",
        "NoSuchField eq 1",
        "ID eq",
        "ID eq 2016-13-45",
    ],
)
def test_bad_filters_get_400_with_a_message(api: httpx.Client, expr: str) -> None:
    response = api.get("/Orders", params={"$filter": expr})

    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_select_orderby_and_nested_expand_with_inner_select(api: httpx.Client) -> None:
    body = api.get(
        "/Orders",
        params={
            "$select": "ID,TotalPrice",
            "$orderby": "TotalPrice desc",
            "$expand": "Items($select=Sku,Quantity;$expand=FulfillmentItems),Fulfillments($expand=Items)",
        },
    ).json()

    orders = body["value"]
    assert list(orders[0]) == ["ID", "TotalPrice", "Items", "Fulfillments"]
    assert [o["TotalPrice"] for o in orders] == sorted((o["TotalPrice"] for o in orders), reverse=True)
    assert list(orders[0]["Items"][0]) == ["Sku", "Quantity", "FulfillmentItems"]
    assert "Items" in orders[0]["Fulfillments"][0]


def test_expanded_children_are_capped_in_lists_with_their_own_next_link(
    api: httpx.Client, control: SandboxControl
) -> None:
    items = [{"Sku": f"BULK-{n:02d}"} for n in range(25)]
    order_id = control.seed(orders=[{"ProfileID": demo.PROFILE_ID, "Items": items}])["order_ids"][0]

    listed = api.get("/Orders", params={"$filter": f"ID eq {order_id}", "$expand": "Items"}).json()["value"][0]
    single = api.get(f"/Orders({order_id})", params={"$expand": "Items"}).json()

    assert len(listed["Items"]) == 20
    rest = api.get(listed["Items@odata.nextLink"]).json()
    assert len(rest["value"]) == 5
    assert len(single["Items"]) == 25
    assert "Items@odata.nextLink" not in single
    assert list(single["Items"][0]) == list(ORDER_ITEM.props)


def test_single_order_is_bare_or_404(api: httpx.Client, sandbox: SandboxProcess) -> None:
    order_id = api.get("/Orders").json()["value"][0]["ID"]

    found = api.get(f"/Orders({order_id})")
    missing = api.get("/Orders(999999999)")

    assert found.status_code == 200
    assert found.json()["@odata.context"] == f"{sandbox.api_url}/$metadata#Orders/$entity"
    assert found.json()["ID"] == order_id
    assert "value" not in found.json()
    assert missing.status_code == 404
    assert missing.json()["error"]["message"]


def test_page_size_is_configurable_per_entity(api: httpx.Client, control: SandboxControl) -> None:
    control.set_page_size("Orders", 7)

    assert len(api.get("/Orders").json()["value"]) == 7
    assert len(api.get("/Products").json()["value"]) == 70  # Products default to 100 a page; 70 exist
