"""Importing a tracking file: each package goes through the same door as `tracking add` (the action).

Rows are read as a stream and decided in chunks: one query per chunk finds the orders the rows name (by
order number, cart order ID or marketplace order ID) and the numbers already on them, then each package is
added by `actions.add_tracking_number` in a savepoint of the chunk's transaction, so a refused row leaves
nothing behind. A dry run, or --all-or-nothing with a refusal, rolls the whole file back at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO

from django.db import IntegrityError, transaction

from ordermanager.errors import InputError
from ordermanager.orders import actions
from ordermanager.orders.models import Order, TrackingColumnMapping, TrackingNumber
from ordermanager.orders.tracking_import.detect import detect, read_rows
from ordermanager.orders.tracking_import.presets import Preset, detect_preset, get_preset, preset_from_mapping
from ordermanager.orders.tracking_import.report import Report, Result
from ordermanager.orders.tracking_import.rows import Entry, entries

CHUNK = 500


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


def _decide(entry: Entry, named: dict[str, set[int]], here: set[tuple[int, str]], report: Report, actor: str) -> None:
    if entry.refused:
        report.add(entry, Result.REFUSED, reason=f"{entry.refused[0]}: {entry.refused[1]}")
        return
    orders = sorted(named.get(entry.order_ref, ()))
    if not orders:
        reason = f"order: no order has the number, cart order ID or marketplace order ID {entry.order_ref!r}"
        report.add(entry, Result.REFUSED, reason=reason)
        return
    if len(orders) > 1:
        listed = " and ".join(str(o) for o in orders)
        reason = f"order: {entry.order_ref!r} names orders {listed}; name the order by its order number"
        report.add(entry, Result.REFUSED, reason=reason)
        return
    order = orders[0]
    if (order, entry.key) in here:
        report.add(entry, Result.ALREADY_HERE, order=order)
        return
    try:
        tracking = actions.add_tracking_number(
            order,
            entry.number,
            actor=actor,
            carrier=entry.carrier,
            shipping_class=entry.shipping_class,
            shipped_at=entry.shipped_at,
            items=entry.items,
            process=False,
        )
    except InputError as error:
        report.add(entry, Result.REFUSED, order=order, reason=str(error))
        return
    except IntegrityError:  # another operator added the same number meanwhile; the constraint caught it
        report.add(entry, Result.REFUSED, order=order, reason="tracking_number: it was just added to another order")
        return
    here.add((order, entry.key))
    report.add(entry, Result.IMPORTED, order=order, warnings=tracking.warnings)


def _import_chunk(chunk: list[Entry], report: Report, actor: str) -> None:
    named = _orders_named(chunk)
    keys = {e.key for e in chunk if not e.refused}
    here = set(TrackingNumber.objects.filter(normalized__in=keys).values_list("order_id", "normalized"))
    for entry in chunk:
        _decide(entry, named, here, report, actor)


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
