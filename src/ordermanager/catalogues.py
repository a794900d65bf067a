"""What the apps whose rows mirror a catalogue kept in code (parameters, status events) share."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import import_string


class CatalogueConfig(AppConfig):
    """An app with one row per catalogue entry: the action at `sync_rows` writes the rows after migrate."""

    sync_rows: str

    def ready(self) -> None:
        post_migrate.connect(import_string(self.sync_rows), sender=self)
