"""Shopping cart definitions: ChannelAdvisor fields, validation, and secrets at rest."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from ordermanager.carts import actions as carts
from ordermanager.carts import carriers
from ordermanager.carts.models import Cart, ChannelAdvisorAccount
from ordermanager.crypto import MASK, mask
from ordermanager.errors import InputError

GUID = "11111111-2222-3333-4444-555555555555"
SECRETS = {
    "application_id": "app-0123456789abcdef",
    "shared_secret": "secret-0123456789abcdef",
    "refresh_token": "refresh-0123456789abcdef",
}


@pytest.mark.django_db
def test_a_channeladvisor_cart_keeps_its_fields_and_defaults():
    cart = carts.add_cart("CA", "channeladvisor", account_id=GUID.upper(), profile_id="12345678", **SECRETS)
    account = ChannelAdvisorAccount.objects.get(cart=cart)
    assert (account.account_id, account.profile_id) == (GUID, 12345678)
    assert account.api_base_url == "https://api.channeladvisor.com"
    assert account.download_payment_statuses == ["Cleared", "Submitted", "Deposited"]
    assert "Shipped" not in account.download_shipping_statuses
    assert not account.download_externally_managed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"account_id": "12345678", "profile_id": 12345678}, "account_id", "looks like an Account Profile ID"),
        ({"account_id": GUID, "profile_id": GUID}, "profile_id", "looks like the API AccountID"),
        ({"account_id": "not-a-guid", "profile_id": 1}, "account_id", "must be a GUID"),
        ({"account_id": GUID, "profile_id": "12ab"}, "profile_id", "whole number"),
        ({"profile_id": 1}, "account_id", "needs its API AccountID"),
        ({"account_id": GUID, "profile_id": 1, "api_base_url": "ftp://x"}, "api_base_url", "http(s) address"),
        ({"account_id": GUID, "profile_id": 1, "api_base_url": "http://[::1"}, "api_base_url", "http(s) address"),
        ({"account_id": GUID, "profile_id": 1, "api_base_url": "http://h:port"}, "api_base_url", "http(s) address"),
        ({"account_id": GUID, "profile_id": 1, "api_base_url": "http://:80"}, "api_base_url", "http(s) address"),
        (
            {"account_id": GUID, "profile_id": 1, "download_payment_statuses": "Cleared,Paid"},
            "download_payment_statuses",
            "Paid",
        ),
        ({"account_id": GUID, "profile_id": 1, "shared_secret": "has space"}, "shared_secret", "no spaces"),
        ({"account_id": GUID, "profile_id": 1, "script_url": "x"}, "script_url", "not a field"),
    ],
)
def test_bad_channeladvisor_fields_are_refused_and_nothing_is_saved(fields, field, rule):
    with pytest.raises(InputError) as refused:
        carts.add_cart("CA", "channeladvisor", **fields)
    assert refused.value.field == field
    assert rule in refused.value.message
    assert not Cart.objects.exists()


@pytest.mark.django_db
def test_secrets_are_encrypted_at_rest_and_masked_on_screen():
    cart = carts.add_cart("CA", "channeladvisor", account_id=GUID, profile_id=1, **SECRETS)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT application_id, shared_secret, refresh_token FROM carts_channeladvisoraccount WHERE cart_id = %s",
            [cart.pk],
        )
        stored = cursor.fetchone()
    for value, secret in zip(stored, SECRETS.values(), strict=True):
        assert secret not in value
        assert value.startswith("gAAAA")  # a Fernet token
    account = ChannelAdvisorAccount.objects.get(cart=cart)
    assert account.shared_secret == SECRETS["shared_secret"]

    out = io.StringIO()
    call_command("carts", "show", "CA", stdout=out)
    shown = out.getvalue()
    for secret in SECRETS.values():
        assert secret not in shown
    assert re.search(f"Shared Secret: +{MASK}cdef", shown)
    assert mask("") == "(not set)"
    assert mask("short") == MASK


@pytest.mark.django_db
def test_editing_a_cart_keeps_secrets_not_given(ca_cart):
    carts.edit_cart(ca_cart, **SECRETS)
    carts.edit_cart(ca_cart, member_name="me@example.com")
    account = ChannelAdvisorAccount.objects.get(cart=ca_cart)
    assert account.refresh_token == SECRETS["refresh_token"]
    assert account.member_name == "me@example.com"


@pytest.mark.django_db
def test_secrets_file_from_the_command_line(tmp_path):
    path = tmp_path / "secrets.json"
    path.write_text('{"application_id": "a", "shared_secret": "b", "refresh_token": "c"}')
    call_command(
        "carts",
        "add",
        "CA",
        "--type",
        "channeladvisor",
        "--account-id",
        GUID,
        "--profile-id",
        "5",
        "--secrets-file",
        str(path),
        stdout=io.StringIO(),
    )
    account = ChannelAdvisorAccount.objects.get()
    assert (account.application_id, account.shared_secret, account.refresh_token) == ("a", "b", "c")


@pytest.mark.django_db
def test_a_cart_with_orders_cannot_be_deleted(ca_cart):
    from tests.conftest import new_order

    new_order(ca_cart)
    with pytest.raises(InputError, match="untick Active"):
        carts.delete_cart(ca_cart)


@pytest.mark.django_db
def test_carrier_mapping_checks_what_the_account_is_known_to_take(ca_cart):
    # pairs seen on orders only warn; an entered carrier list is binding; a refused pair is refused
    carriers.note_carrier_classes(ca_cart, {("UPS", "Ground")}, carriers.Source.SEEN)
    assert carriers.map_carrier(ca_cart, "UPS", "Ground", "UPS", "Ground") == []
    assert "not been seen" in carriers.map_carrier(ca_cart, "UPS", "2-Day", "UPS", "2nd Day Air")[0]

    carriers.note_carrier_classes(ca_cart, {("FedEx", "Ground")}, carriers.Source.ENTERED)
    with pytest.raises(InputError, match="not on the carrier list"):
        carriers.map_carrier(ca_cart, "FedEx", "Home", "FedEx", "Home Delivery")

    carriers.note_carrier_classes(ca_cart, {("FedEx", "Ground")}, carriers.Source.REFUSED)
    with pytest.raises(InputError, match="refused FedEx/Ground before"):
        carriers.map_carrier(ca_cart, "FedEx", "G", "FedEx", "Ground")

    assert carriers.cart_codes(ca_cart, "ups", "ground") == ("UPS", "Ground")
    assert carriers.cart_codes(ca_cart, "UPS", "2-Day") == ("UPS", "2nd Day Air")
    assert carriers.cart_codes(ca_cart, "DHL", "Express") is None
