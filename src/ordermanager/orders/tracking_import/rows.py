"""Rows of a tracking file as entries: one entry is one package (one tracking number on one order).

Consecutive rows with the same order and tracking number are one package of several items (ShipStation
writes one row per item). A row without a SKU means the whole order. A row that cannot be read (no order,
a bad date, a bad quantity, voided) becomes an entry refused with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ordermanager.orders.tracking_import.presets import Preset
from ordermanager.orders.tracking_rules import normalize

MAX_ROWS = 1_000_000


@dataclass
class Entry:
    line: int
    order_ref: str
    number: str
    carrier: str = ""
    shipping_class: str = ""
    shipped_at: dt.datetime | None = None
    items: list[tuple[str, int | None]] | None = None
    refused: tuple[str, str] | None = None  # (field, reason)
    last_line: int = 0
    key: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.key = normalize(self.number)
        self.last_line = self.last_line or self.line

    @property
    def lines(self) -> str:
        return str(self.line) if self.last_line == self.line else f"{self.line}-{self.last_line}"


def parse_date(text: str, formats: Iterable[str]) -> dt.datetime:
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))  # ValueError when it is no date at all
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _class_without_carrier(carrier: str, shipping_class: str) -> str:
    """Tools write the service with the carrier's name ("FedEx Ground"); the mapping wants the class alone."""
    if carrier and shipping_class.lower().startswith(carrier.lower() + " "):
        return shipping_class[len(carrier) + 1 :].strip()
    return shipping_class


def _entry(line: int, cells: dict[str, str], preset: Preset) -> Entry:
    carrier = cells.get("carrier") or preset.carrier
    entry = Entry(
        line,
        cells.get("order", ""),
        cells.get("tracking_number", ""),
        carrier,
        _class_without_carrier(carrier, cells.get("shipping_class", "")),
    )
    if cells.get("void", "").lower() in preset.void_values:
        entry.refused = ("void", f"the shipment was voided in {preset.label}")
    elif not entry.order_ref:
        entry.refused = ("order", "the row names no order")
    elif not entry.number:
        entry.refused = ("tracking_number", "the row has no tracking number")
    if entry.refused:
        return entry
    if cells.get("ship_date"):
        try:
            entry.shipped_at = parse_date(cells["ship_date"], preset.date_formats)
        except ValueError:
            entry.refused = ("ship_date", f"{cells['ship_date']!r} is not a date this file's tool writes")
            return entry
    sku, quantity = cells.get("sku", ""), cells.get("quantity", "")
    if sku:
        if quantity and not quantity.isdigit():
            entry.refused = ("quantity", f"{quantity!r} is not a whole number of {sku}")
            return entry
        entry.items = [(sku, int(quantity) if quantity else None)]
    return entry


def entries(rows: Iterator[list[str]], preset: Preset, columns: dict[str, int]) -> Iterator[Entry]:
    """Entries in file order, streaming: only the package being gathered is held."""
    pending: Entry | None = None
    for line, row in enumerate(rows, start=2):
        if line > MAX_ROWS:
            yield Entry(line, "", "", refused=("file", f"a file holds at most {MAX_ROWS:,} rows; split it"))
            break
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in columns.items()}
        entry = _entry(line, cells, preset)
        if (
            pending is not None
            and pending.items
            and entry.items
            and not pending.refused
            and not entry.refused
            and (pending.order_ref, pending.key) == (entry.order_ref, entry.key)
        ):
            pending.items.extend(entry.items)
            pending.last_line = line
            continue
        if pending is not None:
            yield pending
        pending = entry
    if pending is not None:
        yield pending
