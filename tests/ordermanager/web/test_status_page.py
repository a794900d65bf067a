"""/status/, the buyers' order-status page: right for a good pair, the same answer for every bad one, rate-limited
per address. The browser tests drive Debian's chromium against the live server."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from playwright.sync_api import Page, expect

from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.orders.buyer_view import find_for_buyer
from ordermanager.orders.models import Order
from ordermanager.params import actions as params
from ordermanager.statuses.actions import load_default_status_events
from ordermanager.web.models import RateCounter
from tests.conftest import ACTOR, new_order
from tests.ordermanager.web.conftest import screenshot

NUMBER = "1Z999AA10123456784"


def shipped(cart: Cart) -> Order:
    """A paid order of the ChannelAdvisor cart, one of its two lines shipped by UPS with tracking."""
    params.set_parameter("UseStatusUpdates", "True")
    params.set_parameter("StoreName", "Ada's Mugs")
    load_default_status_events()
    actions.add_default_tracking_links()
    order = new_order(
        cart,
        ("MUG-1", 2),
        ("TEE-9", 1),
        marketplace_order_id="112-7654321-0000001",
        buyer_name="Ada Buyer",
        buyer_email="ada@example.com",
        ship_to_postal_code="94107-1234",
        ship_to_address1="1 Secret Lane",
    )
    actions.add_tracking_number(
        order, NUMBER, actor=ACTOR, carrier="UPS", shipping_class="Ground", items=[("MUG-1", 2)]
    )
    return order


def ask(page: Page, base_url: str, number: str, proof: str) -> int:
    """Fill in the form as a buyer would; return the answer's HTTP status."""
    page.goto(f"{base_url}/status/")
    page.get_by_label("Order number").fill(number)
    page.get_by_label("Billing ZIP code or e-mail").fill(proof)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Show my order").click()
    response = navigation.value
    assert response is not None
    return response.status


@pytest.mark.django_db(transaction=True)
def test_a_good_pair_shows_the_status_packages_and_tracking_links(page: Page, live_server, ca_cart: Cart) -> None:
    order = shipped(ca_cart)
    order.refresh_from_db()
    assert order.status_label  # the label the status events set
    status = ask(page, live_server.url, "112-7654321-0000001", "94107")
    assert status == 200
    answer = page.locator("#answer")
    expect(answer).to_contain_text(f"Order 112-7654321-0000001: {order.status_label}")
    expect(answer.locator("caption")).to_contain_text("Package 1 of 1: UPS Ground")
    expect(answer.locator("tbody td")).to_have_text(["Item MUG-1", "2"])  # what shipped, not the open TEE-9
    link = answer.get_by_role("link", name=f"Track package {NUMBER}")
    expect(link).to_have_attribute("href", f"https://www.ups.com/track?tracknum={NUMBER}")
    body = page.locator("body").inner_text()
    for private in ("Ada Buyer", "Secret Lane", "ada@example.com", "94107"):
        assert private not in body  # nothing the buyer did not type (and the typed ZIP is not echoed)
    screenshot(page, "status-found")
    # the e-mail works as the other half of the pair; so does our own order number
    assert ask(page, live_server.url, str(order.pk), " ADA@example.com ") == 200
    expect(page.locator("#answer")).to_contain_text(order.status_label)


@pytest.mark.django_db(transaction=True)
def test_every_bad_pair_gets_the_same_answer(page: Page, live_server, ca_cart: Cart) -> None:
    order = shipped(ca_cart)
    other = new_order(ca_cart, ship_to_postal_code="10001", buyer_email="bo@example.com")
    bad = [
        ("112-7654321-0000001", "94108"),  # the right number, a wrong ZIP code
        ("112-7654321-0000001", "bo@example.com"),  # the right number, another buyer's e-mail
        ("112-7654321-9999999", "94107"),  # a number that does not exist, a ZIP code that does
        (str(other.pk), "94107"),  # another order's number with this order's ZIP code
        (order.channel_order_id, "9410"),  # part of the ZIP code
    ]
    answers = set()
    for number, proof in bad:
        status = ask(page, live_server.url, number, proof)
        answers.add((status, page.locator("body").inner_text()))
    screenshot(page, "status-not-found")
    assert len(answers) == 1
    ((status, text),) = answers
    assert status == 200
    assert "We found no order with that number and ZIP code or e-mail." in text


def test_the_look_up_compares_every_candidate_the_same_way(db: None, ca_cart: Cart) -> None:
    order = new_order(ca_cart, ship_to_postal_code="SW1A 1AA", buyer_email="")
    assert find_for_buyer(order.channel_order_id, "sw1a1aa") == order
    assert find_for_buyer(order.channel_order_id, "") is None  # an empty e-mail never matches an empty answer
    assert find_for_buyer("", "SW1A 1AA") is None


def test_tries_are_limited_per_address(db: None, ca_cart: Cart, settings) -> None:
    settings.STATUS_PAGE_TRIES = (3, 600)
    order = new_order(ca_cart, ship_to_postal_code="94107")
    here, elsewhere = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="198.51.100.2")
    for _ in range(3):
        assert here.post("/status/", {"order": "nope", "proof": "00000"}).status_code == 200
    # the fourth try is refused, even with the right pair, before any look-up
    refused = here.post("/status/", {"order": order.channel_order_id, "proof": "94107"})
    assert refused.status_code == 429
    assert "Too many tries from your address" in refused.content.decode()
    assert "Order" not in refused.content.decode().split('id="answer"')[1].split("</section>")[0]
    assert elsewhere.post("/status/", {"order": order.channel_order_id, "proof": "94107"}).status_code == 200
    assert RateCounter.objects.get(key="status:203.0.113.7").count == 3


def test_the_page_needs_no_login_and_is_never_cached(client: Client, db: None) -> None:
    response = client.get("/status/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert 'name="order"' in response.content.decode()


def test_a_wrong_number_and_a_wrong_zip_code_do_the_same_work(db: None, ca_cart: Cart, client: Client) -> None:
    order = new_order(ca_cart, ship_to_postal_code="94107")
    client.post("/status/", {"order": "warm-up", "proof": "00000"})  # the address's counter exists from here on
    work = []
    for number, proof in [(order.channel_order_id, "94108"), ("9" + order.channel_order_id, "94107")]:
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/status/", {"order": number, "proof": proof})
        # the statements, without their values (the clock, the number typed) or savepoint names
        shapes = [re.sub(r"'[^']*'|\d+|\"s\w+\"", "?", q["sql"]) for q in queries.captured_queries]
        work.append((response.status_code, response.content.count(b"<"), shapes))
    assert work[0] == work[1]
