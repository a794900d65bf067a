from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class RecordKind(models.TextChoices):
    """What a stack record delivers."""

    STATUS_UPDATE = "status_update", "Status update"
    INVENTORY_UPDATE = "inventory_update", "Inventory update"
    EMAIL = "email", "E-mail"


class State(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    SENT = "sent", "Sent"
    RETRY = "retry", "Waiting to retry"
    PROBLEM = "problem", "Problem"
    CLEARED = "cleared", "Cleared"


# A new change is folded into a record in one of these states; a record in flight already carries
# older data, so a change made meanwhile gets a record of its own.
OPEN_STATES = (State.PENDING, State.RETRY)


class StackRecord(models.Model):
    """One outgoing post. It names what to send; the payload is built from current data at send time."""

    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    # No cart for e-mail to a buyer; every cart post names its cart.
    cart = models.ForeignKey(
        "carts.Cart", null=True, blank=True, on_delete=models.CASCADE, related_name="stack_records"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="stack_records"
    )
    coalesce_key = models.CharField(max_length=200)
    sku = models.CharField(max_length=100, blank=True, help_text="The SKU of an inventory update.")
    # What asked for the post (event ids, SKUs): never secrets, never a copy of cart settings.
    reasons = models.JSONField(default=list, blank=True)
    coalesced = models.PositiveIntegerField(default=0, help_text="Changes folded into this record.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    fix_hint = models.TextField(blank=True)
    last_response = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_seconds = models.FloatField(null=True, blank=True, help_text="From the change's commit to the cart's OK.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["coalesce_key"],
                condition=Q(state__in=["pending", "retry"]),
                name="one_open_record_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            # The claim reads due records of one cart and kind in this order and stops at its LIMIT: with this
            # index it never sorts the backlog, however long it grows.
            models.Index(
                fields=["cart", "kind", "next_attempt_at", "id"],
                condition=Q(state__in=["pending", "retry"]),
                name="stack_due_per_cart_kind",
            ),
            # "Is anything due for this lane?", the poll of lanes that ran out of due records.
            models.Index(
                fields=["cart", "next_attempt_at"],
                condition=Q(state__in=["pending", "retry"]),
                name="stack_due_per_cart",
            ),
            # "Is another record of this order in flight?", asked for each record a claim considers.
            models.Index(fields=["coalesce_key"], condition=Q(state="in_flight"), name="stack_in_flight_by_key"),
            # The Home page's chart reads the last 48 hours of these, never the whole history.
            models.Index(fields=["created_at"], name="stack_created_at"),
            models.Index(fields=["sent_at"], name="stack_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"


class Lease(models.Model):
    """Who drives what: a cart account (`cart:<id>`), the SQLite controller slot, or a controller's heartbeat.

    A lease is held while `expires_at` is in the future; its holder renews it with a heartbeat.
    Taking over is a conditional UPDATE, so two controllers can never both believe they hold it.
    """

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'}"


class Metric(models.Model):
    """A counter for monitoring, kept in the database so every controller process adds to the same one."""

    key = models.CharField(max_length=200, unique=True, help_text="The name with its labels, as Prometheus shows it.")
    value = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.key} {self.value}"
