"""`ordermanager tracking import` and saved column mappings: parse the options, call the importer, render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordermanager.errors import InputError
from ordermanager.orders import actions
from ordermanager.orders.models import TrackingColumnMapping
from ordermanager.orders.tracking_import import Options, Report, import_tracking_file
from ordermanager.orders.tracking_import.mapping import save_mapping
from ordermanager.orders.tracking_import.presets import FIELDS, PRESETS
from ordermanager.orders.tracking_import.report import new_report_path

TABLE = (("line", 7), ("order", 14), ("tracking_number", 24), ("result", 12), ("reason", 0))


def render_table(report: Report) -> list[str]:
    """The report's rows as a plain text table (the CSV has all of them)."""
    lines = ["  ".join(name.replace("_", " ").ljust(width) for name, width in TABLE).rstrip()]
    for row in report.shown:
        reason = row.reason or (f"order {row.order_number}" if row.order_number else "")
        if row.warnings:
            reason = f"{reason}; warning: {row.warnings}".lstrip("; ")
        cells = (row.line, row.order, row.tracking_number, row.result.value, reason)
        lines.append("  ".join(str(c).ljust(w) for c, (_, w) in zip(cells, TABLE, strict=True)).rstrip())
    if report.hidden:
        lines.append(f"... {report.hidden} more row(s) in the report file")
    return lines


class TrackingFileCommands:
    """Subcommands mixed into `ordermanager tracking`."""

    def add_file_subcommands(self) -> None:
        imp = self.sub("import", "Import tracking numbers from a shipping tool's export file, then process them.")
        imp.add_argument("file", help="the CSV/TSV file exported by the shipping software")
        imp.add_argument("--preset", help=f"the file's layout: {', '.join(PRESETS)} (default: recognised)")
        imp.add_argument("--mapping", help="a saved column mapping, by name")
        imp.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")
        imp.add_argument("--all-or-nothing", action="store_true", help="write nothing when any row is refused")
        imp.add_argument("--no-process", action="store_true", help="do not run Process Tracking Numbers after")
        imp.add_argument("--report", help="where to save the report CSV (default: var/reports/)")
        save = self.sub(
            "save-mapping", "Save a column mapping for your own tracking files.", ("name", "the mapping's name")
        )
        save.add_argument("--column", action="append", default=[], help=f"FIELD=HEADER; fields: {', '.join(FIELDS)}")
        save.add_argument("--carrier", default="", help="the carrier, when the file has no carrier column")
        save.add_argument("--date-format", default="", help="strftime format of the ship date, e.g. %%d.%%m.%%Y")
        self.sub("mappings", "List the saved column mappings.")

    def do_import(self, file: str, **o: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise InputError("file", f"there is no file {file!r}")
        report_path = Path(o["report"]) if o["report"] else new_report_path(path.name)
        report_path.parent.mkdir(parents=True, exist_ok=True)
        options = Options(self.actor, o["preset"] or "", o["mapping"] or "", o["dry_run"], o["all_or_nothing"])
        with path.open("rb") as binary, report_path.open("w", newline="", encoding="utf-8") as out:
            report = import_tracking_file(binary, options, Report(out))
        self.stdout.write(f"{path.name}: {report.preset_label} ({report.file_label})")
        for line in render_table(report):
            self.stdout.write(line)
        self.stdout.write(report.summary() + f". Report: {report_path}")
        if report.written and not o["no_process"]:
            self.process_tracking_numbers()

    def process_tracking_numbers(self) -> None:
        for line in actions.process_tracking_numbers(actor=self.actor).summary():
            self.stdout.write(line)

    def do_save_mapping(self, name: str, column: list[str], carrier: str, date_format: str, **_: Any) -> None:
        columns = {}
        for text in column:
            key, sep, header = text.partition("=")
            if not sep:
                raise InputError("column", f"write a column as FIELD=HEADER, not {text!r}")
            columns[key.strip()] = header
        mapping = save_mapping(name, columns, carrier=carrier, date_format=date_format)
        self.stdout.write(
            f"Mapping {mapping.name!r} saved: " + ", ".join(f"{k}={v!r}" for k, v in mapping.columns.items())
        )

    def do_mappings(self, **_: Any) -> None:
        for mapping in TrackingColumnMapping.objects.all():
            columns = ", ".join(f"{k}={v!r}" for k, v in mapping.columns.items())
            self.stdout.write(f"{mapping.name}: {columns}  carrier={mapping.carrier or '(column)'}")
