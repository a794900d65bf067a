"""Importing a tracking file: each package goes through the same door as `tracking add` (the action).

Rows are read as a stream and decided in chunks: a few queries per chunk find the orders the rows name (by
order number, cart order ID or marketplace order ID) and the numbers already on them; the chunk's packages
then go through `actions.add_tracking_numbers`, the batch form of `add_tracking_number` with the
same rules, where a refused row writes nothing. A dry run, or --all-or-nothing with a refusal, rolls the
whole file back at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO

from django.db import IntegrityError, transaction

from ordermanager.errors import InputError
from ordermanager.orders.actions import Added, NewPackage, add_tracking_numbers
from ordermanager.orders.models import Order, TrackingColumnMapping, TrackingNumber
from ordermanager.orders.tracking_import.detect import detect, read_rows
from ordermanager.orders.tracking_import.presets import Preset, detect_preset, get_preset, preset_from_mapping
from ordermanager.orders.tracking_import.report import Report, Result
from ordermanager.orders.tracking_import.rows import Entry, entries

CHUNK = 1000


@dataclass(frozen=True)
class Options:
    actor: str
    preset: str = ""
    mapping: str = ""
    dry_run: bool = False
    all_or_nothing: bool = False


def _preset(options: Options, header: list[str]) -> Preset:
    if options.preset and options.mapping:
        raise InputError("mapping", "give a preset or a saved mapping, not both")
    if options.mapping:
        saved = TrackingColumnMapping.objects.filter(name__iexact=options.mapping.strip()).first()
        if saved is None:
            names = ", ".join(TrackingColumnMapping.objects.values_list("name", flat=True)) or "none saved yet"
            raise InputError("mapping", f"there is no saved mapping {options.mapping!r} ({names})")
        return preset_from_mapping(saved.name, saved.columns, saved.carrier, saved.date_format)
    return get_preset(options.preset) if options.preset else detect_preset(header)


def _chunks(items: Iterator[Entry]) -> Iterator[list[Entry]]:
    while chunk := list(islice(items, CHUNK)):
        yield chunk


def _orders_named(chunk: list[Entry]) -> dict[str, set[int]]:
    """Each reference → the orders it names, by our number, the cart's order ID or the marketplace's."""
    refs = {e.order_ref for e in chunk if not e.refused}
    found: dict[str, set[int]] = defaultdict(set)
    numbers = [int(r) for r in refs if r.isdigit() and len(r) < 18]
    for pk in Order.objects.filter(pk__in=numbers).values_list("pk", flat=True):
        found[str(pk)].add(pk)
    for column in ("channel_order_id", "marketplace_order_id"):
        for pk, ref in Order.objects.filter(**{f"{column}__in": refs}).values_list("pk", column):
            found[ref].add(pk)
    return found


def _order_of(entry: Entry, named: dict[str, set[int]]) -> int | str:
    """The one order the row names, or why the row is refused."""
    if entry.refused:
        return f"{entry.refused[0]}: {entry.refused[1]}"
    orders = sorted(named.get(entry.order_ref, ()))
    if not orders:
        return f"order: no order has the number, cart order ID or marketplace order ID {entry.order_ref!r}"
    if len(orders) > 1:
        listed = " and ".join(str(o) for o in orders)
        return f"order: {entry.order_ref!r} names orders {listed}; name the order by its order number"
    return orders[0]


def _package(order: int, entry: Entry) -> NewPackage:
    return NewPackage(order, entry.number, entry.carrier, entry.shipping_class, entry.shipped_at, entry.items)


def _add(todo: list[tuple[Entry, int]], actor: str) -> list[Added | None]:
    """Each package added, or refused; None when the number turned out to be here already."""
    try:
        return list(add_tracking_numbers([_package(order, entry) for entry, order in todo], actor=actor))
    except IntegrityError:
        pass
    # Another operator added one of these numbers meanwhile: the slow path, one row at a time.
    results: list[Added | None] = []
    for entry, order in todo:
        if TrackingNumber.objects.filter(order_id=order, normalized=entry.key).exists():
            results.append(None)
            continue
        try:
            [added] = add_tracking_numbers([_package(order, entry)], actor=actor)
        except IntegrityError:
            added = Added(error=InputError("tracking_number", "it was just added to another order"))
        results.append(added)
    return results


def _import_chunk(chunk: list[Entry], report: Report, actor: str) -> None:
    named = _orders_named(chunk)
    keys = {e.key for e in chunk if not e.refused}
    here = set(TrackingNumber.objects.filter(normalized__in=keys).values_list("order_id", "normalized"))
    decided: list[tuple[str, int | str]] = []  # ("refused", reason), ("here", order) or ("add", order)
    todo: list[tuple[Entry, int]] = []
    for entry in chunk:
        order = _order_of(entry, named)
        if isinstance(order, str):
            decided.append(("refused", order))
        elif (order, entry.key) in here:
            decided.append(("here", order))
        else:
            here.add((order, entry.key))  # a later row with this number for this order is already here
            todo.append((entry, order))
            decided.append(("add", order))
    added = iter(_add(todo, actor))
    for entry, (verdict, value) in zip(chunk, decided, strict=True):
        result = next(added) if verdict == "add" else None
        if verdict == "refused":
            report.add(entry, Result.REFUSED, reason=str(value))
        elif result is None:
            report.add(entry, Result.ALREADY_HERE, order=int(value))
        elif result.error is not None:
            report.add(entry, Result.REFUSED, order=int(value), reason=str(result.error))
        else:
            report.add(entry, Result.IMPORTED, order=int(value), warnings=result.warnings)


def import_tracking_file(binary: IO[bytes], options: Options, report: Report) -> Report:
    """Import one file (opened in binary mode) into `report`. Refuses an unreadable file with InputError."""
    dialect = detect(binary)
    rows = read_rows(binary, dialect)
    try:
        _import_rows(rows, options, report, dialect.label)
    finally:
        rows.close()
    return report


def _import_rows(rows: Generator[list[str], None, None], options: Options, report: Report, file_label: str) -> None:
    header = next(rows, None)
    if not header:
        raise InputError("file", "the file has no header line")
    preset = _preset(options, header)
    columns = preset.locate(header)
    report.file_label, report.preset_label = file_label, preset.label
    packages = _chunks(entries(rows, preset, columns))
    if options.dry_run or options.all_or_nothing:
        with transaction.atomic():
            for chunk in packages:
                _import_chunk(chunk, report, options.actor)
            if options.dry_run or report.refused:
                transaction.set_rollback(True)
                report.written = False
        return
    for chunk in packages:
        with transaction.atomic():
            _import_chunk(chunk, report, options.actor)
