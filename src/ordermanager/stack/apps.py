from django.apps import AppConfig


class StackConfig(AppConfig):
    name = "ordermanager.stack"
    label = "stack"
    verbose_name = "The stack"
