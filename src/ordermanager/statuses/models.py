from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from ordermanager.statuses.catalogue import EVENTS

LABEL_MAX_LENGTH = 50


def validate_label_text(value: str) -> None:
    if "'" in value or '"' in value:
        raise ValidationError("a status label cannot contain single or double quotes")


class StatusLabel(models.Model):
    """An entry of the Status list (List Maintenance)."""

    name = models.CharField(max_length=LABEL_MAX_LENGTH, unique=True, validators=[validate_label_text])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EventRule(models.Model):
    """One row of the Status Change Events grid."""

    event = models.CharField(max_length=64, unique=True, choices=[(e.id, e.id) for e in EVENTS.values()])
    item_label = models.ForeignKey(
        StatusLabel, null=True, blank=True, on_delete=models.PROTECT, related_name="item_rules"
    )
    order_label = models.ForeignKey(
        StatusLabel, null=True, blank=True, on_delete=models.PROTECT, related_name="order_rules"
    )
    notify_cart = models.BooleanField(default=False)

    class Meta:
        ordering = ["event"]

    def __str__(self) -> str:
        return self.event

    @property
    def definition(self):
        return EVENTS[self.event]
