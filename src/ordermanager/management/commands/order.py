"""`ordermanager order`: work an order from the command line, one action per subcommand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from ordermanager.carts.lookup import get_cart
from ordermanager.errors import InputError
from ordermanager.management.base import ProductCommand, parse_date, parse_decimal, parse_int
from ordermanager.management.output import table_columns
from ordermanager.orders import actions
from ordermanager.orders.actions import NewItem
from ordermanager.orders.models import Order


def parse_new_item(text: str) -> NewItem:
    """SKU:QTY[:PRICE[:TITLE]], as typed on the command line."""
    parts = text.split(":", 3)
    if len(parts) < 2:
        raise InputError("item", f"write an item as SKU:QUANTITY[:PRICE[:TITLE]], not {text!r}")
    price = parse_decimal("price", parts[2]) if len(parts) > 2 and parts[2] else 0
    return NewItem(
        sku=parts[0],
        quantity=parse_int("quantity", parts[1]),
        unit_price=price,
        title=parts[3] if len(parts) > 3 else "",
    )


ITEM_COLUMNS = table_columns(
    "item",
    ("sku", "SKU"),
    ("quantity", "Qty"),
    "shipped",
    "cancelled",
    "status",
    ("expected_ship_date", "Expected"),
    ("actual_ship_date", "Shipped on"),
)
PACKAGE_COLUMNS = table_columns(
    "package",
    "carrier",
    "class",
    ("shipped_at", "Shipped"),
    ("lines", "Contents"),
    "tracking",
    ("delivered_to_cart_at", "At the cart"),
)


def order_details(o: Order) -> dict[str, Any]:
    """An order as the operator reads it, and as --json gives it."""
    packages = []
    for s in o.shipments.prefetch_related("tracking_numbers", "lines__order_item"):
        packages.append(
            {
                "package": s.pk,
                "carrier": s.carrier,
                "class": s.shipping_class,
                "shipped_at": s.shipped_at,
                "lines": [f"{line.order_item.sku} x{line.quantity}" for line in s.lines.all()],
                "tracking": [f"{t.number}{'' if t.processed else ' (unprocessed)'}" for t in s.tracking_numbers.all()],
                "delivered_to_cart_at": s.delivered_to_cart_at,
            }
        )
    return {
        "order": o.pk,
        "cart": o.cart.store_name if o.cart else None,
        "channel_order_id": o.channel_order_id,
        "marketplace_order_id": o.marketplace_order_id,
        "buyer": o.buyer_name,
        "status": o.status_label,
        "checkout": o.checkout_status,
        "payment": o.payment_status,
        "shipping": o.shipping_status,
        "on_hold": o.on_hold,
        "expected_ship_date": o.expected_ship_date,
        "actual_ship_date": o.actual_ship_date,
        "items": [
            {
                "item": i.pk,
                "sku": i.sku,
                "quantity": i.quantity,
                "shipped": i.quantity_shipped,
                "cancelled": i.quantity_cancelled,
                "status": i.status_label,
                "expected_ship_date": i.expected_ship_date,
                "actual_ship_date": i.actual_ship_date,
            }
            for i in o.items.all()
        ],
        "packages": packages,
    }


class Command(ProductCommand):
    help = "Work an order: create, show, timeline, approve, pay, hold, pick, ship dates, cancel, return, fire events."

    def _order_sub(self, name: str, help_text: str, *, json: bool = False) -> CommandParser:
        parser = self.sub(name, help_text, json=json)
        parser.add_argument("order", help="the order number")
        return parser

    def add_subcommands(self) -> None:
        create = self.sub("create", "Enter a new order by hand (fires OrderImport).")
        create.add_argument("--item", action="append", required=True, help="SKU:QTY[:PRICE[:TITLE]], repeatable")
        create.add_argument("--cart", help="the cart the order belongs to")
        create.add_argument("--channel-order-id", default="", help="the cart's own number for the order")
        create.add_argument("--marketplace-order-id", default="", help="the marketplace's number for the order")
        create.add_argument("--buyer", default="", help="buyer's name")
        create.add_argument("--email", default="", help="buyer's e-mail")
        create.add_argument("--total", default="0", help="the order total, e.g. 19.99")
        self.sub("list", "List orders, newest first.", json=True).add_argument(
            "--limit", default="50", help="at most this many (default 50)"
        )
        self._order_sub("show", "Show an order, its items, packages and labels.", json=True)
        self._order_sub("timeline", "Show an order's timeline.", json=True)
        self._order_sub("approve", "Approve an order.")
        for name, text in (("pay", "Log a payment."), ("refund", "Log a refund.")):
            parser = self._order_sub(name, text)
            parser.add_argument("--amount", required=True, help="the amount, e.g. 19.99")
            if name == "pay":
                parser.add_argument("--declined", action="store_true", help="the payment was declined")
        hold = self._order_sub("hold", "Put an order on hold.")
        hold.add_argument("--reason", default="", help="why, for the timeline")
        self._order_sub("release", "Release an order from hold.")
        self._order_sub("pick", "Print the pick list (fires OrderPick).")
        ship_date = self._order_sub("ship-date", "Set the expected or actual ship date, of items or the whole order.")
        kind = ship_date.add_mutually_exclusive_group(required=True)
        kind.add_argument("--expected", help="the expected ship date (YYYY-MM-DD)")
        kind.add_argument("--actual", help="the actual ship date (YYYY-MM-DD)")
        ship_date.add_argument("--item", action="append", help="SKU or item id; repeatable; default the whole order")
        self._order_sub("cancel", "Cancel everything still open on an order.")
        add_item = self._order_sub("add-item", "Add a line item (fires ItemAdd).")
        add_item.add_argument("item", help="SKU:QTY[:PRICE[:TITLE]]")
        change = self._order_sub("change-item", "Change an item's quantity or title (fires ItemChange).")
        change.add_argument("item", help="SKU or item id")
        change.add_argument("--quantity", help="the new quantity ordered")
        change.add_argument("--title", help="the new title")
        for name, text in (
            ("cancel-item", "Cancel an item's open quantity, or part of it."),
            ("return-item", "Log a return of shipped quantity."),
        ):
            parser = self._order_sub(name, text)
            parser.add_argument("item", help="SKU or item id")
            parser.add_argument(
                "--quantity", required=name == "return-item", help="how many (default: all that is open)"
            )
        for name, text in (
            ("backorder", "Put an item on backorder."),
            ("fill-backorder", "Mark a backordered item as back in stock."),
            ("cancel-drop-ship", "Cancel an item's drop-ship order."),
        ):
            self._order_sub(name, text).add_argument("item", help="SKU or item id")
        drop = self._order_sub("drop-ship", "Order an item from a drop-ship supplier.")
        drop.add_argument("item", help="SKU or item id")
        drop.add_argument("--supplier", required=True, help="the supplier's name")
        fire = self._order_sub("fire", "Fire a status event by hand (the Ship Dates & Status tab).")
        fire.add_argument("event", help="the event's id, e.g. OrderPick (ordermanager events list)")
        fire.add_argument("--item", action="append", help="SKU or item id, for item events; repeatable")
        note = self._order_sub("note", "Add a note to the order's timeline.")
        note.add_argument("text", help="the note")

    def handle(self, *args: Any, **options: Any) -> None:
        # Every subcommand but create/show/timeline is an action: show the timeline lines it wrote.
        number = options.get("order")
        before = self.last_timeline_id(number) if number else 0
        super().handle(*args, **options)
        if number and options["subcommand"] not in ("show", "timeline", "list"):
            self.show_new_timeline(actions.get_order(number), before)

    def do_create(self, item: list[str], cart: str | None, buyer: str, email: str, total: str, **o: Any) -> None:
        order = actions.receive_order(
            [parse_new_item(text) for text in item],
            actor=self.actor,
            cart=get_cart(cart) if cart else None,
            channel_order_id=o["channel_order_id"],
            marketplace_order_id=o["marketplace_order_id"],
            buyer_name=buyer,
            buyer_email=email,
            total=parse_decimal("total", total),
        )
        self.stdout.write(f"Order {order.pk} created.")
        self.show_new_timeline(order, 0)

    def do_list(self, limit: str, json: bool, **_: Any) -> None:
        orders = Order.objects.select_related("cart").order_by("-id")[: parse_int("limit", limit)]
        rows = [
            {
                "order": o.pk,
                "cart": o.cart.store_name if o.cart else None,
                "channel_order_id": o.channel_order_id,
                "buyer": o.buyer_name,
                "status": o.status_label,
                "shipping": o.shipping_status,
                "on_hold": o.on_hold,
                "received": o.created_at,
            }
            for o in orders
        ]
        columns = table_columns(
            "order", "cart", ("channel_order_id", "Channel order"), "buyer", "status", "shipping", "received"
        )
        self.screen.rows(columns, rows, as_json=json, empty="No orders yet: ordermanager import-orders downloads them.")

    def do_show(self, order: str, json: bool, **_: Any) -> None:
        shown = order_details(actions.get_order(order))
        if json:
            self.screen.json(shown)
            return
        head = {k: v for k, v in shown.items() if k not in ("items", "packages")}
        self.screen.fields([(k.replace("_", " ").capitalize(), v) for k, v in head.items()])
        self.screen.line()
        self.screen.table(ITEM_COLUMNS, shown["items"], empty="No items.")
        self.screen.line()
        packages = [
            {**p, "tracking": ", ".join(p["tracking"]), "lines": ", ".join(p["lines"])} for p in shown["packages"]
        ]
        self.screen.table(PACKAGE_COLUMNS, packages, empty="No packages yet.")

    def do_timeline(self, order: str, json: bool, **_: Any) -> None:
        o = actions.get_order(order)
        rows = [{"at": e.at, "actor": e.actor, "kind": e.kind, "message": e.message} for e in o.timeline.order_by("id")]
        columns = [("at", "When"), ("actor", "Who"), ("kind", "What"), ("message", "")]
        self.screen.rows(columns, rows, as_json=json, empty=f"Order {o.pk} has no timeline entries.")

    def do_approve(self, order: str, **_: Any) -> None:
        before = self.last_timeline_id(order)
        approved = actions.approve_order(order, actor=self.actor)
        if not approved.timeline.filter(id__gt=before).exists():
            self.screen.line(f"Order {approved.pk} is already approved; nothing changed.")

    def do_pay(self, order: str, amount: str, declined: bool, **_: Any) -> None:
        actions.log_payment(order, parse_decimal("amount", amount), actor=self.actor, declined=declined)

    def do_refund(self, order: str, amount: str, **_: Any) -> None:
        actions.refund_payment(order, parse_decimal("amount", amount), actor=self.actor)

    def do_hold(self, order: str, reason: str, **_: Any) -> None:
        actions.hold_order(order, actor=self.actor, reason=reason)

    def do_release(self, order: str, **_: Any) -> None:
        actions.release_order(order, actor=self.actor)

    def do_pick(self, order: str, **_: Any) -> None:
        actions.print_pick_list(order, actor=self.actor)

    def do_ship_date(
        self, order: str, expected: str | None, actual: str | None, item: list[str] | None, **_: Any
    ) -> None:
        if expected is not None:
            actions.set_expected_ship_date(order, parse_date("expected", expected), actor=self.actor, items=item)
        else:
            actions.set_actual_ship_date(order, parse_date("actual", actual or ""), actor=self.actor, items=item)

    def do_cancel(self, order: str, **_: Any) -> None:
        actions.cancel_order(order, actor=self.actor)

    def do_add_item(self, order: str, item: str, **_: Any) -> None:
        actions.add_item(order, parse_new_item(item), actor=self.actor)

    def do_change_item(self, order: str, item: str, quantity: str | None, title: str | None, **_: Any) -> None:
        qty = parse_int("quantity", quantity) if quantity is not None else None
        actions.change_item(order, item, actor=self.actor, quantity=qty, title=title)

    def do_cancel_item(self, order: str, item: str, quantity: str | None, **_: Any) -> None:
        qty = parse_int("quantity", quantity) if quantity is not None else None
        actions.cancel_item(order, item, actor=self.actor, quantity=qty)

    def do_return_item(self, order: str, item: str, quantity: str, **_: Any) -> None:
        actions.return_item(order, item, parse_int("quantity", quantity), actor=self.actor)

    def do_backorder(self, order: str, item: str, **_: Any) -> None:
        actions.backorder_item(order, item, actor=self.actor)

    def do_fill_backorder(self, order: str, item: str, **_: Any) -> None:
        actions.fill_backorder(order, item, actor=self.actor)

    def do_drop_ship(self, order: str, item: str, supplier: str, **_: Any) -> None:
        actions.order_drop_ship(order, item, supplier=supplier, actor=self.actor)

    def do_cancel_drop_ship(self, order: str, item: str, **_: Any) -> None:
        actions.cancel_drop_ship(order, item, actor=self.actor)

    def do_fire(self, order: str, event: str, item: list[str] | None, **_: Any) -> None:
        actions.fire_status_event(order, event, actor=self.actor, items=item)

    def do_note(self, order: str, text: str, **_: Any) -> None:
        actions.add_note(order, text, actor=self.actor)
