"""Reading a stock count file: CSV with the columns sku, quantity and optionally warehouse.

Every row is checked before anything changes: a bad row is refused with its line number and the rule
it broke, and the good rows are applied (or, in a dry run, only reported). Quantities are absolute,
so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from ordermanager.errors import InputError
from ordermanager.inventory import actions
from ordermanager.inventory.models import StockLevel, Warehouse

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
COLUMNS = ("sku", "quantity", "warehouse")


@dataclass(frozen=True)
class StockRow:
    line: int
    sku: str
    quantity: int
    warehouse: str  # a code; "" for the default warehouse


@dataclass
class StockImport:
    rows: list[StockRow] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "line N: field: rule"
    changed: list[StockRow] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = True


def read(path: Path) -> StockImport:
    """Parse and check the file; raises InputError for a file that cannot be read at all."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError("file", f"{path} is over {MAX_FILE_BYTES // 1024 // 1024} MB")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise InputError("file", f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InputError("file", f"{path} is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    if "sku" not in header or "quantity" not in header or set(header) - set(COLUMNS):
        raise InputError("file", f"the first line must name the columns sku,quantity[,warehouse], not {header}")
    reader.fieldnames = header
    result = StockImport()
    known = set(Warehouse.objects.values_list("code", flat=True))
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise InputError("file", f"more than {MAX_ROWS} rows: split the file")
        row, problem = _row(number, raw, known)
        if problem:
            result.refused.append(f"line {number}: {problem}")
        elif (row.sku, row.warehouse) in seen:
            result.refused.append(f"line {number}: sku: {row.sku} is already on line {seen[(row.sku, row.warehouse)]}")
        else:
            seen[(row.sku, row.warehouse)] = number
            result.rows.append(row)
    return result


def _row(number: int, raw: dict[str | None, str | list[str] | None], known: set[str]) -> tuple[StockRow, str]:
    if None in raw:
        return StockRow(number, "", 0, ""), "too many columns"
    sku, quantity, warehouse = ((raw.get(name) or "").strip() for name in COLUMNS)  # type: ignore[union-attr]
    try:
        sku = actions.check_sku(sku)
    except InputError as error:
        return StockRow(number, "", 0, ""), str(error)
    if not quantity.isdigit() or int(quantity) > actions.MAX_STOCK:
        return StockRow(
            number, sku, 0, ""
        ), f"quantity: must be a whole number from 0 to {actions.MAX_STOCK}, not {quantity!r}"
    if warehouse and warehouse not in known:
        return StockRow(number, sku, 0, ""), f"warehouse: there is no warehouse {warehouse!r}"
    return StockRow(number, sku, int(quantity), warehouse), ""


def apply(result: StockImport, *, dry_run: bool, actor: str) -> StockImport:
    """Set each good row's level (one transaction for the file); in a dry run, only say what would change."""
    result.dry_run = dry_run
    current = {
        (sku, code): n
        for sku, code, n in StockLevel.objects.filter(product__sku__in={r.sku for r in result.rows}).values_list(
            "product__sku", "warehouse__code", "quantity"
        )
    }
    default = _default_code()
    result.changed = [r for r in result.rows if current.get((r.sku, r.warehouse or default)) != r.quantity]
    result.unchanged = len(result.rows) - len(result.changed)
    if not dry_run:
        with transaction.atomic():
            for row in result.changed:
                actions.set_stock(
                    row.sku, row.quantity, warehouse=row.warehouse or None, reason="stock file", actor=actor
                )
    return result


def _default_code() -> str:
    first = Warehouse.objects.order_by("id").values_list("code", flat=True).first()
    return first or actions.DEFAULT_WAREHOUSE
