"""The REST API (issue 10): tokens, orders, adding tracking, idempotency, problem details, rate limit, docs."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ordermanager.api.models import ApiToken
from ordermanager.orders.models import Shipment, TrackingNumber
from ordermanager.stack.models import StackRecord
from tests.conftest import new_order
from tests.ordermanager.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.usefixtures("status_updates")
PROBLEM = "application/problem+json"


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_token_is_printed_once_stored_hashed_listed_and_revoked(db, django_user_model):
    django_user_model.objects.create(username="ann")

    out = cli("api-token", "create", "ann", "--scope", "write", "--name", "ShipStation")

    token = out.splitlines()[1]
    record = ApiToken.objects.get()
    assert token.startswith(f"om_{record.prefix}_")
    assert token not in (record.digest, record.prefix)
    assert ApiClient(token).get("/orders").status_code == 200
    listed = cli("api-token", "list")
    assert record.prefix in listed
    assert "ShipStation" in listed
    assert token not in listed
    cli("api-token", "revoke", record.prefix)
    assert ApiClient(token).get("/orders").status_code == 401


def test_creating_a_token_for_nobody_is_refused_in_one_line(db):
    with pytest.raises(CommandError, match="username: there is no active user 'nobody'") as refused:
        cli("api-token", "create", "nobody")
    assert refused.value.returncode == 2


@pytest.mark.parametrize("header", [None, "Bearer om_nope_nope", "Basic abc"])
def test_without_a_valid_token_the_answer_is_401_problem(db, header):
    headers = {"Authorization": header} if header else {}

    response = Client().get("/api/v1/orders", headers=headers)

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["field"] == "Authorization"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_read_token_cannot_add_tracking(ca_cart, reader):
    order = new_order(ca_cart)

    response = reader.post(f"/orders/{order.pk}/tracking", {"tracking_number": "1ZREAD0001", "carrier": "UPS"})

    assert response.status_code == 403
    assert response.json()["detail"] == "this token may only read; create one with --scope write"
    assert not order.shipments.exists()


def test_adding_tracking_returns_201_with_the_package_and_queues_the_update(ca_cart, writer):
    order = new_order(ca_cart, ("SKU-1", 2), ("SKU-2", 1))
    body = {
        "tracking_number": "1ZAPI00001",
        "carrier": "UPS",
        "class": "Ground",
        "ship_date": "2026-11-26",
        "items": [{"sku": "SKU-1", "quantity": 1}],
    }

    response = writer.post(f"/orders/{order.pk}/tracking", body)

    assert response.status_code == 201, response.json()
    package = response.json()
    assert (package["order"], package["carrier"], package["class"]) == (order.pk, "UPS", "Ground")
    assert package["items"] == [{"sku": "SKU-1", "quantity": 1}]
    assert package["tracking_numbers"] == [{"number": "1ZAPI00001", "processed": True, "shared": False}]
    assert package["shipped_at"].startswith("2026-11-26")
    assert StackRecord.objects.filter(order=order).count() == 1
    assert order.timeline.filter(message__contains="OrderAddTrackingNumber", actor="api:shipper").exists()


def test_the_order_detail_has_items_packages_labels_and_timeline(ca_cart, writer):
    order = new_order(ca_cart, ("SKU-1", 1))
    writer.post(f"/orders/{order.pk}/tracking", {"tracking_number": "1ZAPI00002", "carrier": "UPS"})

    detail = writer.get(f"/orders/{order.pk}").json()

    assert [(i["sku"], i["quantity_shipped"]) for i in detail["items"]] == [("SKU-1", 1)]
    assert detail["packages"][0]["tracking_numbers"][0]["number"] == "1ZAPI00002"
    assert "Order Shipped" in detail["labels"]
    assert any("Tracking number 1ZAPI00002 added" in e["message"] for e in detail["timeline"])


def test_orders_list_filters_and_pages_with_a_cursor(ca_cart, reader):
    orders = [new_order(ca_cart) for _ in range(5)]

    first = reader.get("/orders", limit=2).json()
    second = reader.get("/orders", limit=2, cursor=first["next_cursor"]).json()
    third = reader.get("/orders", limit=2, cursor=second["next_cursor"]).json()

    seen = [o["number"] for page in (first, second, third) for o in page["items"]]
    assert sorted(seen) == sorted(o.pk for o in orders)
    assert third["next_cursor"] is None
    assert reader.get("/orders", status_label="No Such Label").json()["items"] == []
    assert len(reader.get("/orders", updated_since="2000-01-01T00:00:00Z").json()["items"]) == 5
    bad = reader.get("/orders", cursor="not-a-cursor")
    assert (bad.status_code, bad.json()["field"]) == (422, "cursor")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"carrier": "UPS"}, 422, "tracking_number"),
        ({"tracking_number": "1ZX", "carrier": "UPS", "items": [{"sku": "SKU-1", "quantity": 0}]}, 422,
         "items[0].quantity"),
        ({"tracking_number": "1Z 99 bad!", "carrier": "UPS"}, 422, "tracking_number"),
        ({"tracking_number": "1ZAPI00003", "carrier": "DHL", "class": "Express"}, 422, "carrier"),
        ({"tracking_number": "1ZAPI00003", "carrier": "UPS", "items": [{"sku": "SKU-1", "quantity": 5}]}, 422,
         "quantity"),
        ({"tracking_number": "1ZAPI00003", "carrier": "UPS", "surprise": 1}, 422, "surprise"),
    ],
)  # fmt: skip
def test_bad_input_is_a_problem_naming_the_field_and_changes_nothing(ca_cart, writer, body, status, field):
    order = new_order(ca_cart, ("SKU-1", 2))

    response = writer.post(f"/orders/{order.pk}/tracking", body)

    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert (problem["status"], problem["field"]) == (status, field)
    assert problem["detail"]
    assert not Shipment.objects.exists()


def test_an_unknown_order_is_404(db, writer):
    response = writer.post("/orders/424242/tracking", {"tracking_number": "1ZAPI00004", "carrier": "UPS"})

    assert (response.status_code, response.json()["field"]) == (404, "number")
    assert writer.get("/orders/424242").status_code == 404


@pytest.mark.parametrize("number", ["1ZDUP00001", "1zdup00001", "1Z-DUP-00001"])
def test_a_number_on_another_order_is_409_whatever_its_case_or_dashes(ca_cart, writer, number):
    first, second = new_order(ca_cart), new_order(ca_cart)
    writer.post(f"/orders/{first.pk}/tracking", {"tracking_number": "1ZDUP00001", "carrier": "UPS"})

    response = writer.post(f"/orders/{second.pk}/tracking", {"tracking_number": number, "carrier": "UPS"})

    assert response.status_code == 409
    assert f"already on order {first.pk}" in response.json()["detail"]
    assert TrackingNumber.objects.count() == 1


def test_one_idempotency_key_adds_one_package_and_replays_the_answer(ca_cart, writer):
    order = new_order(ca_cart)
    body = {"tracking_number": "1ZIDEM0001", "carrier": "UPS"}
    key = {"Idempotency-Key": "ship-1"}

    first = writer.post(f"/orders/{order.pk}/tracking", body, key)
    again = writer.post(f"/orders/{order.pk}/tracking", body, key)
    other = writer.post(f"/orders/{order.pk}/tracking", {**body, "tracking_number": "1ZIDEM0002"}, key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (other.status_code, other.json()["field"]) == (422, "Idempotency-Key")
    assert Shipment.objects.filter(order=order).count() == 1
    assert StackRecord.objects.filter(order=order).count() == 1


def test_the_rate_limit_answers_429_with_retry_after(db, settings):
    settings.ORDERMANAGER_API_REQUESTS_PER_MINUTE = 3
    client = ApiClient(token_for("busy", "read"))

    answers = [client.get("/orders").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    limited = client.get("/orders")
    assert limited["Content-Type"] == PROBLEM
    assert 1 <= int(limited["Retry-After"]) <= 60


def test_the_stack_status_records_and_retry(ca_cart, writer):
    order = new_order(ca_cart)
    writer.post(f"/orders/{order.pk}/tracking", {"tracking_number": "1ZSTK00001", "carrier": "UPS"})
    record = StackRecord.objects.get(order=order)

    status = writer.get("/stack").json()
    records = writer.get("/stack/records", state="pending").json()
    retried = writer.post(f"/stack/records/{record.pk}/retry")

    assert status["on_stack"] == 1
    assert [r["id"] for r in records["items"]] == [record.pk]
    assert (retried.status_code, retried.json()) == (200, {"retried": [record.pk]})
    assert writer.post("/stack/records/999999/retry").status_code == 404


def test_openapi_and_the_docs_page_are_served_without_a_cdn(db):
    client = Client()

    schema = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert schema.status_code == 200
    assert "/api/v1/orders/{number}/tracking" in schema.json()["paths"]
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    bundle = client.get("/static/ninja/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    bundle.close()


def test_a_nul_character_in_a_filter_is_a_422_problem_naming_the_field(db, reader):
    answer = reader.get("/orders", status_label="Shipped\x00")

    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["field"] == "status_label"
