"""ISO-8601 parsing and CA's output format (UTC, `Z`, up to 7 fractional digits)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

# CA accepts 7 fractional digits (.NET ticks); Python keeps 6, so the 7th is dropped on parse.
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"(Z|[+-]\d{2}:\d{2})?$",
    re.IGNORECASE,
)


def parse_iso(text: str) -> datetime:
    """Parse a date or date-time; no offset means UTC, and a bare date means midnight UTC."""
    m = _ISO.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a valid ISO-8601 date")
    year, month, day, hour, minute, second, frac, offset = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    dt = datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=UTC
    )
    if offset and offset.upper() != "Z":
        sign = 1 if offset[0] == "+" else -1
        dt = dt - sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return dt


def has_offset(text: str) -> bool:
    """A date-time with `Z` or `±hh:mm`, as Edm.DateTimeOffset requires in a request body."""
    m = _ISO.match(text.strip())
    return bool(m and m.group(4) is not None and m.group(8))


@lru_cache(maxsize=65536)
def parse_stored(text: str) -> datetime:
    """Stored dates are our own output, parsed over and over by $filter and $orderby: cache them."""
    return parse_iso(text)


def format_utc(dt: datetime) -> str:
    dt = dt.astimezone(UTC)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        base += "." + f"{dt.microsecond:06d}".rstrip("0")
    return base + "Z"


def normalize(text: str) -> str:
    """Re-emit any accepted input date in CA's output form."""
    return format_utc(parse_iso(text))
