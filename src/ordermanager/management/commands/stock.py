"""`ordermanager stock`: count, adjust and import stock; see a SKU; send levels to a cart (Send QOH, resync)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ordermanager.carts.lookup import get_cart
from ordermanager.errors import InputError
from ordermanager.inventory import actions, stock_file, syncing
from ordermanager.inventory.models import CenterMapping, Product, Warehouse
from ordermanager.management.base import ProductCommand, parse_int

HISTORY = 20


class Command(ProductCommand):
    help = "Stock: set, adjust, import a count file, show a SKU, warehouses and centers, send levels to a cart."

    def add_subcommands(self) -> None:
        put = self.sub("set", "Set a SKU's quantity on hand (a count); creates the product if new.", "sku", "quantity")
        put.add_argument("--warehouse", help="warehouse code; default the first warehouse")
        put.add_argument("--title", default="")
        adjust = self.sub("adjust", "Add or take away stock: +N or -N.", "sku", "change")
        adjust.add_argument("--warehouse")
        adjust.add_argument("--reason", default="adjustment")
        imported = self.sub("import", "Set levels from a CSV file: sku,quantity[,warehouse].", "file")
        imported.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
        self.sub("show", "A SKU's levels per warehouse and its recent history.", "sku")
        listing = self.sub("list", "Products and their quantity on hand.")
        listing.add_argument("--search", default="")
        self.sub("warehouses", "Warehouses and the cart centers they are mapped to.")
        add = self.sub("add-warehouse", "Add a warehouse.", "code")
        add.add_argument("--name", default="")
        mapping = self.sub("map-center", "Show a warehouse in a cart's distribution center ('none' to stop).")
        for name in ("cart", "warehouse", "center"):
            mapping.add_argument(name)
        sync = self.sub("sync", "Send levels to a cart: the unconfirmed SKUs (Send QOH), or --all (a full resync).")
        sync.add_argument("--cart", required=True)
        sync.add_argument(
            "--all", dest="every", action="store_true", help="every SKU, not only those the cart has not confirmed"
        )
        sync.add_argument("--max", dest="limit", help="at most this many SKUs in this send (SEOM's max items per send)")
        sync.add_argument("--no-wait", action="store_true", help="queue them and return")

    def do_set(self, sku: str, quantity: str, warehouse: str | None, title: str, **_: Any) -> None:
        product = actions.set_stock(
            sku, parse_int("quantity", quantity), warehouse=warehouse, title=title, actor=self.actor
        )
        self.stdout.write(f"{product.sku}: {product.quantity_on_hand} on hand.")

    def do_adjust(self, sku: str, change: str, warehouse: str | None, reason: str, **_: Any) -> None:
        product = actions.adjust_stock(
            sku, parse_int("change", change), warehouse=warehouse, reason=reason, actor=self.actor
        )
        self.stdout.write(f"{product.sku}: {product.quantity_on_hand} on hand.")

    def do_import(self, file: str, dry_run: bool, **_: Any) -> None:
        report = stock_file.apply(stock_file.read(Path(file)), dry_run=dry_run, actor=self.actor)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{len(report.rows)} good row(s): {len(report.changed)} {verb}, {report.unchanged} already at that level; "
            f"{len(report.refused)} refused."
        )
        for row in report.changed[:HISTORY]:
            self.stdout.write(f"  line {row.line}: {row.sku} = {row.quantity} {row.warehouse}".rstrip())
        for line in report.refused:
            self.stdout.write(f"  refused {line}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        if report.refused:
            raise InputError("file", f"{len(report.refused)} row(s) refused; correct them and import the file again")

    def do_show(self, sku: str, **_: Any) -> None:
        product = Product.objects.filter(sku=actions.check_sku(sku)).first()
        if product is None:
            raise InputError("sku", f"there is no product {sku!r}")
        self.stdout.write(f"{product.sku}  {product.title}\nOn hand: {product.quantity_on_hand}")
        for code, quantity in sorted(product.levels().items()):
            self.stdout.write(f"  {code}: {quantity}")
        self.stdout.write("History (newest first):")
        for move in product.moves.select_related("warehouse")[:HISTORY]:
            when = move.at.strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(
                f"  {when}  {move.warehouse.code}  {move.change:+d} -> {move.quantity_after}  {move.reason}"
                f"{'  by ' + move.actor if move.actor else ''}"
            )

    def do_list(self, search: str, **_: Any) -> None:
        products = Product.objects.all()
        if search:
            products = products.filter(sku__icontains=search) | products.filter(title__icontains=search)
        for product in products[:500]:
            self.stdout.write(f"{product.sku:<30} {product.quantity_on_hand:>8}  {product.title}")

    def do_warehouses(self, **_: Any) -> None:
        for warehouse in Warehouse.objects.all():
            centers = ", ".join(f"{m.cart} DC {m.center_id}" for m in CenterMapping.objects.filter(warehouse=warehouse))
            self.stdout.write(f"{warehouse.code:<12} {warehouse.name:<30} {centers or 'no center mapped'}")

    def do_add_warehouse(self, code: str, name: str, **_: Any) -> None:
        self.stdout.write(f"Warehouse {actions.add_warehouse(code, name).code} added.")

    def do_map_center(self, cart: str, warehouse: str, center: str, **_: Any) -> None:
        chosen = get_cart(cart)
        center_id = None if center.lower() == "none" else parse_int("center", center)
        actions.map_center(chosen, warehouse, center_id)
        where = f"distribution center {center_id}" if center_id is not None else "no center"
        self.stdout.write(f"{chosen}: warehouse {warehouse} now goes to {where}.")

    def do_sync(self, cart: str, every: bool, limit: str | None, no_wait: bool, **_: Any) -> None:
        chosen = get_cart(cart)
        ids = actions.queue_levels(
            chosen,
            every_sku=every,
            limit=parse_int("max", limit) if limit else None,
            reason="full resync" if every else "Send QOH",
        )
        if not ids:
            self.stdout.write(f"{chosen}: every SKU's level is confirmed; nothing to send (--all sends them anyway).")
            return
        planned = syncing.plan(chosen, ids)
        self.stdout.write(
            f"{chosen}: {planned.records} SKU(s) to send, {planned.calls} call(s) ({planned.lookups} ProductID "
            f"look-up(s)) at {planned.per_minute:g} calls/min: about {syncing.duration(planned.seconds)}."
        )
        if no_wait:
            self.stdout.write("Queued; the stack controller sends them (ordermanager stack status).")
            return
        final = syncing.wait(ids, self._bar)
        self.stdout.write("")
        problems = final.get("problem", 0)
        self.stdout.write(f"Sent {final.get('sent', 0)}; {problems} problem record(s).")
        if problems:
            self.stdout.write("See them with: ordermanager stack list --state problem (each says what to fix).")

    def _bar(self, done: int, total: int, elapsed: float) -> None:
        width = 30
        filled = width * done // max(total, 1)
        rate = done / elapsed * 60 if elapsed > 0 else 0.0
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {rate:,.0f}/min  {syncing.duration(elapsed)}"
        if sys.stdout.isatty():
            self.stdout.write("\r" + line, ending="")
            self.stdout.flush()
        elif done >= total:
            self.stdout.write(line)
