"""Malformed input typed into the screens' query strings and forms (found by clicking through every screen): each
answers with a message or an empty result, never a traceback, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.test import Client

from ordermanager.carts.models import Cart
from ordermanager.web.paging import parse_id
from tests.conftest import new_order

HUGE = "9" * 40  # past any 64-bit id: SQLite refused it with OverflowError
SUPERSCRIPT_TWO = "\u00b2"  # str.isdigit() says yes, int() says no


def test_an_id_is_ascii_digits_within_64_bits() -> None:
    assert parse_id("42") == 42
    assert parse_id(str(2**63 - 1)) == 2**63 - 1
    for text in ("", "-1", "4 2", SUPERSCRIPT_TWO, "\u0663", str(2**63), HUGE):
        assert parse_id(text) is None, text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"/orders/?cart={HUGE}", b"choose a cart from the list"),
        (f"/orders/?cart={SUPERSCRIPT_TWO}", b"choose a cart from the list"),
        (f"/stack/?order={HUGE}", b"must be a whole number below 2^63"),
        (f"/stack/?order={SUPERSCRIPT_TWO}", b"must be a whole number below 2^63"),
        (f"/stack/?cart={HUGE}", b"must be a whole number below 2^63"),
    ],
)
def test_a_bad_id_in_a_filter_is_named_not_a_traceback(operator_client: Client, url: str, message: bytes) -> None:
    response = operator_client.get(url)
    assert response.status_code == 200
    assert message in response.content


@pytest.mark.parametrize(
    "query",
    [f"after={HUGE}", f"before={HUGE}", f"after={SUPERSCRIPT_TWO}", f"q={SUPERSCRIPT_TWO}", f"q={HUGE}"],
)
def test_a_bad_page_cursor_or_search_shows_a_page(operator_client: Client, ca_cart: Cart, query: str) -> None:
    new_order(ca_cart, ("SKU-1", 1))
    assert operator_client.get(f"/orders/?{query}").status_code == 200
    assert operator_client.get(f"/stack/?{query}").status_code == 200


def test_the_last_day_of_the_calendar_as_received_until_keeps_every_order(
    operator_client: Client, ca_cart: Cart
) -> None:
    order = new_order(ca_cart, ("SKU-1", 1))
    response = operator_client.get("/orders/?date_to=9999-12-31")
    assert response.status_code == 200
    assert f'href="/orders/{order.pk}/"'.encode() in response.content
