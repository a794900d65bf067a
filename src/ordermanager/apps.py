from django.apps import AppConfig


class OrderManagerConfig(AppConfig):
    """The project package itself, so that its management commands are found."""

    name = "ordermanager"
    verbose_name = "Order manager"

    def ready(self) -> None:
        from ordermanager import guards

        guards.connect()
