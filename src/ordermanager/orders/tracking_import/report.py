"""The report of one tracking file: each row imported, already here, or refused with the reason.

Rows are written to the report's CSV as they are decided, so a large file's report never sits in memory;
only the counts and the first rows (for the screen) are kept.
"""

from __future__ import annotations

import csv
import enum
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils import timezone

from ordermanager.orders.tracking_import.rows import Entry

SHOWN = 200
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def reports_dir() -> Path:
    return Path(settings.DATA_DIR) / "reports"


def new_report_path(source_name: str) -> Path:
    """Where a file's report is saved: var/reports/<file>-report-<time>.csv."""
    stem = _SAFE.sub("-", Path(source_name).stem)[:60] or "file"
    path = reports_dir() / f"{stem}-report-{timezone.now():%Y%m%d-%H%M%S-%f}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


COLUMNS = ("line", "order", "tracking_number", "result", "order_number", "reason", "warnings")


class Result(enum.StrEnum):
    IMPORTED = "imported"
    ALREADY_HERE = "already here"
    REFUSED = "refused"


@dataclass(frozen=True)
class Row:
    line: str
    order: str
    tracking_number: str
    result: Result
    order_number: int | None = None
    reason: str = ""
    warnings: str = ""

    def cells(self) -> list[str]:
        number = "" if self.order_number is None else str(self.order_number)
        return [self.line, self.order, self.tracking_number, self.result.value, number, self.reason, self.warnings]


class Report:
    def __init__(self, csv_file: IO[str] | None = None) -> None:
        self.counts: Counter[Result] = Counter()
        self.shown: list[Row] = []
        self.hidden = 0
        self.file_label = ""
        self.preset_label = ""
        self.written = True  # False once a dry run or an all-or-nothing refusal rolls the file back
        self._writer = csv.writer(csv_file) if csv_file is not None else None
        if self._writer is not None:
            self._writer.writerow(COLUMNS)

    def add(self, entry: Entry, result: Result, *, order: int | None = None, reason: str = "", warnings=()) -> None:
        row = Row(entry.lines, entry.order_ref, entry.number, result, order, reason, "; ".join(warnings))
        self.counts[result] += 1
        if self._writer is not None:
            self._writer.writerow(row.cells())
        # The screen shows the first rows, and refusals before anything else.
        if len(self.shown) < SHOWN and (result is not Result.IMPORTED or len(self.shown) < SHOWN // 4):
            self.shown.append(row)
        else:
            self.hidden += 1

    @property
    def refused(self) -> int:
        return self.counts[Result.REFUSED]

    def summary(self) -> str:
        parts = [f"{self.counts[r]} {r.value}" for r in Result]
        text = f"{sum(self.counts.values())} package(s): " + ", ".join(parts)
        if not self.written:
            text += "; nothing was written"
        return text
