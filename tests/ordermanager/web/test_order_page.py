"""The order page: what it shows, and working the order through the actions (bad input changes nothing)."""

from __future__ import annotations

import pytest
from django.test import Client

from ordermanager.carts.carriers import map_carrier
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.models import Order, Shipment, TimelineEntry
from ordermanager.stack.models import StackRecord
from tests.conftest import ACTOR, new_order

pytestmark = pytest.mark.usefixtures("status_updates")


@pytest.fixture
def order(ca_cart: Cart) -> Order:
    map_carrier(ca_cart, "UPS", "Ground", "UPS", "Ground")
    return new_order(ca_cart, ("SKU-1", 3), ("SKU-2", 2), ("SKU-3", 1), buyer_name="Ada Buyer")


def post(client: Client, order: Order, form: str, data: dict | None = None, **kwargs: object):
    return client.post(f"/orders/{order.pk}/{form}/", data or {}, **kwargs)


def state(order: Order) -> tuple:
    """What a refused action must leave untouched."""
    return (
        TimelineEntry.objects.filter(order=order).count(),
        Shipment.objects.filter(order=order).count(),
        StackRecord.objects.count(),
        Order.objects.filter(pk=order.pk).values_list("status_label", "on_hold", "cancelled_at").get(),
    )


def test_the_order_page_shows_items_packages_timeline_records_and_cart_updates(
    operator_client: Client, order: Order, django_assert_max_num_queries
) -> None:
    for n in range(3):
        actions.add_tracking_number(
            order, f"1ZPAGE{n:04d}", actor=ACTOR, carrier="UPS", shipping_class="Ground", items=[("SKU-1", 1)]
        )
    with django_assert_max_num_queries(20):
        response = operator_client.get(f"/orders/{order.pk}/")
    html = response.content.decode()
    assert "Ada Buyer" in html
    assert "1ZPAGE0002" in html
    assert "not with the cart yet" in html
    assert "Tracking number 1ZPAGE0000 added to package" in html  # the timeline
    assert "Cart updates" in html
    assert "is pending: the stack controller sends it next" in html
    assert f'href="/stack/{StackRecord.objects.get().pk}/"' in html


def test_an_unknown_order_is_404(operator_client: Client, db: None) -> None:
    assert operator_client.get("/orders/999999/").status_code == 404


def test_add_tracking_for_the_whole_order_queues_the_cart_update(operator_client: Client, order: Order) -> None:
    response = post(
        operator_client,
        order,
        "tracking",
        {"tracking_number": "1Z999AA10123456784", "carrier": "UPS", "shipping_class": "Ground"},
    )
    assert response.status_code == 302
    package = Shipment.objects.get(order=order)
    assert sorted((line.order_item.sku, line.quantity) for line in package.lines.all()) == [
        ("SKU-1", 3),
        ("SKU-2", 2),
        ("SKU-3", 1),
    ]
    assert StackRecord.objects.filter(order=order).count() == 1
    page = operator_client.get(response["Location"]).content.decode()
    assert "Tracking number 1Z999AA10123456784 added to package" in page
    assert TimelineEntry.objects.filter(order=order, actor="web:olga").exists()


def test_add_tracking_for_a_package_of_chosen_items_and_quantities(operator_client: Client, order: Order) -> None:
    one, two, _ = order.items.order_by("id")
    data = {"tracking_number": "1ZPART01", "carrier": "UPS", "shipping_class": "Ground", f"qty_{one.pk}": "2"}
    data[f"qty_{two.pk}"] = "1"
    assert post(operator_client, order, "tracking", data).status_code == 302
    package = Shipment.objects.get(order=order)
    assert sorted((line.order_item.sku, line.quantity) for line in package.lines.all()) == [("SKU-1", 2), ("SKU-2", 1)]
    order.refresh_from_db()
    assert order.shipping_status == "PartiallyShipped"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tracking_number": "1ZNOCARRIER", "carrier": ""}, "a new package needs a carrier"),
        ({"tracking_number": "!!", "carrier": "UPS"}, "must be 3 to 64 letters, digits or dashes"),
        ({"tracking_number": "1ZTOOMANY", "carrier": "UPS", "qty_FIRST": "9"}, "SKU-1 has 3 left to ship"),
        ({"tracking_number": "1ZBADQTY", "carrier": "UPS", "qty_FIRST": "two"}, "must be a whole number, not 'two'"),
        ({"tracking_number": "1ZBADDATE", "carrier": "UPS", "ship_date": "31/12/2026"}, "must be a date or date-time"),
    ],
)
def test_bad_tracking_input_shows_the_message_by_the_field_and_changes_nothing(
    operator_client: Client, order: Order, data: dict, message: str
) -> None:
    first = order.items.order_by("id").first()
    data = {k.replace("FIRST", str(first.pk)): v for k, v in data.items()}
    before = state(order)
    response = post(operator_client, order, "tracking", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p class="field-error" role="alert">{message}' in html.replace("&#x27;", "'")
    assert 'aria-invalid="true"' in html or "qty_" in str(data)
    assert state(order) == before


def test_bad_input_through_htmx_swaps_the_page_with_the_message(operator_client: Client, order: Order) -> None:
    before = state(order)
    response = post(
        operator_client, order, "tracking", {"tracking_number": "1ZX", "carrier": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "a new package needs a carrier" in response.content.decode()
    assert state(order) == before


def test_hold_release_and_approve(operator_client: Client, order: Order) -> None:
    post(operator_client, order, "hold", {"reason": "address check"})
    order.refresh_from_db()
    assert (order.on_hold, order.hold_reason) == (True, "address check")
    refused = post(operator_client, order, "approve")
    assert refused.status_code == 422
    assert "is on hold; release it before approving" in refused.content.decode()
    post(operator_client, order, "release")
    post(operator_client, order, "approve")
    order.refresh_from_db()
    assert not order.on_hold
    assert order.approved_at is not None
    assert order.status_label == "Approved"


def test_ship_dates_for_the_order_and_for_one_item(operator_client: Client, order: Order) -> None:
    post(operator_client, order, "ship_date", {"kind": "expected", "ship_date": "2026-12-01"})
    one = order.items.order_by("id").first()
    post(operator_client, order, "ship_date", {"kind": "actual", "ship_date": "2026-12-02", "item": [one.pk]})
    order.refresh_from_db()
    one.refresh_from_db()
    assert str(order.expected_ship_date) == "2026-12-01"
    assert str(one.actual_ship_date) == "2026-12-02"
    assert order.actual_ship_date is None
    before = state(order)
    bad = post(operator_client, order, "ship_date", {"kind": "expected", "ship_date": "soon"})
    assert "must be a date like 2026-11-27" in bad.content.decode()
    assert state(order) == before


def test_cancel_part_of_an_item_then_the_order(operator_client: Client, order: Order) -> None:
    one = order.items.order_by("id").first()
    post(operator_client, order, "cancel_item", {"item": one.pk, "quantity": "1"})
    one.refresh_from_db()
    assert one.quantity_cancelled == 1
    too_many = post(operator_client, order, "cancel_item", {"item": one.pk, "quantity": "5"})
    assert "SKU-1 has 2 open; 5 cannot be cancelled" in too_many.content.decode()
    post(operator_client, order, "cancel_order")
    order.refresh_from_db()
    assert order.cancelled_at is not None
    assert order.status_label == "Order Cancelled"


def test_fire_an_event_by_hand_and_add_a_note(operator_client: Client, order: Order) -> None:
    post(operator_client, order, "fire", {"event": "OrderPick"})
    order.refresh_from_db()
    assert order.status_label == "Picking"
    refused = post(operator_client, order, "fire", {"event": "OrderAddTrackingNumber"})
    assert "says a tracking number was added, and order" in refused.content.decode()
    post(operator_client, order, "note", {"text": "Buyer called about the colour"})
    assert TimelineEntry.objects.filter(order=order, message="Note: Buyer called about the colour").exists()
    empty = post(operator_client, order, "note", {"text": "  "})
    assert "a note cannot be empty" in empty.content.decode()


def test_actions_need_a_post_a_known_form_and_a_role(operator_client: Client, order: Order) -> None:
    assert operator_client.get(f"/orders/{order.pk}/approve/").status_code == 302
    assert post(operator_client, order, "explode").status_code == 404
    client = Client()
    assert post(client, order, "approve").status_code == 302  # to the login page
    order.refresh_from_db()
    assert order.approved_at is None
