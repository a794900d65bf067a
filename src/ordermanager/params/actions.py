"""Reading and changing system parameters: the only door to their values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet, Value

from ordermanager.action_reads import forget, remembered
from ordermanager.errors import InputError
from ordermanager.params.models import CartParameter, SystemParameter
from ordermanager.params.registry import PARAMETERS, Parameter, get_definition

if TYPE_CHECKING:
    from ordermanager.carts.models import Cart


def get(name: str, cart: Cart | None = None) -> Any:
    """The value in force: the cart's override, else the global value, else the default.

    Within an action every parameter is read once (all of them in one query), so the events an action
    fires read no parameters of their own.
    """
    definition = PARAMETERS[name]
    if cart is not None and definition.per_cart:
        stored_globally, overrides = remembered(f"params:with-cart:{cart.pk}", lambda: _with_overrides(cart))
        if name in overrides:
            return definition.parse(overrides[name])
    else:
        stored_globally = remembered("params", lambda: _values(SystemParameter.objects.all()))
    stored = stored_globally.get(name)
    return definition.parse(stored) if stored else definition.default


def _values(rows: QuerySet) -> dict[str, str]:
    return dict(rows.values_list("name", "value"))


def _with_overrides(cart: Cart) -> tuple[dict[str, str], dict[str, str]]:
    """The global values and the cart's overrides, in one query."""
    every = SystemParameter.objects.order_by().annotate(of_cart=Value(False)).values_list("name", "value", "of_cart")
    own = CartParameter.objects.filter(cart=cart).order_by().annotate(of_cart=Value(True))
    stored_globally: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for name, value, of_cart in every.union(own.values_list("name", "value", "of_cart"), all=True):
        (overrides if of_cart else stored_globally)[name] = value
    return stored_globally, overrides


def values_in_force(cart: Cart | None = None) -> dict[str, tuple[Any, bool]]:
    """Every parameter's value in force (as `get` reads it) and whether it is the cart's override: two queries."""
    stored = _values(SystemParameter.objects.exclude(value=""))
    overrides = _values(CartParameter.objects.filter(cart=cart)) if cart else {}
    found: dict[str, tuple[Any, bool]] = {}
    for name, definition in PARAMETERS.items():
        if definition.per_cart and name in overrides:
            found[name] = (definition.parse(overrides[name]), True)
        else:
            found[name] = (definition.parse(stored[name]) if name in stored else definition.default, False)
    return found


def search(part: str = "", group: str | None = None) -> list[Parameter]:
    """Parameters whose name contains `part` (any case), optionally in one group."""
    found = [p for p in PARAMETERS.values() if part.lower() in p.name.lower()]
    if group:
        found = [p for p in found if p.group.lower() == group.lower()]
    return sorted(found, key=lambda p: (p.group, p.name))


@transaction.atomic
def set_parameter(name: str, raw: str, cart: Cart | None = None) -> tuple[Parameter, Any]:
    """Set the global value, or the cart's override when a cart is given."""
    definition = get_definition(name)
    value = definition.parse(raw)
    text = definition.render(value)
    if cart is None:
        SystemParameter.objects.update_or_create(
            name=definition.name,
            defaults={"value": text, "group": definition.group, "description": definition.description},
        )
    else:
        if not definition.per_cart:
            raise InputError(definition.name, "applies to the whole order manager and cannot be set per cart")
        CartParameter.objects.update_or_create(cart=cart, name=definition.name, defaults={"value": text})
    forget()
    return definition, value


@transaction.atomic
def reset_parameter(name: str, cart: Cart | None = None) -> Parameter:
    """Remove a cart's override, or return the global value to the built-in default."""
    definition = get_definition(name)
    if cart is None:
        SystemParameter.objects.filter(name=definition.name).update(value="")
    else:
        CartParameter.objects.filter(cart=cart, name=definition.name).delete()
    forget()
    return definition


def sync_parameter_rows(**_: Any) -> None:
    """Keep one row per parameter, so the admin lists every one with its group and description."""
    for definition in PARAMETERS.values():
        SystemParameter.objects.update_or_create(
            name=definition.name,
            defaults={"group": definition.group, "description": definition.description},
        )
