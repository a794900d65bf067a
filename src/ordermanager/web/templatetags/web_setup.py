"""`{% setup_prompt %}`: Home's pointer to the Store Setup Wizard while no shopping cart exists."""

from __future__ import annotations

from typing import Any

from django import template

from ordermanager.carts.models import Cart

register = template.Library()


@register.inclusion_tag("web/wizard/_home_prompt.html", takes_context=True)
def setup_prompt(context: dict[str, Any]) -> dict[str, Any]:
    return {"perms": context.get("perms"), "has_cart": Cart.objects.exists()}
