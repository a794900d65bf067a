"""`ordermanager stack`: the stack controller, and the operator's view of the stack (Ctrl-Shift-S)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from ordermanager.carts import import_problems
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.management.base import ProductCommand, parse_int
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
        self.sub("status", "Counts per state and cart, the oldest waiting record, and the controllers alive.")
        listing = self.sub("list", "List stack records (newest first).")
        listing.add_argument("--state", choices=[s.value for s in State])
        listing.add_argument("--limit", default="50")
        self.sub("show", "Show one record: what it is for, its attempts and the cart's last answer.").add_argument("id")
        retry = self.sub("retry", "Put problem or waiting records back on the stack, to send now.")
        retry.add_argument("id", nargs="*")
        retry.add_argument("--problems", action="store_true", help="every problem record")
        clear = self.sub("clear", "Delete Records with Failed Attempts (problem records): they will not be sent.")
        clear.add_argument("--failed", action="store_true", required=True)
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

    def do_status(self, **_: Any) -> None:
        view = overview()
        self.stdout.write(f"There are {view.on_stack} record(s) on the stack.")
        states = [s.value for s in State]
        self.stdout.write(f"{'cart':<24}" + "".join(f"{s:>11}" for s in states))
        for cart, by_state in view.counts.items():
            self.stdout.write(f"{cart:<24}" + "".join(f"{by_state.get(s, 0):>11}" for s in states))
        age = view.oldest_waiting_seconds
        self.stdout.write(f"Oldest waiting record: {_age(age) + ' old' if age is not None else 'none'}")
        if view.controllers:
            for lease in view.controllers:
                beat = (view.now - lease.heartbeat_at).total_seconds()
                self.stdout.write(f"Stack controller {lease.holder} is running (heartbeat {_age(beat)} ago).")
        else:
            self.stdout.write("No stack controller is running: nothing will be sent. Start one: ordermanager stack run")
        for cart in Cart.objects.filter(active=True):
            if cart.type.imports_orders:
                self.stdout.write(f"Last import from {cart.store_name}: {cart.last_import}")
        if view.problems:
            self.stdout.write(f"{view.problems} problem record(s) need you: ordermanager stack list --state problem")
        for cart, count in import_problems.counts_by_cart().items():
            self.stdout.write(
                f"{cart}: {count} order(s) set aside at import need you: ordermanager import-problems list"
            )

    def do_prune(self, older_than: str | None, **_: Any) -> None:
        age = _parse_age(older_than) if older_than else dt.timedelta(days=retention.kept_days())
        done = retention.prune_sent(age)
        self.stdout.write(f"{done} sent record(s) older than {_age(age.total_seconds())} deleted.")

    def do_list(self, state: str | None, limit: str, **_: Any) -> None:
        records = StackRecord.objects.select_related("cart").order_by("-id")
        if state:
            records = records.filter(state=state)
        for r in records[: parse_int("limit", limit)]:
            target = f"order {r.order_id}" if r.order_id else f"SKU {r.sku}"
            error = f"  {r.last_error[:80]}" if r.last_error and r.state != State.SENT else ""
            self.stdout.write(
                f"{r.pk:>7} {r.get_kind_display():<16} {r.get_state_display():<17} "
                f"{(r.cart.store_name if r.cart else 'e-mail'):<20} {target:<14} tries {r.attempts}{error}"
            )

    def do_show(self, id: str, **_: Any) -> None:
        record = StackRecord.objects.select_related("cart").filter(pk=parse_int("id", id)).first()
        if record is None:
            raise InputError("id", f"there is no stack record {id}")
        fields = [
            ("Record", record.pk),
            ("Kind", record.get_kind_display()),
            ("State", record.get_state_display()),
            ("Cart", record.cart or "(e-mail)"),
            ("Order", record.order_id or "-"),
            ("SKU", record.sku or "-"),
            ("Why", ", ".join(record.reasons)),
            ("Changes folded in", record.coalesced),
            ("Attempts", record.attempts),
            ("Next attempt", record.next_attempt_at if record.state in OPEN_STATES else "-"),
            ("Created", record.created_at),
            ("Sent", record.sent_at or "-"),
            ("In flight with", record.claimed_by or "-"),
            ("Last error", record.last_error or "-"),
            ("To fix", record.fix_hint or "-"),
            ("Cart's last answer", record.last_response[:1000] or "-"),
        ]
        for name, value in fields:
            self.stdout.write(f"{name + ':':<20} {value}")

    def do_retry(self, id: list[str], problems: bool, **_: Any) -> None:
        ids = [parse_int("id", value) for value in id] if id else None
        done = actions.retry_records(actor=self.actor, ids=ids, problems=problems)
        self.stdout.write(f"{len(done)} record(s) back on the stack.")

    def do_clear(self, **_: Any) -> None:
        done = actions.clear_failed(actor=self.actor)
        self.stdout.write(f"{len(done)} problem record(s) cleared.")
