"""Which column holds what, for the usual shipping tools' exports, for a generic CSV, and for saved mappings.

The presets follow each tool's documented export fields:
- UPS WorldShip (an export map of Shipment Information and Package fields): Collection Date (YYYYMMDD),
  Tracking Number, Service Type, Package Reference Number 1 (the order), Void Indicator.
- FedEx Ship Manager (Reports > export of the shipment history): Ship Date, Tracking Number, Service Type,
  Customer Reference (the order), Invoice Number, P.O. Number.
- ShipStation's shipment export: one row per item shipped, with Order Number, Ship Date, Carrier, Service,
  Tracking Number, Item SKU and Item Quantity.
- A generic CSV: any header whose names are recognised (order, tracking number, carrier, class, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ordermanager.errors import InputError

FIELDS = ("order", "tracking_number", "carrier", "shipping_class", "ship_date", "sku", "quantity", "void")
REQUIRED = ("order", "tracking_number")
US_DATES = ("%m/%d/%Y", "%m/%d/%y", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S")
ISO_DATES = ("%Y-%m-%d", "%Y%m%d")


def header_key(text: str) -> str:
    """Compare headers without case, spacing, underscores or a byte order mark."""
    return re.sub(r"[\s_]+", " ", text.replace("\ufeff", "")).strip().lower()


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    columns: dict[str, tuple[str, ...]]
    # Headers that tell this tool's export from the others.
    signature: tuple[str, ...] = ()
    carrier: str = ""  # the carrier, when the tool ships with one carrier only
    date_formats: tuple[str, ...] = ISO_DATES + US_DATES
    void_values: frozenset[str] = field(default_factory=frozenset)

    def matches(self, headers: set[str]) -> bool:
        return all(s in headers for s in self.signature) and self._found(headers).keys() >= set(REQUIRED)

    def _found(self, headers: set[str]) -> dict[str, str]:
        found = {}
        for name, aliases in self.columns.items():
            hit = next((a for a in aliases if a in headers), None)
            if hit is not None:
                found[name] = hit
        return found

    def locate(self, header: list[str]) -> dict[str, int]:
        """The column index of each field this file has; refuses a header without the required ones."""
        keys = [header_key(h) for h in header]
        found = self._found(set(keys))
        missing = [name for name in REQUIRED if name not in found]
        if missing:
            wanted = " or ".join(repr(a) for a in self.columns[missing[0]][:4])
            raise InputError("file", f"the {self.label} file has no {missing[0]} column (looked for {wanted})")
        if "carrier" not in found and not self.carrier:
            raise InputError("file", f"the {self.label} file has no carrier column and the preset names no carrier")
        return {name: keys.index(header_name) for name, header_name in found.items()}


def _aliases(*names: str) -> tuple[str, ...]:
    return tuple(header_key(n) for n in names)


WORLDSHIP = Preset(
    "worldship",
    "UPS WorldShip",
    {
        "order": _aliases("Package Reference Number 1", "Shipment Reference Number 1", "Reference 1"),
        "tracking_number": _aliases("Tracking Number", "Package Tracking Number"),
        "shipping_class": _aliases("Service Type", "Service"),
        "ship_date": _aliases("Collection Date", "Ship Date", "Pickup Date"),
        "void": _aliases("Void Indicator", "Void"),
    },
    signature=_aliases("Tracking Number"),
    carrier="UPS",
    date_formats=("%Y%m%d", *US_DATES, "%Y-%m-%d"),
    void_values=frozenset({"y", "yes", "1", "true"}),
)
FEDEX = Preset(
    "fedex",
    "FedEx Ship Manager",
    {
        "order": _aliases("Customer Reference", "Reference", "Invoice Number", "P.O. Number"),
        "tracking_number": _aliases("Tracking Number", "Master Tracking Number"),
        "shipping_class": _aliases("Service Type", "Service"),
        "ship_date": _aliases("Ship Date"),
    },
    signature=_aliases("Customer Reference"),
    carrier="FedEx",
    date_formats=(*US_DATES, "%Y%m%d", "%Y-%m-%d"),
)
SHIPSTATION = Preset(
    "shipstation",
    "ShipStation shipment export",
    {
        "order": _aliases("Order Number", "Order #"),
        "tracking_number": _aliases("Tracking Number", "Tracking #"),
        "carrier": _aliases("Carrier", "Provider"),
        "shipping_class": _aliases("Service", "Shipping Service"),
        "ship_date": _aliases("Ship Date", "Shipped Date"),
        "sku": _aliases("Item SKU", "SKU"),
        "quantity": _aliases("Item Quantity", "Item Qty", "Quantity"),
        "void": _aliases("Voided"),
    },
    signature=_aliases("Item SKU"),
    date_formats=(*US_DATES, "%Y-%m-%d"),
    void_values=frozenset({"y", "yes", "true", "1"}),
)
GENERIC = Preset(
    "generic",
    "generic CSV",
    {
        "order": _aliases(
            "order number", "order", "order #", "order no", "order id", "cart order id", "marketplace order id",
            "site order id", "channel order id", "reference",
        ),
        "tracking_number": _aliases("tracking number", "tracking", "tracking #", "tracking no", "trackingnumber"),
        "carrier": _aliases("carrier", "shipping carrier", "carrier code"),
        "shipping_class": _aliases("class", "shipping class", "service", "service type", "shipping service", "method"),
        "ship_date": _aliases("ship date", "shipped", "date shipped", "shipped at", "shipdate", "shipped date"),
        "sku": _aliases("sku", "item sku", "item"),
        "quantity": _aliases("quantity", "qty", "item quantity", "quantity shipped"),
    },
)  # fmt: skip
PRESETS: dict[str, Preset] = {p.name: p for p in (WORLDSHIP, FEDEX, SHIPSTATION, GENERIC)}


def detect_preset(header: list[str]) -> Preset:
    """The first preset whose signature and required columns the header has; the generic one comes last."""
    keys = {header_key(h) for h in header}
    for preset in PRESETS.values():
        if preset.matches(keys) and (preset.carrier or "carrier" in preset._found(keys) or preset is GENERIC):
            return preset
    names = ", ".join(PRESETS)
    raise InputError(
        "file",
        "the header was not recognised: it needs an order column and a tracking number column "
        f"(or choose --preset {names}, or a saved --mapping)",
    )


def get_preset(name: str) -> Preset:
    preset = PRESETS.get((name or "").strip().lower())
    if preset is None:
        raise InputError("preset", f"must be one of {', '.join(PRESETS)}, not {name!r}")
    return preset


def preset_from_mapping(name: str, columns: dict[str, str], carrier: str, date_format: str) -> Preset:
    """A saved column mapping as a preset: each field names exactly one header."""
    formats = (date_format,) if date_format else ISO_DATES + US_DATES
    return Preset(name, f"mapping {name!r}", {k: (header_key(v),) for k, v in columns.items()}, (), carrier, formats)
