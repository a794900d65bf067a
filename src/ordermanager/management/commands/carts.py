"""`ordermanager carts`: Create/Edit Shopping Carts, Test Settings, and the carrier mapping."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from ordermanager.carts import actions as carts
from ordermanager.carts import carriers
from ordermanager.carts.connectors.registry import ask_cart, test_cart_settings
from ordermanager.carts.lookup import get_cart
from ordermanager.carts.models import Cart
from ordermanager.carts.types import CART_TYPES
from ordermanager.errors import InputError
from ordermanager.inventory.models import CenterMapping
from ordermanager.management.base import ProductCommand, parse_int
from ordermanager.management.output import table_columns

FLAGS = {
    "active": "an inactive cart is neither imported from nor sent to",
    "synchronize_inventory": "send stock levels to this cart",
    "send_status_to_web": "send status updates (Notify Cart events) to this cart",
    "download_externally_managed": "also import orders shipped by a fulfilment partner (e.g. FBA)",
}
TEXT = (
    "member_name",
    "account_id",
    "profile_id",
    "api_base_url",
    "download_checkout_statuses",
    "download_payment_statuses",
    "download_shipping_statuses",
    "script_url",
    "user_name",
    "code",
)
STORE_NAME = "the cart's store name"
POSITIONALS = {
    "store_name": STORE_NAME,
    "carrier": "our carrier, as on orders (e.g. UPS)",
    "shipping_class": "our shipping class, as on orders (e.g. Ground)",
    "cart_carrier": "the cart's carrier code",
    "cart_class": "the cart's class code",
}
PROMPTS = {
    "channeladvisor": (
        ("application_id", "Application ID"),
        ("shared_secret", "Shared Secret"),
        ("refresh_token", "Refresh Token"),
    ),
    "generic": (("password", "Password"),),
}


def _cart_options(parser: CommandParser) -> None:
    for name, text in FLAGS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", choices=["on", "off"], help=text)
    parser.add_argument("--order-download-batch", help="orders imported and marked exported at a time (1-200)")
    ca = parser.add_argument_group("ChannelAdvisor")
    ca.add_argument("--member-name", help="your ChannelAdvisor login")
    ca.add_argument("--account-id", help="the API AccountID (a GUID)")
    ca.add_argument("--profile-id", help="the Account Profile ID (a number)")
    ca.add_argument("--api-base-url", help="default https://api.channeladvisor.com")
    ca.add_argument("--download-checkout-statuses", help="comma-separated, e.g. Completed,CompletedOffline")
    ca.add_argument("--download-payment-statuses", help="comma-separated, e.g. Cleared,Submitted,Deposited")
    ca.add_argument("--download-shipping-statuses", help="comma-separated, e.g. Unshipped,PartiallyShipped")
    generic = parser.add_argument_group("Generic")
    generic.add_argument("--script-url", help="the address of the site's integration script")
    generic.add_argument("--user-name", help="the user name the script expects")
    generic.add_argument("--code", help="the store code the script expects")
    secrets = parser.add_mutually_exclusive_group()
    secrets.add_argument(
        "--ask-secrets",
        action="store_true",
        help="prompt for the secrets (ChannelAdvisor: Application ID, Shared Secret, Refresh Token; "
        "Generic: Password); nothing is echoed",
    )
    secrets.add_argument(
        "--secrets-file",
        help="a JSON file (or - for stdin) with the secrets by field name "
        "(application_id, shared_secret, refresh_token, password); kept out of shell history",
    )


def _read_secrets(options: dict[str, Any], cart_type: str) -> dict[str, str]:
    if options.get("ask_secrets"):
        if not sys.stdin.isatty():
            raise InputError(
                "ask_secrets", "needs a terminal to prompt on; use --secrets-file (- reads standard input)"
            )
        return {name: getpass.getpass(f"{label}: ") for name, label in PROMPTS.get(cart_type, ())}
    source = options.get("secrets_file")
    if not source:
        return {}
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
        data = json.loads(text)
    except (OSError, ValueError) as error:
        raise InputError("secrets_file", f"must be a readable JSON object ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise InputError("secrets_file", "must be a JSON object")
    unknown = set(data) - set(carts.SECRET_FIELDS)
    if unknown:
        raise InputError("secrets_file", f"unknown key {sorted(unknown)[0]!r}; use {', '.join(carts.SECRET_FIELDS)}")
    return {k: str(v) for k, v in data.items()}


def _fields(options: dict[str, Any], cart_type: str) -> dict[str, Any]:
    fields: dict[str, Any] = {n: None if options[n] is None else options[n] == "on" for n in FLAGS}
    fields.update({n: options[n] for n in TEXT if options.get(n) is not None})
    if options["order_download_batch"] is not None:
        fields["order_download_batch"] = parse_int("order_download_batch", options["order_download_batch"])
    fields.update(_read_secrets(options, cart_type))
    return {k: v for k, v in fields.items() if v is not None}


class Command(ProductCommand):
    help = "Shopping cart definitions: list, show, add, edit, delete, test, and map carriers."

    def add_subcommands(self) -> None:
        self.sub("list", "List the carts with their type and capabilities.", json=True)
        self.sub("show", "Show a cart's settings (secrets masked).", json=True).add_argument(
            "store_name", help=STORE_NAME
        )
        add = self.sub("add", "Add a cart.")
        add.add_argument("store_name", help="the new cart's name (unique, at most 50 characters)")
        add.add_argument("--type", dest="cart_type", required=True, choices=sorted(CART_TYPES), help="the kind of cart")
        _cart_options(add)
        edit = self.sub("edit", "Edit a cart.")
        edit.add_argument("store_name", help=STORE_NAME)
        edit.add_argument("--rename", help="a new store name")
        _cart_options(edit)
        self.sub("delete", "Delete a cart that has no orders.").add_argument("store_name", help=STORE_NAME)
        self.sub("test", "Test Settings: get a token and read the profile.").add_argument("store_name", help=STORE_NAME)
        self.sub(
            "dcs",
            "The account's distribution centers, their state and the warehouse mapped to each.",
            ("store_name", STORE_NAME),
        )
        mapping = self.sub("map-carrier", "Map a shipping method (carrier and class) to the cart's codes.")
        for name in ("store_name", "carrier", "shipping_class", "cart_carrier", "cart_class"):
            mapping.add_argument(name, help=POSITIONALS[name])
        unmap = self.sub("unmap-carrier", "Remove a shipping method's mapping.")
        for name in ("store_name", "carrier", "shipping_class"):
            unmap.add_argument(name, help=POSITIONALS[name])
        known = self.sub("add-carrier-class", "Enter a carrier/class pair from the account's carrier list.")
        for name in ("store_name", "cart_carrier", "cart_class"):
            known.add_argument(name, help=POSITIONALS[name])
        self.sub(
            "carriers", "Show the carrier mapping and the pairs the account is known to take.", json=True
        ).add_argument("store_name", help=STORE_NAME)

    def do_list(self, json: bool, **_: Any) -> None:
        rows = []
        for cart in Cart.objects.all():
            t = cart.type
            takes = [
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
            rows.append({"store_name": cart.store_name, "type": t.label, "active": cart.active, "takes": takes})
        if json:
            self.screen.json(rows)
            return
        for row in rows:
            row["takes"] = ", ".join(row["takes"])
        columns = [("store_name", "Store Name"), ("type", "Type"), ("active", "Active"), ("takes", "Takes")]
        self.screen.table(columns, rows, empty="No carts yet: add one with ordermanager carts add.")

    def do_show(self, store_name: str, json: bool, **_: Any) -> None:
        cart = get_cart(store_name)
        fields: list[tuple[str, Any]] = [
            ("Store Name", cart.store_name),
            ("Cart Type", cart.type.label),
            ("Active", cart.active),
            ("Send Status to Web", cart.send_status_to_web),
            ("Synchronize Inventory", cart.synchronize_inventory),
            ("Order Download Batch", cart.order_download_batch),
        ]
        settings = cart.type_settings
        if settings is not None:
            fields += settings.fields()
        if cart.type.imports_orders:
            fields.append(("Last Import", cart.last_import))
        self.screen.record(fields, as_json=json)

    def do_add(self, store_name: str, cart_type: str, **options: Any) -> None:
        cart = carts.add_cart(store_name, cart_type, **_fields(options, cart_type))
        self.stdout.write(f"Cart {cart.store_name} ({cart.type.label}) added.")

    def do_edit(self, store_name: str, rename: str | None, **options: Any) -> None:
        cart = get_cart(store_name)
        cart = carts.edit_cart(cart, store_name=rename, **_fields(options, cart.cart_type))
        self.stdout.write(f"Cart {cart.store_name} saved.")

    def do_delete(self, store_name: str, **_: Any) -> None:
        carts.delete_cart(get_cart(store_name))
        self.stdout.write(f"Cart {store_name} deleted.")

    def do_test(self, store_name: str, **_: Any) -> None:
        self.stdout.write(test_cart_settings(get_cart(store_name)))

    def do_dcs(self, store_name: str, **_: Any) -> None:
        cart = get_cart(store_name)
        centers = ask_cart(cart, lambda connector: connector.distribution_centers())
        mapped = dict(CenterMapping.objects.filter(cart=cart).values_list("center_id", "warehouse__code"))
        for c in centers:
            default = " (default)" if c.is_default else ""
            warehouse = f"warehouse {mapped[c.center_id]}" if c.center_id in mapped else "-"
            self.stdout.write(f"{c.center_id:>6}  {c.code:<12} {c.name:<30} {c.state}{default}  {warehouse}")
        writable = [c for c in centers if c.writable]
        if len(writable) == 1 and not mapped:
            self.stdout.write("One center the merchant manages: stock goes there, no mapping needed.")

    def do_map_carrier(
        self, store_name: str, carrier: str, shipping_class: str, cart_carrier: str, cart_class: str, **_: Any
    ) -> None:
        cart = get_cart(store_name)
        for warning in carriers.map_carrier(cart, carrier, shipping_class, cart_carrier, cart_class):
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(f"{carrier} {shipping_class} ships as {cart_carrier}/{cart_class} on {cart.store_name}.")

    def do_unmap_carrier(self, store_name: str, carrier: str, shipping_class: str, **_: Any) -> None:
        carriers.unmap_carrier(get_cart(store_name), carrier, shipping_class)
        self.stdout.write(f"Mapping of {carrier} {shipping_class} removed.")

    def do_add_carrier_class(self, store_name: str, cart_carrier: str, cart_class: str, **_: Any) -> None:
        cart = get_cart(store_name)
        carriers.note_carrier_classes(cart, {(cart_carrier.strip(), cart_class.strip())}, carriers.Source.ENTERED)
        self.stdout.write(f"{cart_carrier}/{cart_class} is on {cart.store_name}'s carrier list.")

    def do_carriers(self, store_name: str, json: bool, **_: Any) -> None:
        cart = get_cart(store_name)
        mapping = [
            {
                "carrier": m.carrier,
                "class": m.shipping_class,
                "cart_carrier": m.cart_carrier,
                "cart_class": m.cart_class,
            }
            for m in cart.carrier_mappings.all()
        ]
        known = [
            {"cart_carrier": k.cart_carrier, "cart_class": k.cart_class, "source": k.get_source_display()}
            for k in cart.known_carriers.all()
        ]
        if json:
            self.screen.json({"mapping": mapping, "known": known})
            return
        self.screen.line("Mapping (our carrier and class → the cart's):")
        columns = table_columns("carrier", "class", "cart_carrier", "cart_class")
        self.screen.table(columns, mapping, empty="  No shipping method is mapped: each ships as itself.")
        self.screen.line("Pairs the account is known to take or refuse:")
        columns = [("cart_carrier", "Cart carrier"), ("cart_class", "Cart class"), ("source", "How we know")]
        self.screen.table(columns, known, empty="  None known yet.")
