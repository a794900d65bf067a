"""Tracking numbers in bulk from shipping software's export files (`ordermanager tracking import`)."""

from ordermanager.orders.tracking_import.importer import Options, import_tracking_file
from ordermanager.orders.tracking_import.report import Report, Result

__all__ = ["Options", "Report", "Result", "import_tracking_file"]
