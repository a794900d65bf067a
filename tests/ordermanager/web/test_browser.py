"""The web app in a real browser (Debian's chromium through Playwright) against a live server.

The order is imported from the ChannelAdvisor sandbox over HTTP, shipped in the browser, and delivered by a stack
controller run (the product's own, as `ordermanager stack run --once` runs it), so the sandbox receives the Ship call.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts.carriers import map_carrier
from ordermanager.orders.importing import import_orders
from ordermanager.orders.models import Order, Shipment, TimelineEntry
from ordermanager.params import actions as params
from ordermanager.stack.models import StackRecord, State
from ordermanager.statuses.actions import load_default_status_events
from tests.conftest import make_sandbox_cart, sandbox_order
from tests.ordermanager.test_stack import drain
from tests.ordermanager.web.conftest import log_in, make_user, screenshot


@pytest.fixture
def shop(transactional_db: None, sandbox: SandboxProcess, ca: SandboxControl) -> dict:
    """The demo account as a cart, status updates on, two orders imported from the sandbox, an operator."""
    params.set_parameter("UseStatusUpdates", "True")
    load_default_status_events()
    cart = make_sandbox_cart(sandbox)
    ids = [sandbox_order(ca, 2, 1, BuyerEmailAddress="ada@example.com"), sandbox_order(ca, 1)]
    import_orders(cart)
    orders = [Order.objects.get(cart=cart, channel_order_id=str(n)) for n in ids]
    return {"cart": cart, "orders": orders, "operator": make_user("olga", "Operator")}


def add_tracking(page: Page, number: str, carrier: str | None = None, shipping_class: str | None = None) -> None:
    """Fill the order page's Add tracking form (carrier and class as the page offers them unless given) and send."""
    form = page.locator("#add-tracking")
    form.get_by_label("Tracking number").fill(number)
    if carrier is not None:
        form.get_by_label("Carrier").fill(carrier)
    if shipping_class is not None:
        form.get_by_label("Class").fill(shipping_class)
    form.get_by_role("button", name="Add tracking").click()


def test_log_in(page: Page, live_server, shop: dict) -> None:
    page.goto(f"{live_server.url}/orders/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/orders/$"))
    screenshot(page, "login")
    page.get_by_label("User name").fill("olga")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    log_in(page, live_server.url, "olga")
    expect(page.get_by_role("heading", name="Main Menu")).to_be_visible()
    expect(page.locator(".alarm")).to_contain_text("No stack controller is running")
    screenshot(page, "home")


def test_ship_an_order_and_watch_it_reach_the_sandbox(page: Page, live_server, shop: dict, ca: SandboxControl) -> None:
    # given: the operator opens the order from the list
    order: Order = shop["orders"][0]
    log_in(page, live_server.url, "olga")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    screenshot(page, "orders")
    page.get_by_role("link", name=str(order.pk), exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(f"Order {order.pk}"))).to_be_visible()
    expect(page.locator("#cart-updates")).to_contain_text("Nothing to send yet")

    # when: a tracking number for the whole order (the carrier and class come from the order)
    add_tracking(page, "1Z999AA10123456784")

    # then: the page shows the package, and the update waits on the stack
    expect(page.get_by_role("status")).to_contain_text("Tracking number 1Z999AA10123456784 added to package")
    expect(page.locator("#cart-updates")).to_contain_text("the stack controller sends it next")
    screenshot(page, "order-queued")
    assert ca.calls(route="ship") == []

    # when: the stack controller runs
    drain()

    # then: the sandbox got the Ship call, and the stack viewer and the order page say it was sent
    assert len(ca.calls(route="ship")) == 1
    page.goto(f"{live_server.url}/stack/?order={order.pk}")
    row = page.locator("tr[id^=record-]")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Sent")
    screenshot(page, "stack")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator("#cart-updates")).to_contain_text("Sent to CA Sandbox at")
    expect(page.locator(".package")).to_contain_text("with the cart")
    screenshot(page, "order-sent")
    page.goto(f"{live_server.url}/stack/{StackRecord.objects.get(order=order).pk}/")
    expect(page.get_by_role("heading", name=re.compile("Stack record"))).to_contain_text("Sent")
    screenshot(page, "stack-record")
    page.goto(f"{live_server.url}/")
    expect(page.locator(".chart h2")).to_contain_text("1 sent, 0 failed")
    screenshot(page, "home-after-shipping")


def test_bad_input_shows_the_fields_message_and_changes_nothing(page: Page, live_server, shop: dict) -> None:
    order: Order = shop["orders"][1]
    entries = TimelineEntry.objects.filter(order=order).count()
    log_in(page, live_server.url, "olga")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    add_tracking(page, "1ZNOCARRIER", carrier="")
    carrier = page.locator("#add-tracking").get_by_label("Carrier")
    expect(carrier).to_have_attribute("aria-invalid", "true")
    expect(carrier).to_have_value("")
    expect(page.locator("#add-tracking .field-error")).to_have_text("a new package needs a carrier (for example UPS)")
    # the number typed is still there, to correct and send again
    expect(page.locator("#add-tracking").get_by_label("Tracking number")).to_have_value("1ZNOCARRIER")
    screenshot(page, "order-bad-input")
    assert Shipment.objects.filter(order=order).count() == 0
    assert TimelineEntry.objects.filter(order=order).count() == entries
    assert not StackRecord.objects.filter(order=order).exists()


def test_an_operator_cannot_open_settings(page: Page, live_server, shop: dict) -> None:
    log_in(page, live_server.url, "olga")
    expect(page.get_by_role("link", name="Maintenance menu")).to_have_count(0)
    response = page.goto(f"{live_server.url}/maintenance/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("main")).to_contain_text("need the Manager role")


def test_the_stack_viewer_refreshes_itself(page: Page, live_server, shop: dict) -> None:
    log_in(page, live_server.url, "olga")
    page.goto(f"{live_server.url}/stack/")
    expect(page.locator("#live")).to_contain_text("The stack has never held a record")
    # a change made elsewhere (here, the action the CLI calls) appears without reloading the page
    from ordermanager.orders import actions

    actions.add_tracking_number(
        shop["orders"][1], "1ZPOLLED01", actor="cli:test", carrier="UPS", shipping_class="Ground"
    )
    expect(page.locator("tr[id^=record-]")).to_have_count(1, timeout=15_000)
    assert StackRecord.objects.get().state == State.PENDING


def test_a_problem_record_shows_its_fix_and_retry_sends_it(
    page: Page, live_server, shop: dict, ca: SandboxControl
) -> None:
    # given: a package shipped with a carrier the cart has no mapping for, and a controller run
    order: Order = shop["orders"][1]
    log_in(page, live_server.url, "olga")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    add_tracking(page, "JD0123456789", carrier="DHL", shipping_class="Express")
    expect(page.locator("#cart-updates")).to_contain_text("DHL Express has no ChannelAdvisor carrier")
    drain()
    assert ca.calls(route="ship") == []

    # then: the stack viewer lists a problem, and its page says what to fix
    page.goto(f"{live_server.url}/stack/?state=problem")
    page.locator("tr[id^=record-] a").first.click()
    expect(page.locator(".panel-bad")).to_contain_text("To fix: map it")
    screenshot(page, "stack-problem")

    # when: the merchant maps the carrier (as Maintenance or the CLI does) and presses Retry
    map_carrier(shop["cart"], "DHL", "Express", "DHL", "Express")
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status")).to_contain_text("is back on the stack")
    drain()

    # then: the sandbox got the shipment
    assert len(ca.calls(route="ship")) == 1
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Stack record"))).to_contain_text("Sent")


def test_a_manager_adds_an_operator(page: Page, live_server, shop: dict) -> None:
    make_user("max", "Manager")
    log_in(page, live_server.url, "max")
    page.locator("summary", has_text="Maintenance").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Users").click()
    form = page.locator("#add-user")
    form.get_by_label("User name").fill("otto")
    form.get_by_label("Password").fill("short")
    form.get_by_label("Again").fill("short")
    form.get_by_role("button", name="Add user").click()
    expect(page.locator("#add-user .field-error")).to_contain_text("too short")
    form = page.locator("#add-user")
    expect(form.get_by_label("User name")).to_have_value("otto")
    form.get_by_label("Password").fill("a long enough pass phrase")
    form.get_by_label("Again").fill("a long enough pass phrase")
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_contain_text("User otto added as Operator.")
    screenshot(page, "users")
