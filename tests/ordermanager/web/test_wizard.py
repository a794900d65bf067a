"""The Store Setup Wizard without a browser: each page's rule, resuming, and the first import in its thread."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts import actions as carts_actions
from ordermanager.carts.models import Cart
from ordermanager.demo import DEMO_ACCOUNT
from ordermanager.errors import InputError
from ordermanager.orders.models import Order
from ordermanager.params import actions as params_actions
from ordermanager.statuses.models import EventRule
from ordermanager.web.models import ImportRun, SetupWizard
from ordermanager.web.wizard import actions as wizard_actions
from tests.conftest import sandbox_order
from tests.ordermanager.web.conftest import make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


def cart_form(base_url: str, **change: str) -> dict[str, object]:
    return {
        "do": "save",
        "store_name": "Acme on ChannelAdvisor",
        "active": "on",
        "send_status_to_web": "on",
        "order_download_batch": "25",
        "api_base_url": base_url,
        "download_checkout_statuses": ["Completed"],
        "download_payment_statuses": ["Cleared"],
        "download_shipping_statuses": ["Unshipped"],
        **{k: str(v) for k, v in DEMO_ACCOUNT.items()},
        **change,
    }


def at_step(step: str) -> None:
    wizard_actions.save_store_details("Acme", "", "")
    for done in wizard_actions.STEP_NAMES[1 : wizard_actions.STEP_NAMES.index(step)]:
        wizard_actions.complete_step(done)


@pytest.mark.django_db
def test_it_resumes_where_the_merchant_left_it(manager_client: Client) -> None:
    assert manager_client.get("/setup/")["Location"] == "/setup/store/"
    manager_client.post("/setup/store/", {"company_name": "Acme Widgets", "contact_email": "shop@example.com"})

    # another manager, another browser: the wizard opens on page 1 of the Order Status System
    other = Client()
    other.force_login(make_user("mia", "Manager"))
    assert other.get("/setup/")["Location"] == "/setup/status/"
    assert other.get("/setup/cart/")["Location"] == "/setup/status/"  # no skipping ahead
    assert b"Acme Widgets" in other.get("/setup/store/").content  # going back shows what was saved


@pytest.mark.django_db
def test_bad_store_details_are_refused_next_to_the_field(manager_client: Client) -> None:
    response = manager_client.post("/setup/store/", {"company_name": "Acme", "contact_email": "not an address"})
    assert response.status_code == 422
    assert b"contact_email: must be an e-mail address like shop@example.com" in response.content
    assert wizard_actions.current().step == "store"
    assert not SetupWizard.objects.filter(company_name="Acme").exists()


@pytest.mark.django_db
def test_page_1_turns_status_updates_on(manager_client: Client) -> None:
    at_step("status")
    page = manager_client.get("/setup/status/")
    assert b"Turns on status events." in page.content
    assert manager_client.post("/setup/status/", {"use_status_updates": "on"})["Location"] == "/setup/events/"
    assert params_actions.get("UseStatusUpdates") is True


@pytest.mark.django_db
def test_page_2_wants_notify_cart_somewhere_and_offers_the_defaults(manager_client: Client) -> None:
    at_step("events")
    params_actions.set_parameter("UseStatusUpdates", "True")
    refused = manager_client.post("/setup/events/")
    assert refused.status_code == 422
    assert b"notify_cart: no event has Notify Cart ticked" in refused.content
    assert wizard_actions.current().step == "events"

    manager_client.post("/setup/events/defaults/")
    assert EventRule.objects.get(event="OrderAddTrackingNumber").notify_cart
    assert manager_client.post("/setup/events/")["Location"] == "/setup/cart/"


@pytest.mark.django_db
def test_the_cart_page_needs_a_passing_test_or_a_deliberate_skip(
    manager_client: Client, sandbox: SandboxProcess, ca: SandboxControl
) -> None:
    at_step("cart")
    bad = manager_client.post("/setup/cart/", cart_form(sandbox.base_url, account_id="12345678"))
    assert bad.status_code == 422
    assert b"account_id: 12345678 looks like an Account Profile ID" in bad.content
    assert not Cart.objects.exists()

    manager_client.post("/setup/cart/", cart_form(sandbox.base_url, profile_id="999"))
    cart = Cart.objects.get()
    refused = manager_client.post("/setup/cart/", {"do": "continue"})
    assert refused.status_code == 422
    assert b"test: Test Settings has not passed" in refused.content

    failed = manager_client.post("/setup/cart/", {"do": "test"})
    assert b"settings: the token works, but not for Account Profile ID 999" in failed.content
    skipped = manager_client.post("/setup/cart/", {"do": "continue", "skip_test": "on"})
    assert skipped["Location"] == "/setup/carriers/"
    assert wizard_actions.current().test_skipped

    # corrected and tested, the cart step passes without skipping
    manager_client.post("/setup/cart/", cart_form(sandbox.base_url))
    assert wizard_actions.current().settings_tested_at is None  # saved settings must be tested again
    passed = manager_client.post("/setup/cart/", {"do": "test"})
    assert b"profile 12345678 is reachable" in passed.content
    assert manager_client.post("/setup/cart/", {"do": "continue"})["Location"] == "/setup/carriers/"
    assert not wizard_actions.current().test_skipped
    assert wizard_actions.current().cart == cart


def wait_for_import(client: Client, timeout: float = 60.0) -> bytes:
    """Poll the progress panel as the page does, until the run is no longer running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        panel = client.get("/setup/import/progress/", **HTMX).content
        if b"hx-trigger" not in panel:
            return panel
        time.sleep(0.2)
    raise AssertionError(f"the import did not end within {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_the_first_import_runs_in_a_thread_and_reports_its_progress(
    manager_client: Client, sandbox: SandboxProcess, ca: SandboxControl
) -> None:
    # given a cart on the sandbox with 30 waiting orders
    at_step("import")
    ca.generate_orders(demo.PROFILE_ID, 30, shipping_status="Unshipped")
    manager_client.post("/setup/cart/", cart_form(sandbox.base_url, order_download_batch="7"))

    # when the merchant starts the first import
    assert manager_client.post("/setup/import/", {"do": "start"})["Location"] == "/setup/import/"

    # then the page polls until the thread reports the result
    panel = wait_for_import(manager_client)
    assert b"Import finished: 30 downloaded, 30 imported, 0 already here." in panel
    assert Order.objects.count() == 30
    run = ImportRun.objects.get()
    assert (run.state, run.done, run.started_by) == ("finished", 30, "web:max")
    assert manager_client.post("/setup/import/", {"do": "continue"})["Location"] == "/setup/done/"
    assert b"Orders from the cart</dt><dd>30" in manager_client.get("/setup/done/").content


@pytest.mark.django_db(transaction=True)
def test_a_failed_import_says_why(manager_client: Client, sandbox: SandboxProcess, ca: SandboxControl) -> None:
    at_step("import")
    sandbox_order(ca, 1)
    manager_client.post("/setup/cart/", cart_form(sandbox.base_url, refresh_token="revoked-token"))
    manager_client.post("/setup/import/", {"do": "start"})
    panel = wait_for_import(manager_client)
    assert b"The import failed:" in panel
    assert ImportRun.objects.get().state == "failed"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_second_import_of_the_same_cart_is_refused_while_one_runs(ca_cart: Cart) -> None:
    wizard_actions.start_import(ca_cart, "web:max")
    with pytest.raises(InputError, match="an import from Channel Store is already running"):
        wizard_actions.start_import(ca_cart, "web:max")


@pytest.mark.django_db
def test_the_wizard_can_be_run_again_from_maintenance(manager_client: Client) -> None:
    at_step("done")
    wizard_actions.finish()
    assert b"Run the wizard again" in manager_client.get("/setup/done/").content
    manager_client.post("/setup/restart/")
    assert manager_client.get("/setup/")["Location"] == "/setup/store/"
    assert b"Store Setup Wizard" in manager_client.get("/maintenance/").content


@pytest.mark.django_db
def test_home_points_a_manager_to_the_wizard_until_a_cart_exists(
    manager_client: Client, operator_client: Client
) -> None:
    assert b"Start the Store Setup Wizard" in manager_client.get("/").content
    assert b"Start the Store Setup Wizard" not in operator_client.get("/").content
    carts_actions.add_cart("Phone", "manual")
    assert b"Start the Store Setup Wizard" not in manager_client.get("/").content
