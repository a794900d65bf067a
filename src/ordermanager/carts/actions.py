"""Create/Edit Shopping Carts: the only door to cart definitions and their ChannelAdvisor fields, and to
import problems (orders set aside at import)."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart, ChannelAdvisorAccount, GenericCartSettings, ImportProblem
from ordermanager.carts.types import CART_TYPES, CHANNELADVISOR, GENERIC
from ordermanager.errors import InputError
from ordermanager.orders.models import CheckoutStatus, PaymentStatus, ShippingStatus

EDITABLE = ("active", "synchronize_inventory", "send_status_to_web", "order_download_batch")
CHANNELADVISOR_FIELDS = (
    "member_name",
    "account_id",
    "profile_id",
    "application_id",
    "shared_secret",
    "refresh_token",
    "api_base_url",
    "download_checkout_statuses",
    "download_payment_statuses",
    "download_shipping_statuses",
    "download_externally_managed",
)
GENERIC_FIELDS = ("script_url", "user_name", "password", "code")
SECRET_FIELDS = ("application_id", "shared_secret", "refresh_token", "password")

# Which orders to download by default: paid, checked out, not yet shipped, shipped by the merchant.
DEFAULT_DOWNLOAD = {
    "download_checkout_statuses": ["Completed", "CompletedAndVisited", "CompletedOffline"],
    "download_payment_statuses": ["Cleared", "Submitted", "Deposited"],
    "download_shipping_statuses": ["Unshipped", "PendingShipment", "PartiallyShipped"],
}
DOWNLOAD_STATUS_CHOICES = {
    "download_checkout_statuses": CheckoutStatus.values,
    "download_payment_statuses": [v for v in PaymentStatus.values if v != "Refunded"],
    "download_shipping_statuses": ShippingStatus.values,
}
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def check_account_id(value: str) -> str:
    text = str(value or "").strip().strip("{}")
    if text.isdigit():
        raise InputError(
            "account_id",
            f"{text} looks like an Account Profile ID (a number). The API AccountID is a GUID like "
            "11111111-2222-3333-4444-555555555555; the Profile ID goes in its own field",
        )
    if not _GUID_RE.match(text):
        raise InputError("account_id", f"must be a GUID like 11111111-2222-3333-4444-555555555555, not {value!r}")
    return str(uuid.UUID(text))


def check_profile_id(value: Any) -> int:
    text = str(value if value is not None else "").strip()
    if _GUID_RE.match(text.strip("{}")):
        raise InputError(
            "profile_id",
            f"{text} looks like the API AccountID (a GUID). The Account Profile ID is a number like 12345678; "
            "the AccountID goes in its own field",
        )
    if not text.isdigit() or len(text) > 10 or not 0 < int(text) < 2**31:
        raise InputError("profile_id", f"must be a whole number like 12345678, not {value!r}")
    return int(text)


def check_base_url(value: str, *, field: str = "api_base_url", example: str = "https://api.channeladvisor.com") -> str:
    text = (value or "").strip().rstrip("/")
    refused = InputError(field, f"must be an http(s) address like {example}, not {value!r}")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:  # an unclosed [IPv6] bracket, a port like :abc or :99999
        raise refused from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise refused
    return text


def _check_statuses(field: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    allowed = DOWNLOAD_STATUS_CHOICES[field]
    wrong = [v for v in value if v not in allowed]
    if wrong or not value:
        raise InputError(field, f"choose one or more of {', '.join(allowed)}; {', '.join(wrong) or 'none'} given")
    return list(dict.fromkeys(value))


def _check_secret(field: str, value: str) -> str:
    text = (value or "").strip()
    if len(text) > 4000 or any(c.isspace() for c in text):
        raise InputError(
            field, "must be the value exactly as ChannelAdvisor shows it: no spaces, at most 4000 characters"
        )
    return text


def _apply_channeladvisor(account: ChannelAdvisorAccount, fields: dict[str, Any]) -> None:
    checks = {
        "account_id": check_account_id,
        "profile_id": check_profile_id,
        "api_base_url": check_base_url,
        "member_name": lambda v: (v or "").strip(),
        "download_externally_managed": bool,
    }
    for name, value in fields.items():
        if value is None:
            continue
        if name in SECRET_FIELDS:
            value = _check_secret(name, value)
        elif name in DOWNLOAD_STATUS_CHOICES:
            value = _check_statuses(name, value)
        else:
            value = checks[name](value)
        setattr(account, name, value)
    if not account.account_id:
        raise InputError("account_id", "a ChannelAdvisor cart needs its API AccountID")
    if not account.profile_id:
        raise InputError("profile_id", "a ChannelAdvisor cart needs its Account Profile ID")


def _apply_generic(settings: GenericCartSettings, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if value is None:
            continue
        if name in SECRET_FIELDS:
            value = _check_secret(name, value)
        elif name == "script_url":
            value = check_base_url(value, field="script_url", example="https://www.example.com/seom/script.php")
        else:
            value = str(value).strip()
        setattr(settings, name, value)
    if not settings.script_url:
        raise InputError("script_url", "a Generic cart needs the address of its integration script")


def _check_store_name(name: str, cart: Cart | None) -> str:
    text = (name or "").strip()
    if not text or len(text) > 50:
        raise InputError("store_name", "a store name is 1 to 50 characters")
    clash = Cart.objects.filter(store_name__iexact=text)
    if cart is not None:
        clash = clash.exclude(pk=cart.pk)
    if clash.exists():
        raise InputError("store_name", f"a cart named {text!r} already exists; store names must be unique")
    return text


def _split(cart: Cart, fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    own = {k: v for k, v in fields.items() if k in EDITABLE}
    typed = {k: v for k, v in fields.items() if k not in EDITABLE}
    allowed = {CHANNELADVISOR.key: CHANNELADVISOR_FIELDS, GENERIC.key: GENERIC_FIELDS}.get(cart.cart_type, ())
    unknown = sorted(k for k, v in typed.items() if k not in allowed and v is not None)
    if unknown:
        raise InputError(unknown[0], f"is not a field of a {cart.type.label} cart")
    return own, {k: v for k, v in typed.items() if k in allowed}


def _apply(cart: Cart, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if value is not None:
            setattr(cart, name, value)
    if not 1 <= cart.order_download_batch <= 200:
        raise InputError("order_download_batch", "must be between 1 and 200")
    if cart.synchronize_inventory and not cart.type.syncs_inventory:
        raise InputError("synchronize_inventory", f"{cart.type.label} carts cannot synchronize inventory")


@transaction.atomic
def add_cart(store_name: str, cart_type: str, **fields: Any) -> Cart:
    if cart_type not in CART_TYPES:
        raise InputError("cart_type", f"must be one of {', '.join(CART_TYPES)}, not {cart_type!r}")
    cart = Cart(store_name=_check_store_name(store_name, None), cart_type=cart_type)
    own, typed = _split(cart, fields)
    _apply(cart, own)
    cart.save()
    if cart.type is CHANNELADVISOR:
        account = ChannelAdvisorAccount(cart=cart, **DEFAULT_DOWNLOAD)
        _apply_channeladvisor(account, typed)
        account.save()
    elif cart.type is GENERIC:
        settings = GenericCartSettings(cart=cart)
        _apply_generic(settings, typed)
        settings.save()
    return cart


@transaction.atomic
def edit_cart(cart: Cart, *, store_name: str | None = None, **fields: Any) -> Cart:
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    if store_name is not None:
        cart.store_name = _check_store_name(store_name, cart)
    own, typed = _split(cart, fields)
    _apply(cart, own)
    cart.save()
    if cart.type is CHANNELADVISOR and typed:
        _apply_channeladvisor(cart.channeladvisor, typed)
        cart.channeladvisor.save()
    elif cart.type is GENERIC and typed:
        _apply_generic(cart.generic, typed)
        cart.generic.save()
    return cart


@transaction.atomic
def delete_cart(cart: Cart) -> None:
    count = cart.orders.count()
    if count:
        raise InputError("cart", f"{cart.store_name} has {count} order(s); untick Active instead of deleting it")
    cart.delete()


def record_import(cart: Cart, *, downloaded: int = 0, imported: int = 0, error: str = "") -> None:
    """Keep the outcome of the cart's last order import, for `carts show`, `stack status` and /metrics.

    An UPDATE, not save(): the cart's settings did not change, so a running controller must not reconnect.
    """
    line = " ".join(error.split())
    Cart.objects.filter(pk=cart.pk).update(
        last_import_finished_at=timezone.now(),
        last_import_ok=not line,
        last_import_downloaded=downloaded,
        last_import_imported=imported,
        last_import_error=line[:500],
    )


# --- import problems: orders set aside at import -------------------------------------------------


@transaction.atomic
def set_aside_order(
    cart: Cart, channel_order_id: str, reason: str, raw: dict[str, Any], fingerprint: str
) -> ImportProblem:
    problem, created = ImportProblem.objects.select_for_update().get_or_create(
        cart=cart,
        channel_order_id=channel_order_id[:80],
        defaults={"reason": reason, "raw": import_problems.scrub(raw), "fingerprint": fingerprint},
    )
    if not created:
        problem.reason, problem.raw, problem.fingerprint = reason, import_problems.scrub(raw), fingerprint
        problem.attempts = F("attempts") + 1
        problem.retry_requested = False
        problem.save()
        problem.refresh_from_db()
    return problem


@transaction.atomic
def resolve_import_problem(cart: Cart, channel_order_id: str) -> bool:
    """The order imported: its problem, if it had one, is gone."""
    deleted, _ = ImportProblem.objects.filter(cart=cart, channel_order_id=channel_order_id).delete()
    return bool(deleted)


@transaction.atomic
def retry_import_problems(ids: list[int] | None = None) -> list[ImportProblem]:
    """Try these problems (or all) again at the next import, even if the orders did not change."""
    problems = ImportProblem.objects.select_related("cart")
    if ids is not None:
        problems = problems.filter(pk__in=ids)
    chosen = list(problems)
    ImportProblem.objects.filter(pk__in=[p.pk for p in chosen]).update(
        retry_requested=True, last_seen_at=timezone.now()
    )
    return chosen
