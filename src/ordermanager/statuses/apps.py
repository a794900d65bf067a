from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StatusesConfig(AppConfig):
    name = "ordermanager.statuses"
    label = "statuses"
    verbose_name = "Status events"

    def ready(self) -> None:
        from ordermanager.statuses.rules import sync_rule_rows

        post_migrate.connect(sync_rule_rows, sender=self)
