from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "ordermanager.carts"
    label = "carts"
    verbose_name = "Shopping carts"
