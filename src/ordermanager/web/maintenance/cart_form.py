"""The shopping cart form: which fields each cart type shows, and the posted form as the carts actions' fields.

Secrets are write-only: the form never carries a stored secret back to the browser, it shows the mask; an
empty secret field keeps the stored value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from ordermanager.carts import actions as carts_actions
from ordermanager.carts.models import Cart
from ordermanager.carts.types import CHANNELADVISOR, GENERIC
from ordermanager.crypto import mask
from ordermanager.errors import InputError


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    widget: str = "text"  # text, number, check, secret or multi (a list of choices)
    help: str = ""


GENERAL = (
    Field("store_name", "Store Name", help="Your internal name for this store; it must be unique."),
    Field("active", "Active", "check", "Untick to stop imports and updates without deleting the cart."),
    Field("send_status_to_web", "Send Status to Web", "check", "Tick if this cart should receive status updates."),
    Field("synchronize_inventory", "Synchronize Inventory", "check", "Send stock levels when SynchQOH is True."),
    Field("order_download_batch", "Order Download Batch", "number", "Orders read per batch while importing, 1 to 200."),
)
CHANNELADVISOR_FIELDS = (
    Field("member_name", "Member Name", help="Your ChannelAdvisor login, usually an e-mail."),
    Field("account_id", "API AccountID", help="A GUID from your ChannelAdvisor account manager (not the Profile ID)."),
    Field("profile_id", "Account Profile ID", "number", "The numeric profile ID, like 12345678."),
    Field("api_base_url", "API address", help="https://api.channeladvisor.com unless told otherwise."),
    Field("application_id", "Application ID", "secret"),
    Field("shared_secret", "Shared Secret", "secret"),
    Field("refresh_token", "Refresh Token", "secret"),
)
DOWNLOAD_FIELDS = (
    Field("download_checkout_statuses", "Checkout status", "multi"),
    Field("download_payment_statuses", "Payment status", "multi"),
    Field("download_shipping_statuses", "Shipping status", "multi"),
    Field("download_externally_managed", "Also orders fulfilled by the marketplace (externally managed)", "check"),
)
GENERIC_FIELDS = (
    Field("script_url", "Script address", help="The address of the site's Order Manager integration script."),
    Field("user_name", "User Name"),
    Field("password", "Password", "secret"),
    Field("code", "Code", help="The store code the script expects, if any."),
)
SECTIONS = {
    CHANNELADVISOR.key: (("ChannelAdvisor", CHANNELADVISOR_FIELDS), ("Download orders that are", DOWNLOAD_FIELDS)),
    GENERIC.key: (("Generic cart", GENERIC_FIELDS),),
}
NEW_CART = {"active": True, "send_status_to_web": True, "order_download_batch": 50, **carts_actions.DEFAULT_DOWNLOAD}
NEW_CHANNELADVISOR = {"api_base_url": "https://api.channeladvisor.com"}


def stored_values(cart: Cart) -> dict[str, Any]:
    """The form's values for a saved cart; secrets appear only masked, under `masked`."""
    values: dict[str, Any] = {f.name: getattr(cart, f.name) for f in GENERAL}
    settings = {CHANNELADVISOR.key: "channeladvisor", GENERIC.key: "generic"}.get(cart.cart_type)
    masked = {}
    if settings:
        typed = getattr(cart, settings)
        for _, fields in SECTIONS[cart.cart_type]:
            for f in fields:
                if f.widget == "secret":
                    masked[f.name] = mask(getattr(typed, f.name))
                else:
                    values[f.name] = getattr(typed, f.name)
    return {**values, "masked": masked}


def new_values(cart_type: str, store_name: str = "") -> dict[str, Any]:
    extra = NEW_CHANNELADVISOR if cart_type == CHANNELADVISOR.key else {}
    return {**NEW_CART, **extra, "store_name": store_name, "masked": {}}


def posted_values(post: QueryDict, masked: dict[str, str]) -> dict[str, Any]:
    """What the merchant typed, to show again beside a refusal (never a secret: those fields come back empty)."""
    values: dict[str, Any] = {"masked": masked}
    for f in (*GENERAL, *CHANNELADVISOR_FIELDS, *DOWNLOAD_FIELDS, *GENERIC_FIELDS):
        if f.widget == "check":
            values[f.name] = post.get(f.name) == "on"
        elif f.widget == "multi":
            values[f.name] = post.getlist(f.name)
        elif f.widget != "secret":
            values[f.name] = post.get(f.name, "")
    return values


def posted_fields(post: QueryDict, cart_type: str) -> dict[str, Any]:
    """The form as keyword arguments of add_cart/edit_cart. Empty secrets are left out, so the stored ones stay."""
    fields: dict[str, Any] = {}
    for section in (GENERAL, *(fields for _, fields in SECTIONS.get(cart_type, ()))):
        for f in section:
            if f.name == "store_name":
                continue
            if f.widget == "check":
                fields[f.name] = post.get(f.name) == "on"
            elif f.widget == "multi":
                fields[f.name] = post.getlist(f.name)
            elif f.widget == "secret":
                fields[f.name] = post.get(f.name, "").strip() or None
            else:
                fields[f.name] = post.get(f.name, "").strip()
    batch = fields.pop("order_download_batch")
    if not batch.isdigit():
        raise InputError("order_download_batch", f"must be a whole number between 1 and 200, not {batch!r}")
    fields["order_download_batch"] = int(batch)
    return fields


def form_sections(cart_type: str, values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    """The form as the template draws it: sections of fields, each with its value, choices and error."""
    choices = carts_actions.DOWNLOAD_STATUS_CHOICES
    drawn = []
    for title, fields in (("Cart", GENERAL), *SECTIONS.get(cart_type, ())):
        drawn.append(
            {
                "title": title,
                "fields": [
                    {
                        "f": f,
                        "value": values.get(f.name, ""),
                        "masked": values["masked"].get(f.name, "(not set)"),
                        "choices": choices.get(f.name, ()),
                        "error": errors.get(f.name, ""),
                    }
                    for f in fields
                ],
            }
        )
    return drawn
