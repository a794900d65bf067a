from django.contrib import admin
from django.http import HttpRequest

from ordermanager.admin_tools import ActionAdmin, ReadOnlyMixin, actor_of, per_object_action
from ordermanager.orders import actions
from ordermanager.orders.models import Order, OrderItem, Shipment, TimelineEntry, TrackingLink, TrackingNumber


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


class ItemInline(ReadOnlyInline):
    model = OrderItem
    fields = [
        "sku",
        "title",
        "quantity",
        "quantity_shipped",
        "quantity_cancelled",
        "status_label",
        "expected_ship_date",
        "actual_ship_date",
    ]
    readonly_fields = fields


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["carrier", "shipping_class", "shipped_at", "delivered_to_cart_at"]
    readonly_fields = fields


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    fields = ["at", "actor", "kind", "message"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Order)
class OrderAdmin(ActionAdmin):
    list_display = [
        "id",
        "cart",
        "channel_order_id",
        "marketplace_order_id",
        "buyer_name",
        "status_label",
        "payment_status",
        "shipping_status",
        "on_hold",
        "created_at",
    ]
    list_filter = ["cart", "status_label", "shipping_status", "payment_status", "on_hold"]
    search_fields = [
        "=id",
        "channel_order_id",
        "marketplace_order_id",
        "buyer_name",
        "buyer_email",
        "tracking_numbers__number",
    ]
    inlines = [ItemInline, ShipmentInline, TimelineInline]
    actions = [
        per_object_action("Approve", lambda o, actor: actions.approve_order(o, actor=actor)),
        per_object_action("Print pick list", lambda o, actor: actions.print_pick_list(o, actor=actor)),
        per_object_action("Hold", lambda o, actor: actions.hold_order(o, actor=actor)),
        per_object_action("Release", lambda o, actor: actions.release_order(o, actor=actor)),
        per_object_action("Cancel", lambda o, actor: actions.cancel_order(o, actor=actor)),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come in through import or `ordermanager order create`

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # Every change goes through an action, never through a form that writes fields directly.
        return [f.name for f in Order._meta.fields]


@admin.register(TrackingNumber)
class TrackingNumberAdmin(ReadOnlyMixin, ActionAdmin):
    list_display = ["number", "order", "shipment", "processed", "processed_at", "created_at"]
    list_filter = ["processed"]
    search_fields = ["number", "=order__id"]
    actions = ["process_tracking_numbers"]

    @admin.action(description="Process Tracking Numbers (all unprocessed within the look-back days)")
    def process_tracking_numbers(self, request: HttpRequest, queryset) -> None:
        report = actions.process_tracking_numbers(actor=actor_of(request))
        text = f"Processed {len(report.processed)} tracking number(s)."
        if report.too_old:
            text += f" {report.too_old} older than {report.lookback_days} days were left alone."
        self.message_user(request, text)


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "order", "actor", "kind", "message"]
    list_filter = ["kind"]
    search_fields = ["message", "=order__id"]


@admin.register(TrackingLink)
class TrackingLinkAdmin(ActionAdmin):
    """Edited through the tracking-link actions, which check the URL template."""

    list_display = ["carrier", "url_template"]

    def save_model(self, request: HttpRequest, obj: TrackingLink, form, change: bool) -> None:
        if change and form.initial.get("carrier", obj.carrier).lower() != obj.carrier.lower():
            actions.remove_tracking_link(form.initial["carrier"])
        saved = actions.set_tracking_link(obj.carrier, obj.url_template)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: TrackingLink) -> None:
        actions.remove_tracking_link(obj.carrier)
