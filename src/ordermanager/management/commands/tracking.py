"""`ordermanager tracking`: add tracking numbers and Process Tracking Numbers."""

from __future__ import annotations

from typing import Any

from ordermanager.errors import InputError
from ordermanager.management.base import ProductCommand, parse_datetime, parse_int
from ordermanager.management.output import table_columns
from ordermanager.management.tracking_files import TrackingFileCommands
from ordermanager.orders import actions
from ordermanager.orders.models import TrackingLink, TrackingNumber


def parse_package_item(text: str) -> tuple[str, int | None]:
    """SKU or SKU:QTY; without a quantity, the item's whole open quantity."""
    sku, _, qty = text.partition(":")
    if not sku:
        raise InputError("item", f"write an item as SKU or SKU:QUANTITY, not {text!r}")
    return sku, parse_int("quantity", qty) if qty else None


class Command(TrackingFileCommands, ProductCommand):
    help = "Tracking numbers: add one (to a new package or an existing one), list, and Process Tracking Numbers."

    def add_subcommands(self) -> None:
        add = self.sub("add", "Add a tracking number to an order.")
        add.add_argument("order", help="the order number")
        add.add_argument("number", help="the tracking number")
        add.add_argument("--carrier", default="", help="carrier of a new package, e.g. UPS")
        add.add_argument("--class", dest="shipping_class", default="", help="class/service, e.g. Ground")
        add.add_argument("--ship-date", help="when the package shipped (date or ISO date-time); default now")
        add.add_argument("--item", action="append", help="SKU[:QTY] in the new package; default all that is open")
        add.add_argument("--package", help="add the number to this existing package instead")
        add.add_argument("--no-process", action="store_true", help="leave it for Process Tracking Numbers")
        add.add_argument(
            "--shared", action="store_true", help="one box carries several orders: the number may be on other orders"
        )
        self.sub("process", "Process Tracking Numbers: every unprocessed number within the look-back window.")
        listing = self.sub("list", "List tracking numbers.", json=True)
        listing.add_argument("--unprocessed", action="store_true", help="only those not processed yet")
        self.sub(
            "links", "Show the tracking link (URL template) of each carrier, used in e-mails and /status/.", json=True
        )
        self.sub(
            "link",
            "Add or change a carrier's tracking link; {number} marks the number.",
            ("carrier", "the carrier, as on packages (UPS, FedEx, …)"),
            ("url_template", "the tracking page's address, with {number} where the number goes"),
        )
        self.sub("unlink", "Remove a carrier's tracking link.", ("carrier", "the carrier whose link goes"))
        self.add_file_subcommands()

    def do_add(self, order: str, number: str, **o: Any) -> None:
        before = self.last_timeline_id(order)
        tracking = actions.add_tracking_number(
            order,
            number,
            actor=self.actor,
            carrier=o["carrier"],
            shipping_class=o["shipping_class"],
            shipped_at=parse_datetime("ship_date", o["ship_date"]) if o["ship_date"] else None,
            items=[parse_package_item(text) for text in o["item"]] if o["item"] else None,
            package=parse_int("package", o["package"]) if o["package"] else None,
            process=not o["no_process"],
            shared=o["shared"],
        )
        self.stdout.write(f"Tracking number {tracking.number} added to order {tracking.order_id}.")
        for warning in tracking.warnings:
            self.stdout.write(f"Warning: {warning}")
        self.show_new_timeline(tracking.order, before)

    def do_process(self, **_: Any) -> None:
        report = actions.process_tracking_numbers(actor=self.actor)
        for line in report.summary():
            self.screen.line(line)
        if not report.processed:
            self.screen.line("(tracking add processes a number at once, unless given --no-process.)")

    def do_list(self, unprocessed: bool, json: bool, **_: Any) -> None:
        query = TrackingNumber.objects.select_related("shipment").order_by("id")
        if unprocessed:
            query = query.filter(processed=False)
        rows = [
            {
                "order": t.order_id,
                "package": t.shipment_id,
                "number": t.number,
                "carrier": t.shipment.carrier,
                "processed": t.processed,
                "added": t.created_at,
            }
            for t in query
        ]
        columns = table_columns("order", "package", ("number", "Tracking number"), "carrier", "processed", "added")
        self.screen.rows(
            columns,
            rows,
            as_json=json,
            empty="No unprocessed tracking numbers." if unprocessed else "No tracking numbers yet.",
        )

    def do_links(self, json: bool, **_: Any) -> None:
        rows = [{"carrier": link.carrier, "url_template": link.url_template} for link in TrackingLink.objects.all()]
        self.screen.rows(
            [("carrier", "Carrier"), ("url_template", "Tracking link")], rows, as_json=json, empty="No tracking links."
        )

    def do_link(self, carrier: str, url_template: str, **_: Any) -> None:
        link = actions.set_tracking_link(carrier, url_template)
        self.screen.line(f"Tracking link for {link.carrier}: {link.url_template}")

    def do_unlink(self, carrier: str, **_: Any) -> None:
        actions.remove_tracking_link(carrier)
        self.screen.line(f"Tracking link for {carrier} removed.")
