"""`ordermanager stack`: the stack controller, and the operator's view of the stack (Ctrl-Shift-S)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.management.base import ProductCommand, get_by_id, parse_int
from ordermanager.management.output import plural, table_columns
from ordermanager.stack import actions, retention
from ordermanager.stack.controller import AnotherControllerRunning, Settings, StackController
from ordermanager.stack.models import OPEN_STATES, StackRecord, State
from ordermanager.stack.overview import overview


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


AGE = re.compile(r"^(\d{1,6})([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _parse_age(text: str) -> dt.timedelta:
    found = AGE.match(text.strip().lower())
    if not found:
        raise InputError("older_than", f"must be a number followed by d, h or m (such as 30d), not {text!r}")
    age = dt.timedelta(**{UNITS[found.group(2)]: int(found.group(1))})
    if age < dt.timedelta(hours=1):
        raise InputError("older_than", "must be at least an hour: records this young may still be news")
    return age


class Command(ProductCommand):
    help = "The stack: run the controller, see what is queued, retry and clear problem records."

    def add_subcommands(self) -> None:
        run = self.sub("run", "Run the stack controller until stopped (Ctrl-C).")
        run.add_argument("--once", action="store_true", help="deliver everything due now, then exit")
        run.add_argument("--no-import", action="store_true", help="do not import orders on schedule")
        run.add_argument(
            "--lease-seconds",
            default="15",
            help="how long a cart account stays with a controller that stopped answering (failover time)",
        )
        run.add_argument(
            "--retry-base",
            default="2",
            help="seconds before the first retry; each retry waits about twice as long, up to an hour",
        )
        self.sub(
            "status", "Counts per state and cart, the oldest waiting record, and the controllers alive.", json=True
        )
        listing = self.sub("list", "List stack records (newest first).", json=True)
        listing.add_argument("--state", choices=[s.value for s in State], help="only records in this state")
        listing.add_argument("--limit", default="50", help="at most this many (default 50)")
        self.sub(
            "show", "Show one record: what it is for, its attempts and the cart's last answer.", json=True
        ).add_argument("id", help="the record's number")
        retry = self.sub("retry", "Put problem or waiting records back on the stack, to send now.")
        retry.add_argument("id", nargs="*", help="the records' numbers")
        retry.add_argument("--problems", action="store_true", help="every problem record")
        clear = self.sub("clear", "Delete Records with Failed Attempts (problem records): they will not be sent.")
        clear.add_argument("--failed", action="store_true", required=True, help="confirms: the problem records")
        prune = self.sub("prune", "Delete sent records older than an age (the orders' timelines keep them).")
        prune.add_argument("--older-than", help="an age such as 30d or 12h (default: StackKeepSentDays)")

    def do_run(self, once: bool, no_import: bool, retry_base: str, lease_seconds: str, **_: Any) -> None:
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO)
        try:
            base = float(retry_base)
        except ValueError:
            raise InputError("retry_base", f"must be a number of seconds, not {retry_base!r}") from None
        if not 0.01 <= base <= 600:
            raise InputError("retry_base", "must be between 0.01 and 600 seconds")
        lease = parse_int("lease_seconds", lease_seconds)
        if not 2 <= lease <= 600:
            raise InputError("lease_seconds", "must be between 2 and 600 seconds")
        controller = StackController(
            Settings(once=once, imports=not no_import, retry_base_seconds=base, lease_seconds=lease)
        )
        try:
            controller.run()
        except AnotherControllerRunning as error:
            raise InputError("controller", str(error)) from None

    def do_status(self, json: bool, **_: Any) -> None:
        view = overview()
        states = [s.value for s in State]
        by_cart = [{"cart": cart, **{s: by_state.get(s, 0) for s in states}} for cart, by_state in view.counts.items()]
        alive = [
            {
                "holder": lease.holder,
                "heartbeat_seconds_ago": round((view.now - lease.heartbeat_at).total_seconds(), 1),
                "accounts": [a.cart for a in view.driven_by(lease.holder)],
                "sent_last_minute": view.sent_per_minute(lease.holder),
            }
            for lease in view.controllers
        ]
        accounts = [
            {"cart": a.cart, "controller": a.controller, "sent_last_minute": a.sent_last_minute} for a in view.accounts
        ]
        last_imports = [
            (c.store_name, c.last_import) for c in Cart.objects.filter(active=True) if c.type.imports_orders
        ]
        if json:
            self.screen.json(
                {
                    "on_stack": view.on_stack,
                    "by_cart": by_cart,
                    "oldest_waiting_seconds": view.oldest_waiting_seconds,
                    "controllers": alive,
                    "accounts": accounts,
                    "problems": view.problems,
                    "import_problems": import_problems.counts_by_cart(),
                    "last_imports": dict(last_imports),
                }
            )
            return
        total = view.on_stack
        self.screen.line(f"There {'is' if total == 1 else 'are'} {plural(total, 'record')} on the stack.")
        self.screen.table([("cart", "Cart"), *((s, s) for s in states)], by_cart, empty="The stack is empty.")
        age = view.oldest_waiting_seconds
        self.screen.line(f"Oldest waiting record: {_age(age) + ' old' if age is not None else 'none'}")
        for lease in alive:
            beat = _age(lease["heartbeat_seconds_ago"])
            driven = ", ".join(lease["accounts"]) or "no account"
            self.screen.line(
                f"Stack controller {lease['holder']} is running (heartbeat {beat} ago): drives {driven}; "
                f"{plural(lease['sent_last_minute'], 'record')} sent in the last minute."
            )
        if not alive:
            self.screen.line("No stack controller is running: nothing will be sent. Start one: ordermanager stack run")
        for account in accounts:
            driver = account["controller"] or "nobody: UNATTENDED (its lease lapsed with no controller to take it)"
            self.screen.line(f"Account {account['cart']}: driven by {driver}; {account['sent_last_minute']} sent/min.")
        for cart, line in last_imports:
            self.screen.line(f"Last import from {cart}: {line}")
        if view.problems:
            verb = "needs" if view.problems == 1 else "need"
            self.screen.line(
                f"{plural(view.problems, 'problem record')} {verb} you: ordermanager stack list --state problem"
            )
        for cart, count in import_problems.counts_by_cart().items():
            self.screen.line(
                f"{cart}: {plural(count, 'order')} set aside at import {'needs' if count == 1 else 'need'} you: "
                "ordermanager import-problems list"
            )

    def do_prune(self, older_than: str | None, **_: Any) -> None:
        age = _parse_age(older_than) if older_than else dt.timedelta(days=retention.kept_days())
        done = retention.prune_sent(age)
        self.screen.line(f"{done} sent record(s) older than {_age(age.total_seconds())} deleted.")

    def do_list(self, state: str | None, limit: str, json: bool, **_: Any) -> None:
        records = StackRecord.objects.select_related("cart").order_by("-id")
        if state:
            records = records.filter(state=state)
        rows = [
            {
                "record": r.pk,
                "kind": r.get_kind_display(),
                "state": r.get_state_display(),
                "cart": r.cart.store_name if r.cart else "e-mail",
                "order": r.order_id,
                "sku": r.sku,
                "attempts": r.attempts,
                "last_error": r.last_error if r.state != State.SENT else "",
            }
            for r in records[: parse_int("limit", limit)]
        ]
        columns = table_columns(
            "record", "kind", "state", "cart", "order", ("sku", "SKU"), ("attempts", "Tries"), "last_error"
        )
        empty = f"No {state} records on the stack." if state else "The stack is empty."
        self.screen.rows(columns, rows, as_json=json, empty=empty)

    def do_show(self, id: str, json: bool, **_: Any) -> None:
        record = get_by_id(StackRecord.objects.select_related("cart"), id, "stack record")
        fields = [
            ("Record", record.pk),
            ("Kind", record.get_kind_display()),
            ("State", record.get_state_display()),
            ("Cart", record.cart.store_name if record.cart else "(e-mail)"),
            ("Order", record.order_id),
            ("SKU", record.sku),
            ("Why", ", ".join(record.reasons)),
            ("Changes folded in", record.coalesced),
            ("Attempts", record.attempts),
            ("Next attempt", record.next_attempt_at if record.state in OPEN_STATES else None),
            ("Created", record.created_at),
            ("Sent", record.sent_at),
            ("In flight with", record.claimed_by),
            ("Last error", record.last_error),
            ("To fix", record.fix_hint),
            ("Cart's last answer", record.last_response[:1000]),
        ]
        self.screen.record(fields, as_json=json)

    def do_retry(self, id: list[str], problems: bool, **_: Any) -> None:
        ids = [parse_int("id", value) for value in id] if id else None
        done = actions.retry_records(actor=self.actor, ids=ids, problems=problems)
        self.screen.line(f"{plural(len(done), 'record')} back on the stack.")

    def do_clear(self, **_: Any) -> None:
        done = actions.clear_failed(actor=self.actor)
        self.screen.line(f"{plural(len(done), 'problem record')} cleared.")
