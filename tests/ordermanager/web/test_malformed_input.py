"""Malformed input typed into the screens' query strings and forms (found by clicking through every screen): each
answers with a message or an empty result, never a traceback, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.test import Client

from ordermanager.carts.models import Cart
from ordermanager.statuses.models import StatusLabel
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


@pytest.mark.usefixtures("status_updates")
def test_a_nul_character_in_any_form_is_refused_by_name_and_changes_nothing(
    manager_client: Client, ca_cart: Cart
) -> None:
    # given an order (PostgreSQL answered 500 to every form and filter that passed a NUL to the database)
    order = new_order(ca_cart, ("SKU-1", 1))
    entries, labels = order.timeline.count(), StatusLabel.objects.count()
    # when a note, a hold reason, a label or a search holds one
    for url, data in (
        (f"/orders/{order.pk}/note/", {"text": "a\x00b"}),
        (f"/orders/{order.pk}/hold/", {"reason": "a\x00b"}),
        ("/maintenance/labels/add/", {"name": "a\x00b"}),
    ):
        response = manager_client.post(url, data)
        # then the answer names the field and the rule, and nothing changed
        assert response.status_code == 400
        assert f"{next(iter(data))}: must not contain a NUL character (0x00)".encode() in response.content
    response = manager_client.get("/orders/?q=a%00b")
    assert response.status_code == 400
    assert b"q: must not contain a NUL character" in response.content
    order.refresh_from_db()
    assert order.timeline.count() == entries
    assert not order.on_hold
    assert StatusLabel.objects.count() == labels
    # and a form sent by htmx (which swaps only 2xx answers) reloads the page, which shows the message on top
    response = manager_client.post(f"/orders/{order.pk}/note/", {"text": "a\x00b"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    assert b"text: must not contain a NUL character (0x00)" in manager_client.get(f"/orders/{order.pk}/").content


def test_a_cart_name_longer_than_any_cart_is_no_cart(manager_client: Client, ca_cart: Cart) -> None:
    # SQLite refused the 100,000-character name as a LIKE pattern
    response = manager_client.get("/maintenance/parameters/", {"cart": "x" * 100_000})
    assert response.status_code == 200
    assert b"there is no cart named" in response.content
    response = manager_client.post(
        "/maintenance/parameters/UseStatusUpdates/", {"value": "True", "cart": "x" * 100_000}, follow=True
    )
    assert response.status_code == 200
    assert b"there is no cart named" in response.content


def test_a_search_longer_than_any_order_field_says_so(operator_client: Client, ca_cart: Cart) -> None:
    new_order(ca_cart, ("SKU-1", 1))
    response = operator_client.get("/orders/", {"q": "x" * 100_000})
    assert response.status_code == 200
    assert b"q: search for at most 254 characters, not 100000" in response.content


def test_a_pasted_100000_character_label_is_not_echoed_back_whole(manager_client: Client) -> None:
    response = manager_client.post("/maintenance/labels/add/", {"name": "x" * 100_000})
    assert response.status_code == 422
    assert b"a status label is at most 50 characters; &#x27;" + b"x" * 50 + b"&#x27;... has 100000" in response.content
    assert response.content.count(b"x" * 100_000) == 1  # in the field, to correct; not in the message as well
