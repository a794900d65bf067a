"""`ordermanager import-problems`: orders a cart offered that could not be imported, and retrying them."""

from __future__ import annotations

from json import dumps
from typing import Any

from django.core.management.base import CommandError

from ordermanager.carts import actions as cart_actions
from ordermanager.carts.connectors.base import CartError
from ordermanager.carts.models import Cart, ImportProblem
from ordermanager.errors import InputError
from ordermanager.management.base import ProductCommand, get_by_id, parse_int
from ordermanager.management.output import plural, table_columns
from ordermanager.orders.importing import import_orders


class Command(ProductCommand):
    help = "Import problems: orders set aside because they could not be imported; list, show and retry them."

    def add_subcommands(self) -> None:
        self.sub("list", "List the orders set aside, per cart, with the reason.", json=True)
        self.sub(
            "show", "Show one problem with the order as the cart sent it.", ("id", "the problem's number"), json=True
        )
        retry = self.sub("retry", "Try problems again now (import their carts), even if the orders did not change.")
        retry.add_argument("id", nargs="*", help="the problems' numbers")
        retry.add_argument("--all", action="store_true", help="every import problem")

    def do_list(self, json: bool, **_: Any) -> None:
        problems = ImportProblem.objects.select_related("cart").order_by("cart__store_name", "id")
        rows = [
            {
                "problem": p.pk,
                "cart": p.cart.store_name,
                "cart_order": p.channel_order_id,
                "tries": p.attempts,
                "why": p.reason,
                "last_tried": p.last_seen_at,
            }
            for p in problems
        ]
        columns = table_columns("problem", "cart", "cart_order", "tries", "why")
        self.screen.rows(columns, rows, as_json=json, empty="No import problems.")
        if rows and not json:
            self.screen.line(
                "Fix the order at the cart (it is tried again when it changes) "
                "or: ordermanager import-problems retry ID"
            )

    def do_show(self, id: str, json: bool, **_: Any) -> None:
        problem = get_by_id(ImportProblem.objects.select_related("cart"), id, "import problem")
        fields = [
            ("Problem", problem.pk),
            ("Cart", problem.cart.store_name),
            ("Cart order", problem.channel_order_id),
            ("Why", problem.reason),
            ("First seen", problem.first_seen_at),
            ("Last tried", problem.last_seen_at),
            ("Tries", problem.attempts),
            ("Retry asked", problem.retry_requested),
        ]
        if json:
            self.screen.json({**dict(fields), "The order as the cart sent it": problem.raw})
            return
        self.screen.fields(fields)
        self.screen.line("The order as the cart sent it:")
        self.screen.line(dumps(problem.raw, indent=2, sort_keys=True, default=str)[:20000])

    def do_retry(self, id: list[str], all: bool, **_: Any) -> None:
        if not id and not all:
            raise InputError("id", "name the problems to retry, or give --all")
        chosen = cart_actions.retry_import_problems([parse_int("id", v) for v in id] if id else None)
        self.screen.line(f"{plural(len(chosen), 'import problem')} will be tried again.")
        failed, still = False, 0
        for cart in Cart.objects.filter(pk__in={p.cart_id for p in chosen}, active=True):
            try:
                summary = import_orders(cart, actor=self.actor)
            except CartError as error:
                self.stderr.write(f"{cart.store_name}: {error}")
                failed = True
                continue
            left = cart.import_problems.count()
            self.screen.line(
                f"{cart.store_name}: {summary.imported:,} imported; {plural(left, 'import problem')} left."
            )
            for line in summary.refused:
                self.stderr.write(f"  {line}")
            still += len(summary.refused)
        if failed:
            raise InputError(
                "cart", "the import could not reach the cart; the problems stay marked for the next import"
            )
        if still:
            raise CommandError(f"{plural(still, 'order')} still cannot be imported; see above", returncode=1)
