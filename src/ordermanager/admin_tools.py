"""Admin helpers: the admin is one more door-keeper that only parses input and calls actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from ordermanager.errors import InputError


def actor_of(request: HttpRequest) -> str:
    return f"admin:{request.user.get_username()}"


class ActionAdmin(admin.ModelAdmin):
    """Turns an action's InputError into a message on the same page; the action's transaction rolled back."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except InputError as error:
            self.message_user(request, f"Nothing was changed. {error}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except InputError as error:
            self.message_user(request, f"Nothing was changed. {error}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except InputError as error:
            self.message_user(request, f"Nothing was deleted. {error}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def per_object_action(
    description: str, run: Callable[[Model, str], Any]
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet], None]:
    """An admin bulk action that calls one action per selected object and reports each refusal."""

    def bulk(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for obj in queryset:
            try:
                run(obj, actor_of(request))
                done += 1
            except InputError as error:
                model_admin.message_user(request, f"{obj}: {error}", messages.ERROR)
        if done:
            model_admin.message_user(request, f"{description}: {done} done.", messages.SUCCESS)

    bulk.short_description = description  # type: ignore[attr-defined]
    bulk.__name__ = description.lower().replace(" ", "_")
    return bulk


class ReadOnlyMixin:
    """For records that only actions write (timeline, tracking numbers, stack records)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
