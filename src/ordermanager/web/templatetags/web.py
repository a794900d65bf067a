from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def posted_quantity(posted: Any, item_id: int) -> str:
    """What the operator typed in the qty_<item id> field of a form that came back with an error."""
    return posted.get(f"qty_{item_id}", "") if posted else ""


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, where the key is a variable (errors keyed by user id)."""
    return mapping.get(key, {}) if mapping else {}
