"""The Maintenance forms: each does what the CLI does, and bad input shows the field's message and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from ordermanager.carts import actions as carts_actions
from ordermanager.carts.models import CarrierMapping, Cart
from ordermanager.params import actions as params_actions
from ordermanager.params.models import CartParameter
from ordermanager.statuses import actions as statuses
from ordermanager.statuses.models import EventRule, StatusLabel

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- System Parameters ---------------------------------------------------------------------------


def test_a_parameter_is_saved_and_a_bad_value_is_refused_next_to_it(manager_client: Client) -> None:
    saved = manager_client.post("/maintenance/parameters/TrackingLookbackDays/", {"value": "14"}, **HTMX)
    assert saved.status_code == 200
    assert b"Saved." in saved.content
    assert params_actions.get("TrackingLookbackDays") == 14

    refused = manager_client.post("/maintenance/parameters/TrackingLookbackDays/", {"value": "400"}, **HTMX)

    assert refused.status_code == 200  # htmx swaps only 2xx answers
    assert b"TrackingLookbackDays: must be at most 365, not 400" in refused.content
    assert b'value="400"' in refused.content  # what was typed stays in the field, to be corrected
    assert params_actions.get("TrackingLookbackDays") == 14


def test_a_boolean_parameter_refuses_anything_but_true_or_false(manager_client: Client) -> None:
    refused = manager_client.post("/maintenance/parameters/UseStatusUpdates/", {"value": "maybe"}, **HTMX)
    assert refused.status_code == 200  # htmx swaps only 2xx answers
    assert b"must be True or False, not &#x27;maybe&#x27;" in refused.content
    assert params_actions.get("UseStatusUpdates") is False


def test_per_cart_overrides_are_set_shown_and_removed(manager_client: Client, ca_cart: Cart) -> None:
    post = {"value": "100", "cart": ca_cart.store_name}
    assert manager_client.post("/maintenance/parameters/CartRequestsPerMinute/", post, **HTMX).status_code == 200
    assert params_actions.get("CartRequestsPerMinute", cart=ca_cart) == 100
    assert params_actions.get("CartRequestsPerMinute") == 2000

    page = manager_client.get("/maintenance/parameters/", {"cart": ca_cart.store_name, "q": "CartRequests"})
    assert b"this cart" in page.content
    assert b'value="100"' in page.content

    removed = manager_client.post(
        "/maintenance/parameters/CartRequestsPerMinute/", {"do": "reset", "cart": ca_cart.store_name}, **HTMX
    )
    assert b"Override removed." in removed.content
    assert not CartParameter.objects.exists()


def test_a_whole_installation_parameter_cannot_be_set_per_cart(manager_client: Client, ca_cart: Cart) -> None:
    page = manager_client.get("/maintenance/parameters/", {"cart": ca_cart.store_name, "q": "Lookback"})
    assert b"cannot be set per cart" in page.content
    refused = manager_client.post(
        "/maintenance/parameters/TrackingLookbackDays/", {"value": "3", "cart": ca_cart.store_name}, **HTMX
    )
    assert refused.status_code == 200  # htmx swaps only 2xx answers
    assert b"applies to the whole order manager" in refused.content
    assert not CartParameter.objects.exists()


def test_search_groups_and_an_unknown_cart(manager_client: Client) -> None:
    page = manager_client.get("/maintenance/parameters/", {"group": "Shipping", "q": "date"})
    assert b"SetActualShipDate" in page.content
    assert b"UseStatusUpdates" not in page.content
    assert b"No parameter name contains" in manager_client.get("/maintenance/parameters/", {"q": "zzz"}).content
    unknown = manager_client.get("/maintenance/parameters/", {"cart": "Nope"})
    assert b"there is no cart named &#x27;Nope&#x27;" in unknown.content
    assert manager_client.post("/maintenance/parameters/NoSuchThing/", {"value": "1"}).status_code == 404


# --- Status Change Events ------------------------------------------------------------------------


def test_a_grid_row_is_saved(manager_client: Client, status_updates: None) -> None:
    post = {"item_label": "Picking", "order_label": "Approved", "notify_cart": "on"}
    saved = manager_client.post("/maintenance/events/OrderApprove/", post, **HTMX)
    assert saved.status_code == 200
    rule = EventRule.objects.select_related("item_label", "order_label").get(event="OrderApprove")
    assert (rule.item_label.name, rule.order_label.name, rule.notify_cart) == ("Picking", "Approved", True)


def test_channeladvisors_tracking_rule_refuses_notify_cart_on_an_event_without_tracking(
    manager_client: Client, status_updates: None, ca_cart: Cart
) -> None:
    grid = manager_client.get("/maintenance/events/")
    assert b"ChannelAdvisor's tracking rule applies to Channel Store" in grid.content

    refused = manager_client.post(
        "/maintenance/events/ItemSetActualShipDate/", {"order_label": "Order Shipped", "notify_cart": "on"}, **HTMX
    )

    assert refused.status_code == 200  # htmx swaps only 2xx answers
    assert b"notify_cart: ItemSetActualShipDate may fire without a tracking number" in refused.content
    assert b"tick Notify Cart on OrderAddTrackingNumber" in refused.content
    rule = EventRule.objects.get(event="ItemSetActualShipDate")
    assert (rule.order_label, rule.notify_cart) == (None, False)


def test_with_a_generic_cart_too_the_tracking_rule_only_warns(
    manager_client: Client, status_updates: None, ca_cart: Cart, generic_cart: Cart
) -> None:
    saved = manager_client.post("/maintenance/events/OrderShip/", {"notify_cart": "on"}, **HTMX)
    assert saved.status_code == 200
    assert b"Notify Cart on OrderShip will update Web Store only." in saved.content
    assert EventRule.objects.get(event="OrderShip").notify_cart


def test_load_default_status_events(manager_client: Client) -> None:
    response = manager_client.post("/maintenance/events/defaults/", follow=True)
    assert b"Default status events loaded: " in response.content
    assert EventRule.objects.get(event="OrderAddTrackingNumber").notify_cart
    statuses.set_event_rule("OrderApprove", order_label="Paid")
    manager_client.post("/maintenance/events/defaults/", {"reset": "on"})
    assert EventRule.objects.get(event="OrderApprove").order_label.name == "Approved"


# --- List Maintenance ----------------------------------------------------------------------------


def test_labels_are_added_renamed_and_deleted(manager_client: Client) -> None:
    manager_client.post("/maintenance/labels/add/", {"name": "Gift Wrapped"})
    statuses.set_event_rule("OrderPick", order_label="Gift Wrapped")
    manager_client.post("/maintenance/labels/rename/", {"label": "Gift Wrapped", "new_name": "Wrapped"})
    assert EventRule.objects.get(event="OrderPick").order_label.name == "Wrapped"
    statuses.set_event_rule("OrderPick", order_label="")
    page = manager_client.post("/maintenance/labels/delete/", {"label": "Wrapped"}, follow=True)
    assert b"Deleted status label &#x27;Wrapped&#x27;." in page.content
    assert not StatusLabel.objects.exists()


@pytest.mark.parametrize(
    ("url", "post", "message"),
    [
        ("add/", {"name": "  "}, b"label: a status label cannot be empty"),
        ("add/", {"name": "Spare"}, b"label: the status label &#x27;Spare&#x27; already exists"),
        ("rename/", {"label": "Spare", "new_name": "Used"}, b"the status label &#x27;Used&#x27; already exists"),
        ("rename/", {"label": "Spare", "new_name": 'Say "hi"'}, b"cannot contain single or double quotes"),
        ("delete/", {"label": "Used"}, b"&#x27;Used&#x27; is used by the status event rule(s) OrderPick, OrderShip"),
    ],
)
def test_bad_label_input_is_shown_and_changes_nothing(manager_client: Client, url, post, message) -> None:
    statuses.add_label("Spare")
    statuses.add_label("Used")
    statuses.set_event_rule("OrderShip", order_label="Used")
    statuses.set_event_rule("OrderPick", item_label="Used")

    response = manager_client.post(f"/maintenance/labels/{url}", post)

    assert response.status_code == 422
    assert message in response.content
    assert sorted(StatusLabel.objects.values_list("name", flat=True)) == ["Spare", "Used"]


# --- Shopping Carts ------------------------------------------------------------------------------

CA_FORM = {
    "store_name": "My CA Store",
    "active": "on",
    "send_status_to_web": "on",
    "order_download_batch": "50",
    "member_name": "me@example.com",
    "account_id": "11111111-2222-3333-4444-555555555555",
    "profile_id": "12345678",
    "api_base_url": "https://api.channeladvisor.com",
    "application_id": "app-1234567890abcd",
    "shared_secret": "secret-1234567890abcd",
    "refresh_token": "token-1234567890abcd",
    "download_checkout_statuses": ["Completed"],
    "download_payment_statuses": ["Cleared"],
    "download_shipping_statuses": ["Unshipped", "PartiallyShipped"],
}


def test_a_channeladvisor_cart_is_created_with_its_secrets_encrypted_and_never_shown(manager_client: Client) -> None:
    response = manager_client.post("/maintenance/carts/new/channeladvisor/", CA_FORM)
    cart = Cart.objects.get()
    assert response["Location"] == f"/maintenance/carts/{cart.pk}/"
    account = cart.channeladvisor
    assert (account.profile_id, account.refresh_token) == (12345678, "token-1234567890abcd")
    assert account.download_shipping_statuses == ["Unshipped", "PartiallyShipped"]

    page = manager_client.get(f"/maintenance/carts/{cart.pk}/").content.decode()
    assert "••••••••abcd" in page
    for secret in ("app-1234567890abcd", "secret-1234567890abcd", "token-1234567890abcd"):
        assert secret not in page


def test_secrets_left_empty_keep_their_stored_values(manager_client: Client) -> None:
    manager_client.post("/maintenance/carts/new/channeladvisor/", CA_FORM)
    cart = Cart.objects.get()
    kept = {"application_id": "", "shared_secret": ""}
    edit = {**CA_FORM, **kept, "refresh_token": "new-token", "order_download_batch": "20"}
    manager_client.post(f"/maintenance/carts/{cart.pk}/", edit)
    cart.refresh_from_db()
    account = cart.channeladvisor
    assert (account.application_id, account.shared_secret) == ("app-1234567890abcd", "secret-1234567890abcd")
    assert (account.refresh_token, cart.order_download_batch) == ("new-token", 20)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"account_id": "12345678"}, b"account_id: 12345678 looks like an Account Profile ID"),
        ({"profile_id": "11111111-2222-3333-4444-555555555555"}, b"profile_id: 11111111-2222-3333-4444-5555555"),
        ({"profile_id": "abc"}, b"profile_id: must be a whole number like 12345678"),
        ({"api_base_url": "ftp://x"}, b"api_base_url: must be an http(s) address"),
        ({"order_download_batch": "0"}, b"order_download_batch: must be between 1 and 200"),
        ({"order_download_batch": "ten"}, b"order_download_batch: must be a whole number between 1 and 200"),
        ({"download_payment_statuses": []}, b"download_payment_statuses: choose one or more of"),
        ({"shared_secret": "has space"}, b"shared_secret: must be the value exactly as ChannelAdvisor shows it"),
        ({"store_name": "Web Store"}, b"store_name: a cart named &#x27;Web Store&#x27; already exists"),
    ],
)
def test_bad_cart_input_is_shown_next_to_its_field_and_nothing_is_saved(
    manager_client: Client, generic_cart: Cart, change, message
) -> None:
    response = manager_client.post("/maintenance/carts/new/channeladvisor/", {**CA_FORM, **change})
    assert response.status_code == 422
    assert message in response.content
    assert list(Cart.objects.values_list("store_name", flat=True)) == ["Web Store"]
    assert b"secret-1234567890abcd" not in response.content  # a refused form does not echo secrets


def test_an_edit_refused_changes_nothing(manager_client: Client, ca_cart: Cart) -> None:
    form = {**CA_FORM, "store_name": "Renamed", "profile_id": "-5"}
    response = manager_client.post(f"/maintenance/carts/{ca_cart.pk}/", form)
    assert response.status_code == 422
    assert b"profile_id: must be a whole number" in response.content
    ca_cart.refresh_from_db()
    assert (ca_cart.store_name, ca_cart.channeladvisor.profile_id) == ("Channel Store", 12345678)


def test_a_generic_cart_is_created_and_edited(manager_client: Client) -> None:
    form = {
        "store_name": "Site",
        "active": "on",
        "order_download_batch": "50",
        "script_url": "https://shop.example/seom.php",
    }
    manager_client.post("/maintenance/carts/new/generic/", {**form, "password": "pw-1"})
    cart = Cart.objects.get()
    assert (cart.generic.script_url, cart.generic.password) == ("https://shop.example/seom.php", "pw-1")
    refused = manager_client.post(f"/maintenance/carts/{cart.pk}/", {**form, "script_url": "nowhere"})
    assert b"script_url: must be an http(s) address" in refused.content
    assert Cart.objects.get().generic.script_url == "https://shop.example/seom.php"


def test_a_cart_with_orders_cannot_be_deleted(manager_client: Client, ca_cart: Cart) -> None:
    from tests.conftest import new_order

    new_order(ca_cart)
    page = manager_client.post(f"/maintenance/carts/{ca_cart.pk}/delete/", follow=True)
    assert b"Channel Store has 1 order(s); untick Active instead of deleting it" in page.content
    assert Cart.objects.exists()


def test_test_settings_gives_the_clis_messages(manager_client: Client, sandbox_cart: Cart) -> None:
    passed = manager_client.post(f"/maintenance/carts/{sandbox_cart.pk}/test/", **HTMX)
    assert b"Connected to ChannelAdvisor at" in passed.content
    assert b"profile 12345678 is reachable" in passed.content

    carts_actions.edit_cart(sandbox_cart, profile_id=999)
    failed = manager_client.post(f"/maintenance/carts/{sandbox_cart.pk}/test/", **HTMX)
    assert b"Test Settings failed. settings: the token works, but not for Account Profile ID 999" in failed.content


# --- Carrier mapping -----------------------------------------------------------------------------


def test_mappings_are_added_and_removed(manager_client: Client, ca_cart: Cart) -> None:
    form = {"carrier": "UPS", "shipping_class": "Grnd", "cart_carrier": "UPS", "cart_class": "Ground"}
    page = manager_client.post(f"/maintenance/carts/{ca_cart.pk}/carriers/map/", form, follow=True)
    assert b"UPS Grnd ships as UPS/Ground on Channel Store." in page.content
    assert CarrierMapping.objects.filter(cart=ca_cart, shipping_class="Grnd").exists()
    unmap = {"carrier": "UPS", "shipping_class": "Grnd"}
    manager_client.post(f"/maintenance/carts/{ca_cart.pk}/carriers/unmap/", unmap)
    assert not CarrierMapping.objects.exists()


def test_a_bad_mapping_is_refused_next_to_its_field(manager_client: Client, ca_cart: Cart) -> None:
    form = {"carrier": "UPS", "shipping_class": "x" * 65, "cart_carrier": "UPS", "cart_class": "Ground"}
    response = manager_client.post(f"/maintenance/carts/{ca_cart.pk}/carriers/map/", form)
    assert response.status_code == 422
    assert b"shipping_class: is at most 64 characters" in response.content
    assert not CarrierMapping.objects.exists()


def test_an_override_for_a_cart_that_is_gone_changes_nothing(manager_client: Client, ca_cart: Cart) -> None:
    post = {"value": "100", "cart": "Deleted Meanwhile"}
    refused = manager_client.post("/maintenance/parameters/CartRequestsPerMinute/", post, **HTMX)
    assert refused.status_code == 200  # htmx swaps only 2xx answers
    assert b"cart: there is no cart named &#x27;Deleted Meanwhile&#x27;" in refused.content
    assert b'name="cart" value="Deleted Meanwhile"' in refused.content
    assert params_actions.get("CartRequestsPerMinute") == 2000
    assert not CartParameter.objects.exists()
