"""What the commands print: tables with headers (rich), colour on a terminal only, JSON for scripts.

Times are stored in UTC and shown in the operator's zone (ORDERMANAGER_TIME_ZONE).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ordermanager.wording import local_time, plural

__all__ = ["Screen", "local_time", "plural", "table_columns", "to_json"]

Column = tuple[str, str]  # (key in the row, header)


def header(key: str) -> str:
    """A row key as a column header: `cart_order` reads "Cart order"."""
    return key.replace("_", " ").capitalize()


def table_columns(*keys: str | Column) -> list[Column]:
    """A table's columns as data: a key whose header is `header(key)`, or a (key, header) pair where it is not."""
    return [(key, header(key)) if isinstance(key, str) else key for key in keys]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def to_json(data: Any) -> str:
    return json.dumps(data, default=_plain, indent=2, ensure_ascii=False)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, dt.datetime):
        return local_time(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # Leave it to the console command, which ends every command's closed pipe the same way.
        raise BrokenPipeError


class Screen:
    """One command's output stream, as tables or JSON."""

    def __init__(self, stream: IO[str], *, no_color: bool = False, force_color: bool = False) -> None:
        self.stream = stream
        terminal = force_color or (hasattr(stream, "isatty") and stream.isatty())
        # Off a terminal, lines are for grep and files: wide enough that rows stay on one line.
        width = None if terminal else int(os.environ.get("COLUMNS", "200"))
        self.console = _Console(
            file=stream,
            force_terminal=True if force_color else None,
            no_color=no_color or not terminal,
            highlight=False,
            width=width,
            emoji=False,
            markup=False,
        )

    def json(self, data: Any) -> None:
        self.stream.write(to_json(data) + "\n")

    def line(self, text: str = "") -> None:
        self.console.print(text, soft_wrap=True)

    def marked(self, mark: str, style: str, text: str) -> None:
        """A line led by a mark ('ok', 'BROKEN') in a colour (a rich style), on a terminal."""
        self.console.print(Text.assemble((mark, style), " ", text), soft_wrap=True)

    def table(self, columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, empty: str) -> None:
        rows = list(rows)
        if not rows:
            self.line(empty)
            return
        table = Table(header_style="bold", box=None, pad_edge=False, show_edge=False)
        for _, header in columns:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*(_text(row.get(key)) for key, _ in columns))
        if self.console.is_terminal:
            self.console.print(table)
            return
        # Off a terminal, no padding after the last column: lines end where their text ends.
        with self.console.capture() as captured:
            self.console.print(table)
        self.stream.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))

    def fields(self, pairs: Sequence[tuple[str, Any]]) -> None:
        """A record, one field a line: the names aligned, the values as they are (nothing cut)."""
        width = max((len(name) for name, _ in pairs), default=0) + 2
        for name, value in pairs:
            self.line(f"{name + ':':<{width}}{_text(value)}")

    def record(self, pairs: Sequence[tuple[str, Any]], *, as_json: bool) -> None:
        """A show command's output: the fields, or one JSON object of them."""
        if as_json:
            self.json(dict(pairs))
        else:
            self.fields(pairs)

    def rows(self, columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, as_json: bool, empty: str) -> None:
        """A list command's output: a table with headers (or the empty state), or a JSON array."""
        if as_json:
            self.json(list(rows))
        else:
            self.table(columns, rows, empty=empty)

    def progress(self, what: str) -> Callable[[int, int], None]:
        """A progress callback (done, total): a bar on a terminal, a plain line every 10% elsewhere."""
        if self.console.is_terminal:
            bar = Progress(
                TextColumn(what),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            task = bar.add_task(what, total=None)

            def on_terminal(done: int, total: int) -> None:
                if not bar.live.is_started:
                    bar.start()
                bar.update(task, completed=done, total=total or None)
                if total and done >= total:
                    bar.stop()

            return on_terminal
        reported = {"step": -1}

        def plain(done: int, total: int) -> None:
            step = 10 * done // total if total else -1
            if step > reported["step"] or done == total:
                reported["step"] = step
                self.stream.write(f"{what} {done:,}/{total:,}\n")

        return plain
