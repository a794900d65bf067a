from __future__ import annotations

from django.db import models


class WebAccess(models.Model):
    """No table: it only carries the web app's permissions, which the Operator and Manager groups hold."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("work_orders", "Work orders (approve, hold, ship, cancel, fire events, notes)"),
            ("work_stack", "Retry and clear stack records"),
            ("manage_settings", "Change system parameters, status events, lists and run the setup wizard"),
            ("manage_carts", "Create and edit shopping carts and their carrier mapping"),
            ("manage_users", "Manage users"),
        ]

    def __str__(self) -> str:
        return "web app access"
