"""System Parameters: groups, search, typed editing and per-cart overrides, through the params actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ordermanager.carts.lookup import get_cart
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.params import actions as params_actions
from ordermanager.params.registry import GROUPS, PARAMETERS, Parameter, get_definition
from ordermanager.web.forms import Outcome, attempt
from ordermanager.web.permissions import MANAGE_SETTINGS, requires


def _chosen_cart(request: HttpRequest, source: Any) -> tuple[Cart | None, str]:
    """The cart whose overrides are shown, from `?cart=`; an unknown name is reported, not a 404."""
    name = (source.get("cart") or "").strip()
    if not name:
        return None, ""
    try:
        return get_cart(name), ""
    except InputError as error:
        return None, error.message


def _row(definition: Parameter, value: Any, overridden: bool, cart: Cart | None, **extra: Any) -> dict[str, Any]:
    return {
        "p": definition,
        "type": definition.value_type.__name__,
        "value": definition.render(value),
        "overridden": overridden,
        "cart": cart,
        "editable": cart is None or definition.per_cart,
        "cart_name": cart.store_name if cart else "",
        **extra,
    }


@requires(MANAGE_SETTINGS)
def parameter_list(request: HttpRequest) -> HttpResponse:
    cart, cart_error = _chosen_cart(request, request.GET)
    search, group = request.GET.get("q", "").strip(), request.GET.get("group", "")
    found = params_actions.search(search, group if group in GROUPS else None)
    in_force = params_actions.values_in_force(cart)
    rows = [_row(d, *in_force[d.name], cart) for d in found]
    context = {
        "rows": rows,
        # The tabs: groups that hold a parameter, in the registry's order.
        "groups": [g for g in GROUPS if any(p.group == g for p in PARAMETERS.values())],
        "group": group,
        "q": search,
        "cart": cart,
        "cart_error": cart_error,
        "carts": Cart.objects.values_list("store_name", flat=True),
    }
    return render(request, "web/maintenance/parameters.html", context)


@require_POST
@requires(MANAGE_SETTINGS)
def parameter_save(request: HttpRequest, name: str) -> HttpResponse:
    """Save (or reset) one parameter, globally or for the chosen cart; a bad value is shown next to it."""
    try:
        definition = get_definition(name)
    except InputError as error:
        raise Http404(error.message) from None
    cart, cart_error = _chosen_cart(request, request.POST)
    raw = request.POST.get("value", "")
    if cart_error:
        # A cart that has gone (renamed or deleted in another tab) must not turn into a global change.
        outcome = Outcome(errors={"cart": cart_error})
        done = ""
    elif request.POST.get("do") == "reset":
        outcome = attempt(lambda: params_actions.reset_parameter(definition.name, cart=cart))
        done = "Returned to the default" if cart is None else "Override removed"
    else:
        outcome = attempt(lambda: params_actions.set_parameter(definition.name, raw, cart=cart))
        done = "Saved" if cart is None else f"Saved for {cart.store_name}"
    value, overridden = params_actions.values_in_force(cart)[definition.name]
    if outcome.ok:
        row = _row(definition, value, overridden, cart, saved=done)
    else:
        # Nothing changed: show what was typed, with the rule it broke, so it can be corrected.
        field, message = next(iter(outcome.errors.items()))
        row = _row(definition, value, overridden, cart, error=message, error_field=field)
        row["value"] = raw
        row["cart_name"] = request.POST.get("cart", "")
    if request.htmx:
        # htmx swaps only 2xx answers: the row comes back with its message either way.
        return render(request, "web/maintenance/_parameter.html", {"row": row})
    if outcome.ok:
        messages.success(request, f"{definition.name}: {done.lower()}.")
    else:
        messages.error(request, f"{row['error_field']}: {row['error']}")
    query = urlencode({"q": definition.name, **({"cart": cart.store_name} if cart else {})})
    return redirect(f"{reverse('web:maintenance_parameters')}?{query}")
