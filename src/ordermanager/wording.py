"""Words the screens and the command line share."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 record', '2 records', '0 records'; `many` for the irregular ones ('1 entry', '2 entries')."""
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"


def local_time(value: dt.datetime | None) -> str:
    """A stored (UTC) time in the operator's zone (ORDERMANAGER_TIME_ZONE), with the zone's name."""
    if value is None:
        return "-"
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S %Z}"
