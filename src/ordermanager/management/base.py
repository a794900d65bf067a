"""What every product command shares: clean errors, the actor's name, and input parsing."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ordermanager.errors import InputError
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


def parse_int(field: str, text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise InputError(field, f"must be a whole number, not {text!r}") from None


def parse_decimal(field: str, text: str) -> Decimal:
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        raise InputError(field, f"must be a number like 19.99, not {text!r}") from None


class ProductCommand(BaseCommand):
    """A management command with subcommands, whose bad input ends in one clear line, never a traceback."""

    def add_arguments(self, parser: CommandParser) -> None:
        self.subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        self.add_subcommands()

    def add_subcommands(self) -> None:
        raise NotImplementedError

    def sub(self, name: str, help_text: str, *positionals: str) -> CommandParser:
        """A subcommand, with the names of its positional arguments."""
        parser = self.subcommands.add_parser(name, help=help_text, description=help_text)
        for positional in positionals:
            parser.add_argument(positional)
        return parser

    @property
    def actor(self) -> str:
        return f"cli:{getpass.getuser()}"

    def handle(self, *args: Any, **options: Any) -> None:
        handler: Callable[..., None] = getattr(self, "do_" + options["subcommand"].replace("-", "_"))
        try:
            handler(**options)
        except InputError as error:
            raise CommandError(str(error), returncode=2) from None

    def show_new_timeline(self, order: Order, after_id: int) -> None:
        """Print what the action just wrote to the order's timeline, so the operator sees its effects."""
        for entry in order.timeline.filter(id__gt=after_id).order_by("id"):
            self.stdout.write(f"  {entry.message}")

    @staticmethod
    def last_timeline_id(order_number: Any) -> int:
        try:
            pk = int(order_number)
        except (TypeError, ValueError):
            return 0
        return TimelineEntry.objects.filter(order_id=pk).order_by("-id").values_list("id", flat=True).first() or 0
