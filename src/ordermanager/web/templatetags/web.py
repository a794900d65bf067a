from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def posted_quantity(posted: Any, item_id: int) -> str:
    """What the operator typed in the qty_<item id> field of a form that came back with an error."""
    return posted.get(f"qty_{item_id}", "") if posted else ""
