from django.contrib import admin

from ordermanager.admin_tools import ReadOnlyMixin
from ordermanager.inventory.models import Product


@admin.register(Product)
class ProductAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["sku", "title", "quantity_on_hand", "updated_at"]
    search_fields = ["sku", "title"]
