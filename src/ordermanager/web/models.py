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


class SetupWizard(models.Model):
    """The Store Setup Wizard's progress: one row, so the wizard resumes at the step the merchant left."""

    step = models.CharField(max_length=20, default="store")
    company_name = models.CharField(max_length=100, blank=True)
    contact_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    cart = models.ForeignKey("carts.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The cart step is passed by a Test Settings that succeeded, or skipped on purpose (recorded as such).
    settings_tested_at = models.DateTimeField(null=True, blank=True)
    test_skipped = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Store Setup Wizard at step {self.step}"


class ImportRun(models.Model):
    """An order import started from the browser; its thread writes progress here for the page to poll."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    cart = models.ForeignKey("carts.Cart", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_by = models.CharField(max_length=150)
    started_at = models.DateTimeField(auto_now_add=True)
    # Moves with every order imported; a RUNNING run that stopped moving long ago died with its process.
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    downloaded = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    already_here = models.PositiveIntegerField(default=0)
    problems = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Import from {self.cart} ({self.state})"
