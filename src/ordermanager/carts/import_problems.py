"""Import problems: orders a cart offered that could not be imported, set aside so the others go on.

What is read about them; they change only through carts.actions (set_aside, resolve_import_problem,
retry_import_problems). An order is set aside with the reason and the order as the cart sent it (secrets
removed). It is tried again when it changes at the cart or when the operator asks, and its problem is
deleted once it imports.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Count

from ordermanager.carts.models import Cart, ImportProblem
from ordermanager.prepared import Prepared

# Keys that may carry credentials; an order has none of ours, but a hostile or mixed-up answer might.
_SECRET_WORDS = ("token", "secret", "password", "authorization", "apikey", "api_key")


def scrub(value: Any) -> Any:
    """`value` without any key that looks like a credential, at any depth, and with any NUL character written
    as the text \\u0000: PostgreSQL's jsonb cannot hold one, and an order set aside for it must still be kept."""
    if isinstance(value, dict):
        return {
            _visible(str(k)): scrub(v) for k, v in value.items() if not any(w in str(k).lower() for w in _SECRET_WORDS)
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return _visible(value)
    return value


def _visible(text: str) -> str:
    return text.replace("\x00", "\\u0000")


def fingerprint(raw: dict[str, Any]) -> str:
    """Changes whenever the order changes at the cart."""
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


# Read once per page of an import: prepared, as the ORM built and compiled it anew each time.
_WAITING = Prepared(
    lambda cart_id: ImportProblem.objects.filter(cart_id=cart_id).values_list(
        "channel_order_id", "fingerprint", "retry_requested"
    ),
    int,
)


def waiting(cart: Cart) -> dict[str, str]:
    """The cart's problems by order ID, with the fingerprint under which they are not worth trying again
    (empty when the operator asked for a retry)."""
    return {key: "" if retry else print_ for key, print_, retry in _WAITING.rows(cart.pk)}


def counts_by_cart() -> dict[str, int]:
    rows = ImportProblem.objects.values("cart__store_name").annotate(n=Count("id")).order_by("cart__store_name")
    return {row["cart__store_name"]: row["n"] for row in rows}
