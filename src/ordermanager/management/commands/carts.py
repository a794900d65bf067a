"""`ordermanager carts`: Create/Edit Shopping Carts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from ordermanager.carts import service
from ordermanager.carts.lookup import get_cart
from ordermanager.carts.models import Cart
from ordermanager.carts.types import CART_TYPES
from ordermanager.management.base import ProductCommand, parse_int


def _flags(parser: CommandParser) -> None:
    for name in ("active", "synchronize-inventory", "send-status-to-web"):
        parser.add_argument(f"--{name}", choices=["on", "off"])
    parser.add_argument("--order-download-batch")


def _fields(options: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        name: None if options[name] is None else options[name] == "on"
        for name in ("active", "synchronize_inventory", "send_status_to_web")
    }
    if options["order_download_batch"] is not None:
        fields["order_download_batch"] = parse_int("order_download_batch", options["order_download_batch"])
    return fields


class Command(ProductCommand):
    help = "Shopping cart definitions: list, add, edit and delete."

    def add_subcommands(self) -> None:
        self.sub("list", "List the carts with their type and capabilities.")
        add = self.sub("add", "Add a cart.")
        add.add_argument("store_name")
        add.add_argument("--type", dest="cart_type", required=True, choices=sorted(CART_TYPES))
        _flags(add)
        edit = self.sub("edit", "Edit a cart.")
        edit.add_argument("store_name")
        edit.add_argument("--rename", help="a new store name")
        _flags(edit)
        delete = self.sub("delete", "Delete a cart that has no orders.")
        delete.add_argument("store_name")

    def do_list(self, **_: Any) -> None:
        for cart in Cart.objects.all():
            t = cart.type
            abilities = [
                name
                for name, able in (
                    (
                        "status updates" + (" (with tracking)" if t.needs_tracking_for_status_updates else ""),
                        t.takes_status_updates,
                    ),
                    ("inventory", t.syncs_inventory),
                    ("order import", t.imports_orders),
                )
                if able
            ]
            state = "active" if cart.active else "inactive"
            self.stdout.write(f"{cart.store_name:<24} {t.label:<20} {state:<9} takes: {', '.join(abilities) or '-'}")

    def do_add(self, store_name: str, cart_type: str, **options: Any) -> None:
        cart = service.add_cart(store_name, cart_type, **_fields(options))
        self.stdout.write(f"Cart {cart.store_name} ({cart.type.label}) added.")

    def do_edit(self, store_name: str, rename: str | None, **options: Any) -> None:
        cart = service.edit_cart(get_cart(store_name), store_name=rename, **_fields(options))
        self.stdout.write(f"Cart {cart.store_name} saved.")

    def do_delete(self, store_name: str, **_: Any) -> None:
        cart = get_cart(store_name)
        service.delete_cart(cart)
        self.stdout.write(f"Cart {store_name} deleted.")
