"""`ordermanager doctor`: why didn't it reach the cart? Per order (--order), per cart (--cart) or the whole system."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ordermanager.carts.lookup import get_cart
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.management.base import check_no_control_characters, screen_for
from ordermanager.management.output import local_time, plural
from ordermanager.orders.actions import get_order
from ordermanager.orders.diagnosis import Diagnosis, diagnose
from ordermanager.stack.checkup import Checkup, checkup
from ordermanager.stack.health import Check
from ordermanager.stack.models import Lease

MARK_STYLE = {"ok": "green", "not yet": "yellow", "broken": "bold red"}


def link_data(link: Check) -> dict[str, str]:
    return {"name": link.name, "state": link.mark, "message": link.message, "fix": link.fix}


def _lease(lease: Lease) -> dict[str, Any]:
    return {
        "name": lease.name,
        "holder": lease.holder,
        "heartbeat_at": lease.heartbeat_at,
        "expires_at": lease.expires_at,
    }


def _last_import(cart: Cart) -> dict[str, Any] | None:
    if not cart.type.imports_orders:
        return None
    return {
        "ok": cart.last_import_ok,
        "finished_at": cart.last_import_finished_at,
        "downloaded": cart.last_import_downloaded,
        "imported": cart.last_import_imported,
        "error": cart.last_import_error,
    }


def order_data(report: Diagnosis) -> dict[str, Any]:
    return {
        "order": report.order.pk,
        "ok": report.broken is None or report.broken.not_yet,
        "reached": report.reached,
        "links": [link_data(link) for link in report.links],
    }


def checkup_data(result: Checkup) -> dict[str, Any]:
    needs = result.needs_operator
    return {
        "ok": not needs,
        "needs_operator": needs,
        "checks": [link_data(link) for link in result.checks[:1]],  # the system's; each cart's are with the cart
        "controllers": [_lease(lease) for lease in result.controllers],
        "leases": [_lease(lease) for lease in result.lanes],
        "oldest_waiting": result.oldest_waiting,
        "carts": [
            {
                "cart": c.cart.store_name,
                "checks": [link_data(link) for link in c.checks],
                "waiting": c.waiting,
                "oldest_waiting": c.oldest_waiting,
                "last_import": _last_import(c.cart),
                "set_aside": c.set_aside,
            }
            for c in result.carts
        ],
        "problems": [{"cart": p.cart, "error": p.error, "fix": p.fix, "records": p.records} for p in result.problems],
    }


class Command(BaseCommand):
    help = (
        "Why didn't it reach the cart? --order walks one order's chain and stops at the first broken link with "
        "its fix; --cart or no option checks the carts, controllers, leases, backlog, problems and last imports. "
        "Exit status: 0 when everything holds (for an order, 'not yet' is no fault: nothing to send yet), 1 when a "
        "link is broken or something needs the operator (problem records, failed or set-aside imports), 2 for bad "
        "input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--order", help="the order number to diagnose")
        parser.add_argument("--cart", help="check this cart only (its store name)")
        parser.add_argument(
            "--no-test-settings", action="store_true", help="do not run Test Settings (no call to the cart)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON, for scripts and monitoring")

    def handle(self, *args: Any, **options: Any) -> None:
        self.screen = screen_for(self, options)
        test_settings = not options["no_test_settings"]
        try:
            check_no_control_characters(options)
            if options["order"] is not None:
                report = diagnose(get_order(options["order"]), test_settings=test_settings)
                trouble = self._order(report, as_json=options["json"])
            else:
                found = get_cart(options["cart"]) if options["cart"] is not None else None
                trouble = self._bulk(checkup(found, test_settings=test_settings), as_json=options["json"])
        except InputError as error:
            raise CommandError(str(error), returncode=2) from None
        if trouble:
            # Exit 1 so that a script or a monitor sees it; the details are on standard output.
            raise CommandError(trouble, returncode=1)

    def _line(self, link: Check) -> None:
        self.screen.marked(
            f"{'ok' if link.ok else link.mark.upper():<7}", MARK_STYLE[link.mark], f"{link.name}: {link.message}"
        )
        if not link.ok and link.fix:
            self.screen.line(f"        To fix: {link.fix}")

    def _order(self, report: Diagnosis, *, as_json: bool) -> str:
        """Print the chain; return what is broken ('' when nothing is)."""
        broken = report.broken
        trouble = "" if broken is None or broken.not_yet else f"order {report.order.pk}: {broken.name} is broken"
        if as_json:
            self.screen.json(order_data(report))
            return trouble
        self.screen.line(f"Order {report.order.pk}: why it did or did not reach its cart")
        for link in report.links:
            self._line(link)
        if report.reached:
            self.screen.line("Everything of this order reached its cart.")
        elif broken is None:
            self.screen.line("Every link holds.")
        return trouble

    def _bulk(self, result: Checkup, *, as_json: bool) -> str:
        """Print the checks and figures; return what needs the operator ('' when nothing does)."""
        needs = result.needs_operator
        trouble = f"{plural(len(needs), 'thing')} need{'s' if len(needs) == 1 else ''} the operator" if needs else ""
        if as_json:
            self.screen.json(checkup_data(result))
            return trouble
        for link in result.checks:
            self._line(link)
        held = ", ".join(f"{lease.name} by {lease.holder}" for lease in result.lanes) or "none"
        self.screen.line(f"Leases held: {held}")
        if result.oldest_waiting is not None:
            age = (timezone.now() - result.oldest_waiting).total_seconds()
            self.screen.line(f"Oldest waiting record: {age:.0f} s old ({local_time(result.oldest_waiting)})")
        else:
            self.screen.line("Oldest waiting record: none waiting")
        for c in result.carts:
            self.screen.line(
                f"{c.cart.store_name}: {plural(c.waiting, 'record')} waiting; last import: {c.last_import}"
            )
        if not result.problems:
            self.screen.line("Problem records: none")
        for cause in result.problems:
            self.screen.line(f"{plural(cause.records, 'problem record')} on {cause.cart}: {cause.error}")
            if cause.fix:
                self.screen.line(f"        To fix: {cause.fix}; then ordermanager stack retry --problems")
        return trouble
