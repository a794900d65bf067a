"""`ordermanager stock`: count, adjust and import stock; see a SKU; send levels to a cart (Send QOH, resync)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordermanager.carts.lookup import get_cart
from ordermanager.errors import InputError
from ordermanager.inventory import actions, stock_file, syncing
from ordermanager.inventory.models import CenterMapping, Product, Warehouse
from ordermanager.management.base import ProductCommand, parse_int
from ordermanager.management.output import table_columns

HISTORY = 20


class Command(ProductCommand):
    help = "Stock: set, adjust, import a count file, show a SKU, warehouses and centers, send levels to a cart."

    def add_subcommands(self) -> None:
        sku = ("sku", "the product's SKU")
        put = self.sub(
            "set",
            "Set a SKU's quantity on hand (a count); creates the product if new.",
            sku,
            ("quantity", "the count"),
        )
        put.add_argument("--warehouse", help="warehouse code; default the first warehouse")
        put.add_argument("--title", default="", help="the product's title, for a new product")
        adjust = self.sub("adjust", "Add or take away stock: +N or -N.", sku, ("change", "+N or -N"))
        adjust.add_argument("--warehouse", help="warehouse code; default the first warehouse")
        adjust.add_argument("--reason", default="adjustment", help="why, kept in the product's history")
        imported = self.sub(
            "import", "Set levels from a CSV file: sku,quantity[,warehouse].", ("file", "the count file (CSV)")
        )
        imported.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
        self.sub("show", "A SKU's levels per warehouse and its recent history.", sku, json=True)
        listing = self.sub("list", "Products and their quantity on hand.", json=True)
        listing.add_argument("--search", default="", help="part of a SKU or title")
        self.sub("warehouses", "Warehouses and the cart centers they are mapped to.", json=True)
        add = self.sub("add-warehouse", "Add a warehouse.", ("code", "a short code, e.g. WEST"))
        add.add_argument("--name", default="", help="a name people read")
        self.sub(
            "map-center",
            "Show a warehouse in a cart's distribution center ('none' to stop).",
            ("cart", "the cart's store name"),
            ("warehouse", "the warehouse code"),
            ("center", "the DistributionCenterID (ordermanager carts dcs NAME), or none"),
        )
        sync = self.sub("sync", "Send levels to a cart: the unconfirmed SKUs (Send QOH), or --all (a full resync).")
        sync.add_argument("--cart", required=True, help="the cart's store name")
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

    def do_show(self, sku: str, json: bool, **_: Any) -> None:
        product = Product.objects.filter(sku=actions.check_sku(sku)).first()
        if product is None:
            raise InputError("sku", f"there is no product {sku!r}")
        moves = [
            {
                "at": move.at,
                "warehouse": move.warehouse.code,
                "change": move.change,
                "quantity_after": move.quantity_after,
                "reason": move.reason,
                "actor": move.actor,
            }
            for move in product.moves.select_related("warehouse")[:HISTORY]
        ]
        levels = dict(sorted(product.levels().items()))
        if json:
            self.screen.json(
                {
                    "sku": product.sku,
                    "title": product.title,
                    "on_hand": product.quantity_on_hand,
                    "levels": levels,
                    "history": moves,
                }
            )
            return
        self.screen.line(f"{product.sku}  {product.title}")
        self.screen.line(f"On hand: {product.quantity_on_hand}")
        for code, quantity in levels.items():
            self.screen.line(f"  {code}: {quantity}")
        self.screen.line("History (newest first):")
        columns = table_columns(
            ("at", "When"), "warehouse", "change", ("quantity_after", "After"), "reason", ("actor", "By")
        )
        self.screen.table(columns, moves, empty="No changes yet.")

    def do_list(self, search: str, json: bool, **_: Any) -> None:
        products = Product.objects.all()
        if search:
            products = products.filter(sku__icontains=search) | products.filter(title__icontains=search)
        rows = [{"sku": p.sku, "on_hand": p.quantity_on_hand, "title": p.title} for p in products[:500]]
        columns = [("sku", "SKU"), ("on_hand", "On hand"), ("title", "Title")]
        self.screen.rows(columns, rows, as_json=json, empty="No products yet.")

    def do_warehouses(self, json: bool, **_: Any) -> None:
        mappings = CenterMapping.objects.select_related("cart")
        rows = [
            {
                "code": w.code,
                "name": w.name,
                "centers": [f"{m.cart} DC {m.center_id}" for m in mappings if m.warehouse_id == w.pk],
            }
            for w in Warehouse.objects.all()
        ]
        if not json:
            rows = [{**row, "centers": ", ".join(row["centers"]) or "no center mapped"} for row in rows]
        columns = [("code", "Code"), ("name", "Name"), ("centers", "Cart centers")]
        self.screen.rows(columns, rows, as_json=json, empty="No warehouses yet.")

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
        progress = self.screen.progress("Sending levels")
        final = syncing.wait(ids, lambda done, total, _elapsed: progress(done, total))
        problems = final.get("problem", 0)
        self.stdout.write(f"Sent {final.get('sent', 0)}; {problems} problem record(s).")
        if problems:
            self.stdout.write("See them with: ordermanager stack list --state problem (each says what to fix).")
