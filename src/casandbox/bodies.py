"""Checking JSON request bodies against the `$metadata` types, with OData's error messages.

Unknown properties are rejected, as the OData reader rejects them on CA's closed types: a typo in a
field name then fails in the sandbox instead of being dropped silently.
"""

from __future__ import annotations

from typing import Any

from casandbox import timefmt
from casandbox.errors import bad_request
from casandbox.schema import ENUMS, NAMESPACE, edm_name

# A body spec maps property names to a kind ("str", "int", "decimal", "bool", "date", an enum name),
# or to ("list", nested spec, nested type name) for arrays of objects.
Spec = dict[str, Any]


def check(obj: Any, spec: Spec, type_name: str) -> dict[str, Any]:
    """Validated and normalised copy of `obj` (dates in CA's form, numeric strings as numbers)."""
    if not isinstance(obj, dict):
        raise bad_request(f"An object of type '{NAMESPACE}.{type_name}' was expected.")
    out: dict[str, Any] = {}
    for name, value in obj.items():
        kind = spec.get(name)
        if kind is None:
            raise bad_request(
                f"The property '{name}' does not exist on type '{NAMESPACE}.{type_name}'. "
                "Make sure to only use property names that are defined by the type."
            )
        out[name] = None if value is None else _convert(name, value, kind)
    return out


def _convert(name: str, value: Any, kind: Any) -> Any:
    if isinstance(kind, tuple):
        _, nested, nested_type = kind
        if not isinstance(value, list):
            raise bad_request(f"The property '{name}' must be an array.")
        return [check(v, nested, nested_type) for v in value]
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "int":
        converted = _number(value, int)
        if converted is not None:
            return converted
    elif kind == "decimal":
        converted = _number(value, float)
        if converted is not None:
            return converted
    elif kind == "date":
        # Edm.DateTimeOffset: a date and time with its offset; OData does not guess a time zone.
        if isinstance(value, str) and timefmt.has_offset(value):
            try:
                return timefmt.normalize(value)
            except ValueError:
                pass
    elif kind in ENUMS:
        if isinstance(value, str) and value in ENUMS[kind]:
            return value
        raise bad_request(f"Cannot convert the literal '{value}' to the expected type '{NAMESPACE}.{kind}'.")
    elif isinstance(value, str):  # Edm.String takes a JSON string only, never a number
        return value
    raise bad_request(f"Cannot convert the literal '{value}' to the expected type '{edm_name(kind)}' ('{name}').")


def _number(value: Any, kind: type) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if kind is int and isinstance(value, float) and not value.is_integer():
            return None
        return kind(value)
    if isinstance(value, str):
        # Json.NET turns "654321" into an Int32 without complaint; CA's own examples rely on it.
        try:
            return kind(value.strip())
        except ValueError:
            return None
    return None


def required(obj: dict[str, Any], name: str, type_name: str) -> Any:
    if obj.get(name) is None:
        raise bad_request(f"The property '{name}' is required on type '{NAMESPACE}.{type_name}'.")
    return obj[name]
