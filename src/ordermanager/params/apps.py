from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ParamsConfig(AppConfig):
    name = "ordermanager.params"
    label = "params"
    verbose_name = "System parameters"

    def ready(self) -> None:
        from ordermanager.params.registry import sync_parameter_rows

        post_migrate.connect(sync_parameter_rows, sender=self)
