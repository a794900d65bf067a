"""Maintenance > Users: who may log in, and as what (Operator or Manager)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ordermanager.web import accounts
from ordermanager.web.forms import attempt
from ordermanager.web.permissions import MANAGE_USERS, ROLES, requires


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    users = list(User.objects.prefetch_related("groups").order_by("username"))
    for user in users:
        user.role = accounts.role_of(user)
    context = {"users": users, "roles": list(ROLES), "errors": {}, "posted": {}, **extra}
    return render(request, "web/maintenance/users.html", context, status=status)


@requires(MANAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    post = request.POST
    outcome = attempt(
        lambda: accounts.add_user(
            post.get("username", ""),
            post.get("role", ""),
            post.get("password", ""),
            post.get("confirm", ""),
            email=post.get("email", ""),
        )
    )
    if not outcome.ok:
        return _page(request, 422, errors={"add": outcome.errors}, posted={"add": post})
    messages.success(request, f"User {outcome.result.username} added as {post['role']}.")
    return redirect("web:maintenance_users")


@require_POST
@requires(MANAGE_USERS)
def user_change(request: HttpRequest, user_id: int) -> HttpResponse:
    post, by = request.POST, request.user
    what = post.get("change", "")
    if what == "role":
        outcome = attempt(lambda: accounts.set_role(user_id, post.get("role", ""), by=by))
        done = f"Role changed to {post.get('role')}."
    elif what in ("activate", "deactivate"):
        outcome = attempt(lambda: accounts.set_active(user_id, what == "activate", by=by))
        done = "User can log in again." if what == "activate" else "User can no longer log in."
    else:
        outcome = attempt(
            lambda: accounts.set_password(user_id, post.get("password", ""), post.get("confirm", ""), by=by)
        )
        done = "Password set."
    if not outcome.ok:
        return _page(request, 422, errors={user_id: outcome.errors})
    messages.success(request, f"{outcome.result.username}: {done}")
    return redirect("web:maintenance_users")
