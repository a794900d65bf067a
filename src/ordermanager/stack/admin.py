from django.contrib import admin

from ordermanager.admin_tools import ReadOnlyMixin
from ordermanager.stack.models import Lease, StackRecord


@admin.register(StackRecord)
class StackRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "state", "cart", "order", "attempts", "next_attempt_at", "last_error", "created_at"]
    list_filter = ["state", "kind", "cart"]
    search_fields = ["=id", "=order__id", "last_error"]


@admin.register(Lease)
class LeaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Which controller drives which cart account, and the controllers' heartbeats."""

    list_display = ["name", "holder", "heartbeat_at", "expires_at", "started_at"]
