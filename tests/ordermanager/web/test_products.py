"""Products screens: the list with search, a product's levels and history, and who may see them (issue 13)."""

from __future__ import annotations

from django.test import Client

from ordermanager.inventory import actions as inventory
from ordermanager.inventory.models import Product
from tests.ordermanager.web.conftest import PASSWORD, make_user


def test_the_list_searches_and_keeps_its_query_budget(operator_client: Client, django_assert_max_num_queries) -> None:
    for n in range(30):
        inventory.set_stock(f"MUG-{n:03d}", n, title=f"Mug {n}")
    inventory.set_stock("PLATE-1", 4, title="Dinner plate")

    with django_assert_max_num_queries(8):
        found = operator_client.get("/products/", {"q": "plate"})

    assert found.status_code == 200
    text = found.content.decode()
    assert "PLATE-1" in text
    assert "MUG-001" not in text


def test_a_product_page_shows_levels_per_warehouse_and_the_history(operator_client: Client) -> None:
    inventory.add_warehouse("WEST")
    inventory.set_stock("LAMP-1", 6, title="Desk lamp", actor="web:ann")
    inventory.adjust_stock("LAMP-1", 3, warehouse="WEST", reason="delivery from supplier")
    product = Product.objects.get(sku="LAMP-1")

    page = operator_client.get(f"/products/{product.pk}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "<b>9</b>" in text
    assert "delivery from supplier" in text
    assert "web:ann" in text
    assert operator_client.get("/products/999999/").status_code == 404


def test_a_user_without_a_role_may_not_see_products(db: None, client: Client) -> None:
    make_user("nobody")
    client.login(username="nobody", password=PASSWORD)
    assert client.get("/products/").status_code == 403
