"""Saved column mappings: a merchant's own tracking-file layout, by name."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ordermanager.errors import InputError
from ordermanager.orders.models import TrackingColumnMapping
from ordermanager.orders.tracking_import.presets import FIELDS, REQUIRED


def _check_columns(columns: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise InputError("column", f"{unknown[0]!r} is not a field; the fields are {', '.join(FIELDS)}")
    for name in REQUIRED:
        if not (columns.get(name) or "").strip():
            raise InputError("column", f"a mapping needs the {name} column (--column {name}=HEADER)")
    for name, header in columns.items():
        if not header.strip() or len(header) > 100:
            raise InputError("column", f"the header of {name} is 1 to 100 characters")
    return {k: v.strip() for k, v in columns.items()}


def _check_date_format(text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    if len(text) > 40 or "%" not in text:
        raise InputError("date_format", f"must be a strftime format such as %d.%m.%Y, not {text!r}")
    sample = dt.date(2026, 11, 27).strftime(text)
    try:
        dt.datetime.strptime(sample, text)
    except ValueError:
        raise InputError("date_format", f"{text!r} cannot read back the dates it writes") from None
    return text


@transaction.atomic
def save_mapping(
    name: str, columns: dict[str, str], *, carrier: str = "", date_format: str = ""
) -> TrackingColumnMapping:
    """Create or replace the mapping called `name`."""
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise InputError("name", "a mapping's name is 1 to 50 characters")
    columns = _check_columns(columns)
    carrier = (carrier or "").strip()
    if len(carrier) > 64:
        raise InputError("carrier", "is at most 64 characters")
    if "carrier" not in columns and not carrier:
        raise InputError("carrier", "name the carrier column (--column carrier=HEADER) or the carrier (--carrier UPS)")
    mapping, _ = TrackingColumnMapping.objects.update_or_create(
        name__iexact=name,
        defaults={"name": name, "columns": columns, "carrier": carrier, "date_format": _check_date_format(date_format)},
    )
    return mapping
