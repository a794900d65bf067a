from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "ordermanager.orders"
    label = "orders"
    verbose_name = "Orders"
