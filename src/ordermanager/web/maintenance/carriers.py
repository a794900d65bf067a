"""The carrier and class mapping of one cart: our shipping methods as the cart's codes, and the pairs it takes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ordermanager.carts import carriers as carriers_actions
from ordermanager.carts.models import Cart
from ordermanager.web.forms import attempt
from ordermanager.web.permissions import MANAGE_CARTS, requires

MAPPING_FIELDS = ("carrier", "shipping_class", "cart_carrier", "cart_class")


def carriers_context(cart: Cart, **extra: Any) -> dict[str, Any]:
    return {
        "cart": cart,
        "mappings": list(cart.carrier_mappings.all()),
        "known": list(cart.known_carriers.all()),
        "posted": {},
        "errors": {},
        **extra,
    }


def _errors(errors: dict[str, str]) -> dict[str, str]:
    # The action names the class field "class" (as the CLI's argument); the form's input is shipping_class.
    return {("shipping_class" if k == "class" else k): v for k, v in errors.items()}


@requires(MANAGE_CARTS)
def carrier_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    cart = get_object_or_404(Cart, pk=pk)
    return render(request, "web/maintenance/carriers.html", carriers_context(cart))


def map_from_post(request: HttpRequest, cart: Cart) -> tuple[bool, dict[str, Any]]:
    """Add a mapping from the posted form: (done, the context to show), warnings and errors included."""
    posted = {f: request.POST.get(f, "") for f in MAPPING_FIELDS}
    outcome = attempt(lambda: carriers_actions.map_carrier(cart, *posted.values()))
    if outcome.ok:
        return True, carriers_context(cart, warnings=outcome.result, mapped=posted)
    return False, carriers_context(cart, posted=posted, errors=_errors(outcome.errors))


def unmap_from_post(request: HttpRequest, cart: Cart) -> tuple[bool, dict[str, Any]]:
    carrier, shipping_class = request.POST.get("carrier", ""), request.POST.get("shipping_class", "")
    outcome = attempt(lambda: carriers_actions.unmap_carrier(cart, carrier, shipping_class))
    return outcome.ok, carriers_context(cart, errors=_errors(outcome.errors), unmapped=outcome.ok)


def _answer(request: HttpRequest, cart: Cart, ok: bool, context: dict[str, Any], done: str) -> HttpResponse:
    if not ok:
        return render(request, "web/maintenance/carriers.html", context, status=422)
    for warning in context.get("warnings", []):
        messages.warning(request, warning)
    messages.success(request, done)
    return redirect("web:maintenance_carriers", cart.pk)


@require_POST
@requires(MANAGE_CARTS)
def carrier_map(request: HttpRequest, pk: int) -> HttpResponse:
    cart = get_object_or_404(Cart, pk=pk)
    ok, context = map_from_post(request, cart)
    mapped = context.get("mapped", {})
    done = (
        f"{mapped.get('carrier')} {mapped.get('shipping_class')} ships as "
        f"{mapped.get('cart_carrier')}/{mapped.get('cart_class')} on {cart.store_name}."
    )
    return _answer(request, cart, ok, context, done)


@require_POST
@requires(MANAGE_CARTS)
def carrier_unmap(request: HttpRequest, pk: int) -> HttpResponse:
    cart = get_object_or_404(Cart, pk=pk)
    ok, context = unmap_from_post(request, cart)
    return _answer(request, cart, ok, context, "Mapping removed.")
