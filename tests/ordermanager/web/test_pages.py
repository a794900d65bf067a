"""Home, the orders list and the stack viewer: what they show, their filters, and their query budgets."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ordermanager.carts import actions as carts
from ordermanager.carts.connectors.base import ErrorKind
from ordermanager.carts.models import Cart
from ordermanager.orders import actions
from ordermanager.stack import leases
from ordermanager.stack.models import StackRecord, State
from tests.conftest import ACTOR, new_order
from tests.ordermanager.web.conftest import fail_records

pytestmark = pytest.mark.usefixtures("status_updates")


@pytest.fixture
def shop(ca_cart: Cart) -> dict[str, object]:
    """A few dozen orders: some shipped (records on the stack), one on hold, two with problem records."""
    orders = [new_order(ca_cart, ("SKU-1", 2), ("SKU-2", 1), buyer_name=f"Buyer {n}") for n in range(60)]
    for n, order in enumerate(orders[:5]):
        actions.add_tracking_number(order, f"1ZTRACK{n:04d}", actor=ACTOR, carrier="UPS", shipping_class="Ground")
    fail_records(ca_cart.pk, ErrorKind.PERMANENT, "the cart refused the carrier", "map the carrier")
    actions.add_tracking_number(orders[5], "1ZWAITING", actor=ACTOR, carrier="UPS", shipping_class="Ground")
    actions.hold_order(orders[6], actor=ACTOR, reason="address check")
    return {"orders": orders, "cart": ca_cart}


def order_numbers(html: bytes) -> list[int]:
    return [int(n) for n in re.findall(rb'href="/orders/(\d+)/"', html)]


# --- Home -------------------------------------------------------------------------------------


def test_home_shows_the_figures_and_says_loudly_that_no_controller_runs(
    operator_client: Client, shop: dict, django_assert_max_num_queries
) -> None:
    # 17: the stack's counts are the live records and the counters of sent ones (constant in history size)
    with django_assert_max_num_queries(17):
        response = operator_client.get("/")
    html = response.content.decode()
    assert "No stack controller is running" in html
    assert 'class="alarm"' in html
    assert "<b>54</b><span>orders to ship</span>" in html  # six of the 60 shipped whole
    assert "<b>5</b><span>problem records</span>" in html
    assert "never imported" in html
    assert "<svg" in html
    assert 'class="sent"' in html


def test_home_shows_a_running_controller_and_no_alarm(operator_client: Client, shop: dict) -> None:
    assert leases.acquire("controller:box:1:abc", "box:1:abc", 60)
    html = operator_client.get("/").content.decode()
    assert "No stack controller is running" not in html
    assert "Stack controller running" in html


# --- Orders list ------------------------------------------------------------------------------


def test_orders_list_pages_by_keyset_with_the_same_query_count_on_every_page(
    operator_client: Client, shop: dict, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(10):
        first = operator_client.get("/orders/")
    numbers = order_numbers(first.content)
    assert len(numbers) == 50
    assert numbers == sorted(numbers, reverse=True)
    older = re.search(rb'href="(\?after=\d+)"', first.content).group(1).decode()
    with django_assert_max_num_queries(10):
        second = operator_client.get("/orders/" + older)
    rest = order_numbers(second.content)
    assert len(rest) == 10
    assert max(rest) < min(numbers)
    assert b"Older" not in second.content.split(b'class="pager"')[1]
    newer = re.search(rb'href="(\?before=\d+)"', second.content).group(1).decode()
    assert order_numbers(operator_client.get("/orders/" + newer).content) == numbers


def test_orders_list_filters_and_search(operator_client: Client, shop: dict) -> None:
    orders = shop["orders"]
    assert order_numbers(operator_client.get("/orders/?hold=yes").content) == [orders[6].pk]
    problems = order_numbers(operator_client.get("/orders/?problem=yes").content)
    assert sorted(problems) == [o.pk for o in orders[:5]]
    assert order_numbers(operator_client.get("/orders/?q=1ZWAITING").content) == [orders[5].pk]
    assert order_numbers(operator_client.get(f"/orders/?q={orders[9].channel_order_id}").content) == [orders[9].pk]
    assert order_numbers(operator_client.get(f"/orders/?q={orders[9].pk}").content) == [orders[9].pk]
    assert order_numbers(operator_client.get("/orders/?q=Buyer+42").content) == [orders[42].pk]
    tracked = order_numbers(operator_client.get("/orders/?label=Order+Shipped").content)
    assert sorted(tracked) == [o.pk for o in orders[:6]]
    assert order_numbers(operator_client.get(f"/orders/?cart={shop['cart'].pk}&shipping=Shipped").content)
    assert order_numbers(operator_client.get("/orders/?date_from=2000-01-01&date_to=2000-01-02").content) == []


def test_a_bad_filter_says_which_and_why(operator_client: Client, shop: dict) -> None:
    response = operator_client.get("/orders/?date_from=yesterday")
    assert response.status_code == 200
    assert b"must be a date like 2026-11-27" in response.content
    assert order_numbers(response.content) == []


def test_the_filter_form_answers_htmx_with_the_results_only(operator_client: Client, shop: dict) -> None:
    response = operator_client.get("/orders/?hold=yes", headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert order_numbers(response.content) == [shop["orders"][6].pk]


# --- Stack viewer -----------------------------------------------------------------------------


def test_stack_viewer_counts_filters_and_refreshes_itself(
    operator_client: Client, shop: dict, django_assert_max_num_queries
) -> None:
    # 11: the counts are the live records and the counters of sent ones (constant in history size)
    with django_assert_max_num_queries(11):
        page = operator_client.get("/stack/")
    html = page.content.decode()
    assert 'hx-trigger="every 5s"' in html
    assert "No stack controller is running" in html
    assert "Channel Store" in html
    problems = operator_client.get("/stack/?state=problem").content.decode()
    assert problems.count('class="badge problem"') == 5
    one = shop["orders"][5]
    only = operator_client.get(f"/stack/?order={one.pk}").content.decode()
    assert only.count('<tr id="record-') == 1
    live = operator_client.get("/stack/?state=problem", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in live
    assert live.count('class="badge problem"') == 5
    assert "must be a whole number" in operator_client.get("/stack/?order=abc").content.decode()


def test_a_record_page_shows_the_error_and_the_fix_hint(
    operator_client: Client, shop: dict, django_assert_max_num_queries
) -> None:
    record = StackRecord.objects.filter(state=State.PROBLEM).first()
    with django_assert_max_num_queries(6):
        html = operator_client.get(f"/stack/{record.pk}/").content.decode()
    assert "the cart refused the carrier" in html
    assert "To fix:</strong> map the carrier" in html


def test_retry_one_then_all_problems_through_the_stack_actions(operator_client: Client, shop: dict) -> None:
    first, *rest = StackRecord.objects.filter(state=State.PROBLEM).order_by("id")
    response = operator_client.post(f"/stack/{first.pk}/retry/", {"next": f"/stack/{first.pk}/"})
    assert response["Location"] == f"/stack/{first.pk}/"
    first.refresh_from_db()
    assert first.state == State.RETRY
    operator_client.post("/stack/retry-problems/")
    assert not StackRecord.objects.filter(state=State.PROBLEM).exists()
    assert b"retry" in operator_client.get(f"/orders/{rest[0].order_id}/").content


def test_retrying_a_sent_record_is_refused_with_the_reason(operator_client: Client, shop: dict) -> None:
    record = StackRecord.objects.filter(state=State.PROBLEM).first()
    operator_client.post("/stack/clear-failed/")
    page = operator_client.post(f"/stack/{record.pk}/retry/", follow=True).content.decode()
    assert "only problem or waiting records can be retried" in page


def test_delete_records_with_failed_attempts_asks_first(
    operator_client: Client, shop: dict, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(8):
        confirm = operator_client.get("/stack/clear-failed/").content.decode()
    assert "5 problem record(s) will leave the stack" in confirm
    assert StackRecord.objects.filter(state=State.PROBLEM).count() == 5
    operator_client.post("/stack/clear-failed/")
    assert StackRecord.objects.filter(state=State.PROBLEM).count() == 0
    assert StackRecord.objects.filter(state=State.CLEARED).count() == 5


def test_stack_commands_refuse_a_get(operator_client: Client, shop: dict) -> None:
    assert operator_client.get("/stack/retry-problems/").status_code == 405
    assert StackRecord.objects.filter(state=State.PROBLEM).count() == 5


def test_home_shows_each_carts_last_import_and_the_orders_it_set_aside(operator_client: Client, shop: dict) -> None:
    cart = shop["cart"]
    assert "never imported" in operator_client.get("/").content.decode()
    carts.record_import(cart, downloaded=12, imported=11)
    carts.set_aside_order(cart, "8000001", "an item has no SKU", {"ID": 8000001}, "f1")
    html = operator_client.get("/").content.decode()
    assert "12 downloaded, 11 imported" in html
    assert "1 order(s) set aside" in html
    carts.record_import(cart, error="ChannelAdvisor answered 401: the refresh token was revoked")
    html = operator_client.get("/").content.decode()
    assert '<span class="badge bad">failed</span>' in html
    assert "the refresh token was revoked" in html
