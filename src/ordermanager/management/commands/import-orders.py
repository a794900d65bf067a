"""`ordermanager import-orders`: download new orders from the carts that send them."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ordermanager.carts import actions as cart_actions
from ordermanager.carts.connectors.base import CartError
from ordermanager.carts.lookup import get_cart
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.management.output import Screen, plural
from ordermanager.orders.importing import import_orders


class Command(BaseCommand):
    help = "Import new orders from one cart, or from every active cart that sends orders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cart", help="only this cart (default: every active cart that sends orders)")

    def handle(self, *args: Any, cart: str | None = None, **options: Any) -> None:
        try:
            carts = [get_cart(cart)] if cart else [c for c in Cart.objects.filter(active=True) if c.type.imports_orders]
            if not carts:
                self.stdout.write("No active cart sends orders to import.")
            failed = False
            for chosen in carts:
                self.stdout.write(f"{chosen.store_name}: downloading orders…")
                try:
                    progress = Screen(sys.stderr).progress(f"{chosen.store_name}: importing")
                    summary = import_orders(chosen, actor="import", progress=progress)
                except CartError as error:
                    cart_actions.record_import(chosen, error=str(error))
                    self.stderr.write(f"{chosen.store_name}: {error}")
                    failed = True
                    continue
                set_aside = len(summary.refused) + summary.still_set_aside
                self.stdout.write(
                    f"{chosen.store_name}: {plural(summary.downloaded, 'order')} downloaded, "
                    f"{summary.imported:,} imported, {summary.already_here:,} already here, "
                    f"{summary.acknowledged:,} marked exported, {set_aside:,} set aside as import problems "
                    f"({summary.still_set_aside:,} unchanged since last time)."
                )
                for line in summary.refused + summary.unacknowledged:
                    self.stderr.write(f"  {line}")
                failed = failed or bool(summary.refused or summary.unacknowledged)
        except InputError as error:
            raise CommandError(str(error), returncode=2) from None
        if failed:
            raise CommandError(
                "some orders were not imported or not marked exported; see above (ordermanager import-problems list)",
                returncode=1,
            )
