from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from ordermanager.admin_tools import ActionAdmin
from ordermanager.errors import InputError
from ordermanager.statuses import actions as statuses
from ordermanager.statuses.models import EventRule, StatusLabel


@admin.register(StatusLabel)
class StatusLabelAdmin(ActionAdmin):
    list_display = ["name"]
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: StatusLabel, form: Any, change: bool) -> None:
        if change:
            old = StatusLabel.objects.get(pk=obj.pk)
            if old.name != obj.name:
                raise InputError("label", "rename a label by adding the new one and choosing it in the rules")
            return
        saved = statuses.add_label(obj.name)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: StatusLabel) -> None:
        statuses.delete_label(obj.name)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for label in queryset:
            statuses.delete_label(label.name)


class EventRuleForm(forms.ModelForm):
    class Meta:
        model = EventRule
        fields = ["item_label", "order_label", "notify_cart"]


@admin.register(EventRule)
class EventRuleAdmin(ActionAdmin):
    """The Status Change Events grid: edit labels and Notify Cart right in the list."""

    form = EventRuleForm
    list_display = ["event", "scope", "occurs_when", "item_label", "order_label", "notify_cart"]
    list_editable = ["item_label", "order_label", "notify_cart"]
    list_per_page = 100
    readonly_fields = ["event"]

    @admin.display(description="Scope")
    def scope(self, rule: EventRule) -> str:
        return rule.definition.scope

    @admin.display(description="Occurs when")
    def occurs_when(self, rule: EventRule) -> str:
        return rule.definition.occurs_when

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the events are fixed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: EventRule, form: Any, change: bool) -> None:
        result = statuses.set_event_rule(
            obj.event,
            item_label=obj.item_label.name if obj.item_label else None,
            order_label=obj.order_label.name if obj.order_label else None,
            notify_cart=obj.notify_cart,
        )
        for warning in result.warnings:
            self.message_user(request, warning, messages.WARNING)
