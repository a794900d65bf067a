"""`ordermanager doctor`: why didn't it reach the cart? Per order (--order), per cart (--cart) or the whole system."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ordermanager.carts.lookup import get_cart
from ordermanager.errors import InputError
from ordermanager.orders.actions import get_order
from ordermanager.orders.diagnosis import diagnose
from ordermanager.stack.checkup import Checkup, checkup
from ordermanager.stack.health import Check


class Command(BaseCommand):
    help = (
        "Why didn't it reach the cart? --order walks one order's chain and stops at the first broken link with "
        "its fix; --cart or no option checks the carts, controllers, leases, backlog, problems and last imports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--order", help="the order number to diagnose")
        parser.add_argument("--cart", help="check this cart only (its store name)")
        parser.add_argument(
            "--no-test-settings", action="store_true", help="do not run Test Settings (no call to the cart)"
        )

    def handle(self, *args: Any, order: str | None, cart: str | None, no_test_settings: bool, **_: Any) -> None:
        try:
            if order is not None:
                self._order(order, test_settings=not no_test_settings)
            else:
                found = get_cart(cart) if cart is not None else None
                self._bulk(checkup(found, test_settings=not no_test_settings))
        except InputError as error:
            raise CommandError(str(error), returncode=2) from None

    def _line(self, link: Check) -> None:
        style = {"ok": self.style.SUCCESS, "not yet": self.style.WARNING}.get(link.mark, self.style.ERROR)
        mark = style(f"{'ok' if link.ok else link.mark.upper():<7}")
        self.stdout.write(f"{mark} {link.name}: {link.message}")
        if not link.ok and link.fix:
            self.stdout.write(f"        To fix: {link.fix}")

    def _order(self, number: str, *, test_settings: bool) -> None:
        order = get_order(number)
        report = diagnose(order, test_settings=test_settings)
        self.stdout.write(f"Order {order.pk}: why it did or did not reach its cart")
        for link in report.links:
            self._line(link)
        if report.reached:
            self.stdout.write("Everything of this order reached its cart.")
        elif report.broken is None:
            self.stdout.write("Every link holds.")

    def _bulk(self, result: Checkup) -> None:
        now = timezone.now()
        for link in result.checks:
            self._line(link)
        held = ", ".join(f"{lease.name} by {lease.holder}" for lease in result.lanes) or "none"
        self.stdout.write(f"Leases held: {held}")
        if result.oldest_waiting is not None:
            age = (now - result.oldest_waiting).total_seconds()
            self.stdout.write(f"Oldest waiting record: {age:.0f} s old ({result.oldest_waiting:%Y-%m-%d %H:%M:%S} UTC)")
        else:
            self.stdout.write("Oldest waiting record: none waiting")
        for c in result.carts:
            self.stdout.write(f"{c.cart.store_name}: {c.waiting} waiting; last import: {c.last_import}")
        if not result.problems:
            self.stdout.write("Problem records: none")
        for cause in result.problems:
            self.stdout.write(f"{cause.records} problem record(s) on {cause.cart}: {cause.error}")
            if cause.fix:
                self.stdout.write(f"        To fix: {cause.fix}; then ordermanager stack retry --problems")
