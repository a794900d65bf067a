from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ordermanager.admin_tools import ActionAdmin, ReadOnlyMixin
from ordermanager.carts import actions as carts
from ordermanager.carts import carriers
from ordermanager.carts.models import (
    CarrierMapping,
    Cart,
    ChannelAdvisorAccount,
    GenericCartSettings,
    ImportProblem,
    KnownCarrierClass,
)
from ordermanager.crypto import mask


class ChannelAdvisorInline(ReadOnlyMixin, admin.StackedInline):
    """Shown, never edited here: secrets are entered with `ordermanager carts edit … --ask-secrets`."""

    model = ChannelAdvisorAccount
    fields = [
        "member_name",
        "account_id",
        "profile_id",
        "api_base_url",
        "application",
        "secret",
        "token",
        "download_checkout_statuses",
        "download_payment_statuses",
        "download_shipping_statuses",
        "download_externally_managed",
    ]
    readonly_fields = fields

    @admin.display(description="Application ID")
    def application(self, account: ChannelAdvisorAccount) -> str:
        return mask(account.application_id)

    @admin.display(description="Shared Secret")
    def secret(self, account: ChannelAdvisorAccount) -> str:
        return mask(account.shared_secret)

    @admin.display(description="Refresh Token")
    def token(self, account: ChannelAdvisorAccount) -> str:
        return mask(account.refresh_token)


class GenericInline(ReadOnlyMixin, admin.StackedInline):
    model = GenericCartSettings
    fields = ["script_url", "user_name", "masked_password", "code"]
    readonly_fields = fields

    @admin.display(description="Password")
    def masked_password(self, settings: GenericCartSettings) -> str:
        return mask(settings.password)


@admin.register(Cart)
class CartAdmin(ActionAdmin):
    list_display = [
        "store_name",
        "cart_type",
        "active",
        "synchronize_inventory",
        "send_status_to_web",
        "last_import",
    ]
    list_filter = ["cart_type", "active"]
    search_fields = ["store_name"]
    fields = [
        "store_name",
        "cart_type",
        "active",
        "synchronize_inventory",
        "send_status_to_web",
        "order_download_batch",
    ]
    inlines = [ChannelAdvisorInline, GenericInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Cart | None = None) -> list[str]:
        # A cart's type and its type's fields are set with `ordermanager carts add`, which checks them.
        return ["cart_type"] if obj else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `ordermanager carts add` asks for the type's fields and secrets

    def save_model(self, request: HttpRequest, obj: Cart, form: Any, change: bool) -> None:
        fields = {name: getattr(obj, name) for name in carts.EDITABLE}
        carts.edit_cart(obj, store_name=obj.store_name, **fields)

    def delete_model(self, request: HttpRequest, obj: Cart) -> None:
        carts.delete_cart(obj)


@admin.register(CarrierMapping)
class CarrierMappingAdmin(ActionAdmin):
    list_display = ["cart", "carrier", "shipping_class", "cart_carrier", "cart_class"]
    list_filter = ["cart"]

    def save_model(self, request: HttpRequest, obj: CarrierMapping, form: Any, change: bool) -> None:
        for warning in carriers.map_carrier(
            obj.cart, obj.carrier, obj.shipping_class, obj.cart_carrier, obj.cart_class
        ):
            self.message_user(request, warning, level="WARNING")
        obj.pk = CarrierMapping.objects.get(
            cart=obj.cart, carrier__iexact=obj.carrier.strip(), shipping_class__iexact=obj.shipping_class.strip()
        ).pk

    def delete_model(self, request: HttpRequest, obj: CarrierMapping) -> None:
        carriers.unmap_carrier(obj.cart, obj.carrier, obj.shipping_class)


@admin.register(KnownCarrierClass)
class KnownCarrierClassAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["cart", "cart_carrier", "cart_class", "source", "noted_at"]
    list_filter = ["cart", "source"]


@admin.register(ImportProblem)
class ImportProblemAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Orders set aside at import; they are retried with `ordermanager import-problems retry`."""

    list_display = ["cart", "channel_order_id", "reason", "attempts", "last_seen_at", "retry_requested"]
    list_filter = ["cart"]
