"""What every product command shares: clean errors, the actor's name, and input parsing."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models
from django.utils import timezone

from ordermanager.errors import InputError
from ordermanager.management.output import Screen
from ordermanager.orders.models import Order, TimelineEntry


def parse_date(field: str, text: str) -> dt.date:
    if text.strip().lower() == "today":
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(field, f"must be a date like 2026-11-27 (or 'today'), not {text!r}") from None


def parse_datetime(field: str, text: str) -> dt.datetime:
    """A date (midnight UTC) or an ISO-8601 date and time; without an offset, UTC is assumed."""
    raw = text.strip()
    if raw.lower() in ("now", "today"):
        return timezone.now()
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            field, f"must be a date or date-time like 2026-11-27 or 2026-11-27T15:30:00Z, not {text!r}"
        ) from None
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


# The largest value a database integer column holds (PostgreSQL's bigint, SQLite's INTEGER).
MAX_INT = 2**63 - 1


def parse_int(field: str, text: str) -> int:
    raw = str(text).strip()
    if len(raw) > 19 and raw.lstrip("+-").isdigit():
        raise InputError(field, f"must be at most {MAX_INT:,} ({len(raw):,} digits given)")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InputError(field, f"must be a whole number, not {short(text)!r}") from None
    if abs(value) > MAX_INT:
        raise InputError(field, f"must be at most {MAX_INT:,}")
    return value


M = TypeVar("M", bound=models.Model)


def get_by_id(query: models.QuerySet[M], text: str, what: str) -> M:
    """The row numbered `text` (the command's "id" argument), or a clear "there is no <what>" naming the field."""
    row = query.filter(pk=parse_int("id", text)).first()
    if row is None:
        raise InputError("id", f"there is no {what} {text}")
    return row


def short(text: Any, limit: int = 60) -> str:
    """A value quoted back in a message: a long one is cut, so the message stays one line."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def check_no_control_characters(options: dict[str, Any]) -> None:
    """Typed values are text a person can read: control characters (NUL, escape, newline) are refused."""
    for name, value in options.items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and any(ord(c) < 32 or ord(c) == 127 for c in text):
                raise InputError(name, "must not contain control characters (such as NUL, escape or a new line)")


def parse_decimal(field: str, text: str) -> Decimal:
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        raise InputError(field, f"must be a number like 19.99, not {text!r}") from None


def screen_for(command: BaseCommand, options: dict[str, Any]) -> Screen:
    """The command's standard output as a Screen, with Django's --no-color and --force-color."""
    return Screen(
        getattr(command.stdout, "_out", command.stdout),
        no_color=options["no_color"],
        force_color=options["force_color"],
    )


class ProductCommand(BaseCommand):
    """A management command with subcommands, whose bad input ends in one clear line, never a traceback."""

    def add_arguments(self, parser: CommandParser) -> None:
        self.subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        self.add_subcommands()

    def add_subcommands(self) -> None:
        raise NotImplementedError

    def sub(self, name: str, help_text: str, *positionals: tuple[str, str], json: bool = False) -> CommandParser:
        """A subcommand, with its positional arguments as (name, help) pairs; `json` adds --json."""
        parser = self.subcommands.add_parser(name, help=help_text, description=help_text)
        for positional, text in positionals:
            parser.add_argument(positional, help=text)
        if json:
            parser.add_argument("--json", action="store_true", help="print JSON, for scripts")
        return parser

    @property
    def actor(self) -> str:
        return f"cli:{getpass.getuser()}"

    def handle(self, *args: Any, **options: Any) -> None:
        handler: Callable[..., None] = getattr(self, "do_" + options["subcommand"].replace("-", "_"))
        self.screen = screen_for(self, options)
        try:
            check_no_control_characters(options)
            handler(**options)
        except InputError as error:
            raise CommandError(str(error), returncode=2) from None
        except EOFError:
            raise CommandError("input: standard input ended before an answer was given", returncode=2) from None

    def show_new_timeline(self, order: Order, after_id: int) -> None:
        """Print what the action just wrote to the order's timeline, so the operator sees its effects."""
        for entry in order.timeline.filter(id__gt=after_id).order_by("id"):
            self.stdout.write(f"  {entry.message}")

    @staticmethod
    def last_timeline_id(order_number: Any) -> int:
        try:
            pk = parse_int("order", order_number)
        except InputError:
            return 0  # the action says what is wrong with it
        return TimelineEntry.objects.filter(order_id=pk).order_by("-id").values_list("id", flat=True).first() or 0
