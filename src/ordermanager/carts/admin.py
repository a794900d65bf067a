from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ordermanager.admin_tools import ActionAdmin
from ordermanager.carts import service
from ordermanager.carts.models import Cart


@admin.register(Cart)
class CartAdmin(ActionAdmin):
    list_display = ["store_name", "cart_type", "active", "synchronize_inventory", "send_status_to_web"]
    list_filter = ["cart_type", "active"]
    search_fields = ["store_name"]

    def save_model(self, request: HttpRequest, obj: Cart, form: Any, change: bool) -> None:
        fields = {name: getattr(obj, name) for name in service.EDITABLE}
        saved = (
            service.edit_cart(obj, store_name=obj.store_name, **fields)
            if change
            else service.add_cart(obj.store_name, obj.cart_type, **fields)
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Cart) -> None:
        service.delete_cart(obj)
