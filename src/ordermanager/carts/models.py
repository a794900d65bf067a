from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models

from ordermanager.carts.types import CART_TYPES, CartType


class Cart(models.Model):
    """A shopping cart definition (Create/Edit Shopping Carts)."""

    store_name = models.CharField(
        max_length=50,
        unique=True,
        help_text="Your internal name for this store; it must be unique.",
    )
    cart_type = models.CharField(max_length=32, choices=[(t.key, t.label) for t in CART_TYPES.values()])
    active = models.BooleanField(default=True)
    synchronize_inventory = models.BooleanField(default=False)
    send_status_to_web = models.BooleanField(
        default=True, help_text="Tick if this cart should receive status updates from status events."
    )
    order_download_batch = models.PositiveIntegerField(default=50, validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store_name"]

    def __str__(self) -> str:
        return self.store_name

    @property
    def type(self) -> CartType:
        return CART_TYPES[self.cart_type]

    @property
    def takes_status_updates(self) -> bool:
        """Whether a Notify Cart event may put a record on the stack for this cart."""
        return self.active and self.send_status_to_web and self.type.takes_status_updates

    @property
    def needs_tracking_for_status_updates(self) -> bool:
        return self.type.needs_tracking_for_status_updates
