"""Every Maintenance screen and wizard page: Manager only, and a bounded number of queries on seeded data."""

from __future__ import annotations

import pytest
from django.test import Client

from ordermanager.carts.carriers import map_carrier
from ordermanager.carts.models import Cart
from ordermanager.statuses import actions as statuses
from ordermanager.web.wizard import actions as wizard_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(status_updates: None, ca_cart: Cart, generic_cart: Cart) -> Cart:
    """Default labels and rules, two carts, a few mappings and overrides: enough rows to show an N+1."""
    for n in range(5):
        map_carrier(ca_cart, f"Carrier{n}", "Ground", "UPS", "Ground")
    for n in range(10):
        statuses.add_label(f"Spare {n}")
    wizard_actions.save_store_details("Acme Widgets", "shop@example.com", "")
    wizard_actions.choose_cart(ca_cart)
    for step in ("status", "events", "cart", "carriers"):
        wizard_actions.complete_step(step)
    wizard_actions.finish()
    return ca_cart


def pages(cart: Cart) -> dict[str, int]:
    """Each page with its query budget (session, user and permissions are 3-4 of them)."""
    return {
        "/maintenance/parameters/": 8,
        f"/maintenance/parameters/?cart={cart.store_name}": 9,
        "/maintenance/parameters/?group=Shipping&q=ship": 8,
        "/maintenance/events/": 8,
        "/maintenance/labels/": 8,
        "/maintenance/carts/": 7,
        f"/maintenance/carts/{cart.pk}/": 8,
        "/maintenance/carts/new/channeladvisor/": 6,
        "/maintenance/carts/new/generic/": 6,
        f"/maintenance/carts/{cart.pk}/carriers/": 8,
        "/setup/store/": 7,
        "/setup/status/": 8,
        "/setup/events/": 11,
        "/setup/cart/": 9,
        "/setup/carriers/": 9,
        "/setup/import/": 8,
        "/setup/done/": 11,
    }


def test_every_page_renders_within_its_query_budget(
    seeded: Cart, manager_client: Client, django_assert_max_num_queries
) -> None:
    for url, budget in pages(seeded).items():
        with django_assert_max_num_queries(budget):
            response = manager_client.get(url)
        assert response.status_code == 200, url


def test_an_operator_gets_403_on_every_page(seeded: Cart, operator_client: Client) -> None:
    for url in [*pages(seeded), "/setup/"]:
        assert operator_client.get(url).status_code == 403, url
