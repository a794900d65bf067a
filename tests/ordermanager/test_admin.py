"""The admin serves every model behind a login, and its edits go through the actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from ordermanager.stack.models import StackRecord
from ordermanager.statuses.models import EventRule
from tests.conftest import ACTOR, new_order

MODELS = [
    "orders/order",
    "orders/trackingnumber",
    "orders/timelineentry",
    "statuses/statuslabel",
    "statuses/eventrule",
    "params/systemparameter",
    "params/cartparameter",
    "carts/cart",
    "stack/stackrecord",
    "carts/carriermapping",
    "carts/knowncarrierclass",
    "carts/importproblem",
    "inventory/product",
    "stack/lease",
]


@pytest.fixture
def operator(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("op", "op@example.com", "pw-for-tests-only"))
    return client


@pytest.mark.django_db
def test_the_admin_needs_a_login():
    response = Client().get("/admin/orders/order/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.usefixtures("status_updates")
@pytest.mark.parametrize("model", MODELS)
def test_every_list_view_renders(operator, ca_cart, model):
    from ordermanager.orders import actions

    order = new_order(ca_cart)
    actions.add_tracking_number(order, "1Z1000", carrier="UPS", actor=ACTOR)
    response = operator.get(f"/admin/{model}/")
    assert response.status_code == 200
    assert operator.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 200


@pytest.mark.usefixtures("status_updates")
def test_notify_cart_refused_in_the_grid_shows_the_rule_and_changes_nothing(operator, ca_cart):
    rule = EventRule.objects.get(event="ItemSetActualShipDate")
    url = reverse("admin:statuses_eventrule_change", args=[rule.pk])

    response = operator.post(url, {"notify_cart": "on"}, follow=True)

    assert "OrderAddTrackingNumber" in response.content.decode()
    rule.refresh_from_db()
    assert not rule.notify_cart


@pytest.mark.usefixtures("status_updates")
def test_approve_from_the_order_list_goes_through_the_action(operator, ca_cart):
    order = new_order(ca_cart)
    response = operator.post("/admin/orders/order/", {"action": "approve", "_selected_action": [order.pk]}, follow=True)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status_label == "Approved"
    assert order.timeline.filter(actor="admin:op").exists()
    assert not StackRecord.objects.exists()
