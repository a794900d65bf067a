from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "ordermanager.inventory"
    label = "inventory"
    verbose_name = "Inventory"
