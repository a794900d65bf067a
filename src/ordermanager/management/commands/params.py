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
        show = self.sub("show", "Show parameters with their group, value in force and description.", json=True)
        show.add_argument("search", nargs="?", default="", help="part of a parameter name")
        show.add_argument("--group", help="only this parameter group")
        show.add_argument("--cart", help="show the values in force for this cart")
        set_ = self.sub("set", "Set a parameter's global value, or a cart's override with --cart.")
        set_.add_argument("name", help="the parameter's name, e.g. UseStatusUpdates")
        set_.add_argument("value", help="the new value, e.g. True or 14")
        set_.add_argument("--cart", help="override the value for this cart only")
        reset = self.sub("reset", "Return a parameter to its default, or remove a cart's override.")
        reset.add_argument("name", help="the parameter's name")
        reset.add_argument("--cart", help="remove this cart's override instead")

    def do_show(self, search: str, group: str | None, cart: str | None, json: bool, **_: Any) -> None:
        chosen = get_cart(cart) if cart else None
        found = params.search(search, group)
        overrides = set(CartParameter.objects.filter(cart=chosen).values_list("name", flat=True)) if chosen else set()
        rows = [
            {
                "group": d.group,
                "name": d.name,
                "value": d.render(params.get(d.name, cart=chosen)),
                "this_cart": d.name in overrides,
                "description": d.description,
            }
            for d in found
        ]
        if json:
            self.screen.json(rows)
            return
        for row in rows:
            row["value"] += " (this cart)" if row["this_cart"] else ""
        columns = [("group", "Group"), ("name", "Parameter"), ("value", "Value"), ("description", "Description")]
        self.screen.table(columns, rows, empty=f"No parameter name contains {search!r}.")

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
