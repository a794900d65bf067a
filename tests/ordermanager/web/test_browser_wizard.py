"""In a real browser (Debian's chromium, driven by Playwright): the Store Setup Wizard end to end against the
ChannelAdvisor sandbox, then the Maintenance screens it filled. Each run saves screenshots of the screens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts.models import Cart
from ordermanager.demo import DEMO_ACCOUNT
from ordermanager.orders.models import Order
from ordermanager.params import actions as params_actions
from ordermanager.statuses.models import EventRule
from tests.ordermanager.web.conftest import log_in, make_user, screenshot


@pytest.mark.django_db(transaction=True)
def test_a_manager_runs_the_wizard_end_to_end_against_the_sandbox(
    page: Page, live_server, sandbox: SandboxProcess, ca: SandboxControl
) -> None:
    url = live_server.url
    # given the sandbox's demo account with 12 orders waiting, and a manager
    ca.generate_orders(demo.PROFILE_ID, 12, shipping_status="Unshipped")
    make_user("max", "Manager")
    log_in(page, url, "max")

    # Home points a manager to the wizard while no cart exists
    screenshot(page, "home-first-run")
    page.get_by_role("link", name="Start the Store Setup Wizard").click()
    expect(page).to_have_url(re.compile(r"/setup/store/$"))
    page.get_by_label("Company name").fill("Acme Widgets")
    page.get_by_label("Contact e-mail").fill("shop@acme.example")
    screenshot(page, "wizard-1-store")
    page.get_by_role("button", name="Save and continue").click()

    # Order Status System, page 1: UseStatusUpdates
    page.get_by_label("Use Status Updates").check()
    screenshot(page, "wizard-2-status-updates")
    page.get_by_role("button", name="Save and continue").click()

    # page 2: recommended defaults, then one row changed by hand (saved in place by htmx)
    page.get_by_role("button", name="Load recommended defaults").click()
    expect(page.get_by_text("Default status events loaded")).to_be_visible()
    expect(page.get_by_label("Notify Cart for OrderAddTrackingNumber")).to_be_checked()
    page.get_by_label("Order Status for OrderPick").select_option("Approved")
    page.locator("#event-OrderPick").get_by_role("button", name="Save").click()
    expect(page.locator("#event-OrderPick").get_by_text("Saved.")).to_be_visible()
    screenshot(page, "wizard-3-status-events")
    page.get_by_role("button", name="Continue").click()

    # the cart: a mistake first (the Profile ID where the AccountID goes), shown beside the field
    expect(page.get_by_label("Store Name")).to_have_value("Acme Widgets")
    page.get_by_label("Member Name").fill(DEMO_ACCOUNT["member_name"])
    page.get_by_label("API AccountID").fill("12345678")
    page.get_by_label("Account Profile ID").fill(str(DEMO_ACCOUNT["profile_id"]))
    page.get_by_label("API address").fill(sandbox.base_url)
    page.get_by_label("Application ID").fill(DEMO_ACCOUNT["application_id"])
    page.get_by_label("Shared Secret").fill(DEMO_ACCOUNT["shared_secret"])
    page.get_by_label("Refresh Token").fill(DEMO_ACCOUNT["refresh_token"])
    page.get_by_role("button", name="Add cart").click()
    expect(page.get_by_text("account_id: 12345678 looks like an Account Profile ID")).to_be_visible()
    screenshot(page, "wizard-4-cart-refused")
    assert not Cart.objects.exists()
    page.get_by_label("API AccountID").fill(DEMO_ACCOUNT["account_id"])
    for secret in ("Application ID", "Shared Secret", "Refresh Token"):  # a refused form never echoes secrets
        expect(page.get_by_label(secret)).to_have_value("")
    page.get_by_label("Application ID").fill(DEMO_ACCOUNT["application_id"])
    page.get_by_label("Shared Secret").fill(DEMO_ACCOUNT["shared_secret"])
    page.get_by_label("Refresh Token").fill(DEMO_ACCOUNT["refresh_token"])
    page.get_by_role("button", name="Add cart").click()
    expect(page.get_by_text("Cart Acme Widgets saved. Now Test Settings.")).to_be_visible()
    page.get_by_role("button", name="Test Settings").click()
    expect(page.get_by_text("profile 12345678 is reachable")).to_be_visible()
    screenshot(page, "wizard-5-cart-tested")
    page.get_by_role("button", name="Continue").click()

    # carrier mapping: one method named differently from ChannelAdvisor's
    page.get_by_label("Our carrier").fill("UPS")
    page.get_by_label("Our class").fill("GND")
    page.get_by_label("ChannelAdvisor carrier").fill("UPS")
    page.get_by_label("ChannelAdvisor class").fill("Ground")
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_role("cell", name="GND", exact=True)).to_be_visible()
    screenshot(page, "wizard-6-carriers")
    page.get_by_role("button", name="Continue").click()

    # the first import: its progress is polled until it ends
    page.get_by_role("button", name="Start the first import").click()
    expect(page.get_by_text("Import finished: 12 downloaded, 12 imported, 0 already here.")).to_be_visible()
    screenshot(page, "wizard-7-import")
    page.get_by_role("button", name="Finish", exact=True).click()
    expect(page.get_by_role("heading", name="Your store is set up")).to_be_visible()
    screenshot(page, "wizard-8-done")

    # then the set-up is in the database, and the orders are on the Orders screen
    cart = Cart.objects.get()
    assert cart.channeladvisor.refresh_token == DEMO_ACCOUNT["refresh_token"]
    assert params_actions.get("UseStatusUpdates") is True
    assert EventRule.objects.get(event="OrderAddTrackingNumber").notify_cart
    assert Order.objects.filter(cart=cart).count() == 12
    page.get_by_role("link", name="Orders", exact=True).last.click()
    first = Order.objects.filter(cart=cart).order_by("-id").first()
    expect(page.locator(f"a[href='/orders/{first.pk}/']").first).to_be_visible()

    # and the Maintenance screens show what the wizard set up
    maintenance_screens(page, url, cart)


def maintenance_screens(page: Page, url: str, cart: Cart) -> None:
    page.goto(f"{url}/maintenance/")
    screenshot(page, "maintenance-menu")
    page.goto(f"{url}/maintenance/parameters/?group=Program")
    expect(page.locator("#param-UseStatusUpdates select")).to_have_value("True")
    page.goto(f"{url}/maintenance/parameters/?q=Tracking")
    page.get_by_label("TrackingLookbackDays").fill("500")
    page.locator("#param-TrackingLookbackDays").get_by_role("button", name="Save").click()
    expect(page.get_by_text("TrackingLookbackDays: must be at most 365, not 500")).to_be_visible()
    screenshot(page, "maintenance-parameters")
    assert params_actions.get("TrackingLookbackDays") == 7

    page.goto(f"{url}/maintenance/events/")
    page.get_by_label("Notify Cart for ItemSetActualShipDate").check()
    page.locator("#event-ItemSetActualShipDate").get_by_role("button", name="Save").click()
    expect(page.get_by_text("notify_cart: ItemSetActualShipDate may fire without a tracking number")).to_be_visible()
    screenshot(page, "maintenance-status-events")
    assert not EventRule.objects.get(event="ItemSetActualShipDate").notify_cart

    page.goto(f"{url}/maintenance/labels/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="Tracking Received").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("is used by the status event rule(s) OrderAddTrackingNumber")).to_be_visible()
    screenshot(page, "maintenance-list")

    page.goto(f"{url}/maintenance/carts/")
    screenshot(page, "maintenance-carts")
    page.get_by_role("link", name=cart.store_name).click()
    page.get_by_role("button", name="Test Settings").click()
    expect(page.get_by_text("profile 12345678 is reachable")).to_be_visible()
    screenshot(page, "maintenance-cart")
    page.goto(f"{url}/maintenance/carts/{cart.pk}/carriers/")
    screenshot(page, "maintenance-carriers")
