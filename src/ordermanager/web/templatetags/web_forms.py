"""Template helpers for forms that show an action's InputError next to the field it names."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    """`errors|get:name`: the entry for a key held in a variable (templates cannot index by variable)."""
    return (mapping or {}).get(key, "")
