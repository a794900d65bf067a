"""The one permission check every web view goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

WORK_ORDERS = "web.work_orders"
WORK_STACK = "web.work_stack"
MANAGE_SETTINGS = "web.manage_settings"
MANAGE_CARTS = "web.manage_carts"
MANAGE_USERS = "web.manage_users"

OPERATOR = "Operator"
MANAGER = "Manager"
# The groups the data migration creates, and what each may do. A superuser may do everything.
ROLES = {
    OPERATOR: (WORK_ORDERS, WORK_STACK),
    MANAGER: (WORK_ORDERS, WORK_STACK, MANAGE_SETTINGS, MANAGE_CARTS, MANAGE_USERS),
}

View = Callable[..., HttpResponse]


def requires(permission: str) -> Callable[[View], View]:
    """Anonymous: to the login page. Logged in without `permission`: 403. Otherwise the view runs."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(permission):
                raise PermissionDenied(f"This screen needs the {permission.split('.')[1]} permission.")
            return view(request, *args, **kwargs)

        checked.required_permission = permission  # type: ignore[attr-defined]
        return checked

    return decorate


def actor(request: HttpRequest) -> str:
    """The name the timeline shows for a change made in the browser."""
    return f"web:{request.user.get_username()}"


def ensure_roles() -> None:
    """Create the Operator and Manager groups with their permissions if missing (the migration web/0002 does it
    on a new database; this restores them after a test flushes the tables)."""
    from django.contrib.auth.models import Group, Permission

    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [name.split(".")[1] for name in names]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="web", codename__in=codenames))
