"""The menus, as data: the top menu and the Maintenance page both render these lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from ordermanager.web.permissions import MANAGE_CARTS, MANAGE_SETTINGS, MANAGE_USERS, WORK_ORDERS, WORK_STACK


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    permission: str
    description: str = ""


TOP = [
    Entry("Home", "web:home", WORK_ORDERS),
    Entry("Orders", "web:orders", WORK_ORDERS),
    Entry("Stack", "web:stack", WORK_STACK),
]

# The Maintenance menu (SEOM's): each screen adds its entry here.
MAINTENANCE = [
    Entry(
        "Store Setup Wizard", "web:setup", MANAGE_SETTINGS, "Status updates, the shopping cart and the first import."
    ),
    Entry(
        "System Parameters", "web:maintenance_parameters", MANAGE_SETTINGS, "Settings by group, globally or per cart."
    ),
    Entry(
        "Status Change Events",
        "web:maintenance_events",
        MANAGE_SETTINGS,
        "The labels each event sets, and which events notify the cart.",
    ),
    Entry("List Maintenance", "web:maintenance_labels", MANAGE_SETTINGS, "Add, rename and delete status labels."),
    Entry(
        "Create/Edit Shopping Carts",
        "web:maintenance_carts",
        MANAGE_CARTS,
        "Cart definitions, Test Settings and the carrier mapping.",
    ),
    Entry("Stack viewer", "web:stack", WORK_STACK, "Records waiting for the carts, problems and retries."),
    Entry("Users", "web:maintenance_users", MANAGE_USERS, "Who may log in, as Operator or Manager."),
]


def visible(request: HttpRequest, entries: list[Entry]) -> list[dict[str, str]]:
    user = request.user
    return [
        {"label": e.label, "url": reverse(e.url_name), "description": e.description}
        for e in entries
        if user.has_perm(e.permission)
    ]


def menus(request: HttpRequest) -> dict[str, object]:
    """Context processor: the menus this user may open (none before login)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "top_menu": visible(request, TOP),
        "maintenance_menu": visible(request, MAINTENANCE),
        "can_maintain": request.user.has_perm(MANAGE_SETTINGS),
    }
