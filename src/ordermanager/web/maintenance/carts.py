"""Create/Edit Shopping Carts: the list, the ChannelAdvisor and Generic forms, Test Settings, and deleting a cart."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ordermanager.carts import actions as carts_actions
from ordermanager.carts.connectors.registry import test_cart_settings
from ordermanager.carts.models import Cart
from ordermanager.carts.types import CART_TYPES
from ordermanager.errors import InputError
from ordermanager.web.forms import Outcome, attempt
from ordermanager.web.maintenance import cart_form
from ordermanager.web.permissions import MANAGE_CARTS, requires


@requires(MANAGE_CARTS)
def cart_list(request: HttpRequest) -> HttpResponse:
    carts = Cart.objects.annotate(mappings=Count("carrier_mappings"))
    return render(request, "web/maintenance/carts.html", {"carts": carts})


def form_context(cart_type: str, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The cart form's template context; errors on fields the form does not show go above it."""
    sections = cart_form.form_sections(cart_type, values, errors)
    shown = {f["f"].name for s in sections for f in s["fields"]}
    return {
        "sections": sections,
        "cart_type": CART_TYPES[cart_type],
        "other_errors": {k: v for k, v in errors.items() if k not in shown},
    }


def save_cart(request: HttpRequest, cart_type: str, cart: Cart | None) -> tuple[Outcome, dict[str, Any]]:
    """Add or edit a cart from the posted form. On refusal, the form's context shows what was typed."""

    def run() -> Cart:
        fields = cart_form.posted_fields(request.POST, cart_type)
        name = request.POST.get("store_name", "")
        if cart is None:
            return carts_actions.add_cart(name, cart_type, **fields)
        return carts_actions.edit_cart(cart, store_name=name, **fields)

    outcome = attempt(run)
    masked = cart_form.stored_values(cart)["masked"] if cart else {}
    return outcome, form_context(cart_type, cart_form.posted_values(request.POST, masked), outcome.errors)


@requires(MANAGE_CARTS)
def cart_new(request: HttpRequest, cart_type: str) -> HttpResponse:
    if cart_type not in CART_TYPES:
        raise Http404(f"there is no cart type {cart_type!r}")
    if request.method == "POST":
        outcome, context = save_cart(request, cart_type, None)
        if outcome.ok:
            messages.success(request, f"Cart {outcome.result.store_name} ({outcome.result.type.label}) added.")
            return redirect("web:maintenance_cart", outcome.result.pk)
        return render(request, "web/maintenance/cart_form.html", {**context, "cart": None}, status=422)
    context = form_context(cart_type, cart_form.new_values(cart_type), {})
    return render(request, "web/maintenance/cart_form.html", {**context, "cart": None})


def _cart(pk: int) -> Cart:
    return get_object_or_404(Cart.objects.select_related("channeladvisor", "generic"), pk=pk)


@requires(MANAGE_CARTS)
def cart_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cart = _cart(pk)
    if request.method == "POST":
        outcome, context = save_cart(request, cart.cart_type, cart)
        if outcome.ok:
            messages.success(request, f"Cart {outcome.result.store_name} saved.")
            return redirect("web:maintenance_cart", cart.pk)
        return render(request, "web/maintenance/cart_form.html", {**context, "cart": cart}, status=422)
    context = form_context(cart.cart_type, cart_form.stored_values(cart), {})
    return render(request, "web/maintenance/cart_form.html", {**context, "cart": cart})


def run_settings_test(cart: Cart) -> Outcome:
    """Test Settings, as `ordermanager carts test` runs it. Views are not atomic, so the call is in no transaction."""
    return attempt(lambda: test_cart_settings(cart))


@require_POST
@requires(MANAGE_CARTS)
def cart_test(request: HttpRequest, pk: int) -> HttpResponse:
    cart = _cart(pk)
    outcome = run_settings_test(cart)
    if request.htmx:
        return render(request, "web/maintenance/_test_result.html", {"test": outcome, "cart": cart})
    if outcome.ok:
        messages.success(request, outcome.result)
    else:
        messages.error(request, "Test Settings failed: " + "; ".join(f"{k}: {v}" for k, v in outcome.errors.items()))
    return redirect("web:maintenance_cart", cart.pk)


@require_POST
@requires(MANAGE_CARTS)
def cart_delete(request: HttpRequest, pk: int) -> HttpResponse:
    cart = _cart(pk)
    try:
        carts_actions.delete_cart(cart)
    except InputError as error:
        messages.error(request, f"{error.field}: {error.message}")
        return redirect("web:maintenance_cart", cart.pk)
    messages.success(request, f"Cart {cart.store_name} deleted.")
    return redirect("web:maintenance_carts")
