"""`ordermanager params`: show, search and set system parameters (global or per cart)."""

from __future__ import annotations

from typing import Any

from ordermanager.carts.lookup import get_cart
from ordermanager.management.base import ProductCommand
from ordermanager.params import actions as params
from ordermanager.params.models import CartParameter


class Command(ProductCommand):
    help = "System parameters: show, search, set and reset, globally or for one cart."

    def add_subcommands(self) -> None:
        show = self.sub("show", "Show parameters with their group, value in force and description.")
        show.add_argument("search", nargs="?", default="", help="part of a parameter name")
        show.add_argument("--group", help="only this parameter group")
        show.add_argument("--cart", help="show the values in force for this cart")
        set_ = self.sub("set", "Set a parameter's global value, or a cart's override with --cart.")
        set_.add_argument("name")
        set_.add_argument("value")
        set_.add_argument("--cart", help="override the value for this cart only")
        reset = self.sub("reset", "Return a parameter to its default, or remove a cart's override.")
        reset.add_argument("name")
        reset.add_argument("--cart")

    def do_show(self, search: str, group: str | None, cart: str | None, **_: Any) -> None:
        chosen = get_cart(cart) if cart else None
        found = params.search(search, group)
        if not found:
            self.stdout.write(f"No parameter name contains {search!r}.")
            return
        overrides = set(CartParameter.objects.filter(cart=chosen).values_list("name", flat=True)) if chosen else set()
        for definition in found:
            value = definition.render(params.get(definition.name, cart=chosen))
            where = " (this cart)" if definition.name in overrides else ""
            self.stdout.write(f"{definition.group:<15} {definition.name:<30} {value}{where}")
            self.stdout.write(f"{'':<15} {definition.description}")

    def do_set(self, name: str, value: str, cart: str | None, **_: Any) -> None:
        chosen = get_cart(cart) if cart else None
        definition, parsed = params.set_parameter(name, value, cart=chosen)
        scope = f" for cart {chosen.store_name}" if chosen else ""
        self.stdout.write(f"{definition.name} = {definition.render(parsed)}{scope}")

    def do_reset(self, name: str, cart: str | None, **_: Any) -> None:
        chosen = get_cart(cart) if cart else None
        definition = params.reset_parameter(name, cart=chosen)
        value = definition.render(params.get(definition.name, cart=chosen))
        self.stdout.write(f"{definition.name} = {value} (default{' for ' + chosen.store_name if chosen else ''})")
