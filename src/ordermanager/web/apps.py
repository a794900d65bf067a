from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ordermanager.web"
    label = "web"
    verbose_name = "Web app"
