from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ordermanager.api"
    label = "api"
    verbose_name = "REST API"
