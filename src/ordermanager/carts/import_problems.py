"""Import problems: orders a cart offered that could not be imported, set aside so the others go on.

The only door to ImportProblem rows. An order is set aside with the reason and the order as the cart
sent it (secrets removed). It is tried again when it changes at the cart or when the operator asks, and
its problem is deleted once it imports.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from ordermanager.carts.models import Cart, ImportProblem

# Keys that may carry credentials; an order has none of ours, but a hostile or mixed-up answer might.
_SECRET_WORDS = ("token", "secret", "password", "authorization", "apikey", "api_key")


def scrub(value: Any) -> Any:
    """`value` without any key that looks like a credential, at any depth."""
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items() if not any(w in str(k).lower() for w in _SECRET_WORDS)}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def fingerprint(raw: dict[str, Any]) -> str:
    """Changes whenever the order changes at the cart."""
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def waiting(cart: Cart) -> dict[str, str]:
    """The cart's problems by order ID, with the fingerprint under which they are not worth trying again
    (empty when the operator asked for a retry)."""
    rows = ImportProblem.objects.filter(cart=cart).values_list("channel_order_id", "fingerprint", "retry_requested")
    return {key: "" if retry else print_ for key, print_, retry in rows}


@transaction.atomic
def set_aside(cart: Cart, channel_order_id: str, reason: str, raw: dict[str, Any], fingerprint: str) -> ImportProblem:
    problem, created = ImportProblem.objects.select_for_update().get_or_create(
        cart=cart,
        channel_order_id=channel_order_id[:80],
        defaults={"reason": reason, "raw": scrub(raw), "fingerprint": fingerprint},
    )
    if not created:
        problem.reason, problem.raw, problem.fingerprint = reason, scrub(raw), fingerprint
        problem.attempts = F("attempts") + 1
        problem.retry_requested = False
        problem.save()
        problem.refresh_from_db()
    return problem


@transaction.atomic
def resolve(cart: Cart, channel_order_id: str) -> bool:
    """The order imported: its problem, if it had one, is gone."""
    deleted, _ = ImportProblem.objects.filter(cart=cart, channel_order_id=channel_order_id).delete()
    return bool(deleted)


@transaction.atomic
def request_retry(ids: list[int] | None = None) -> list[ImportProblem]:
    """Try these problems (or all) again at the next import, even if the orders did not change."""
    problems = ImportProblem.objects.select_related("cart")
    if ids is not None:
        problems = problems.filter(pk__in=ids)
    chosen = list(problems)
    ImportProblem.objects.filter(pk__in=[p.pk for p in chosen]).update(
        retry_requested=True, last_seen_at=timezone.now()
    )
    return chosen


def counts_by_cart() -> dict[str, int]:
    rows = ImportProblem.objects.values("cart__store_name").annotate(n=Count("id")).order_by("cart__store_name")
    return {row["cart__store_name"]: row["n"] for row in rows}
