from django.db import models


class Product(models.Model):
    """A SKU whose quantity on hand the order manager keeps, and sends to carts that synchronize inventory."""

    sku = models.CharField(max_length=100, unique=True)
    title = models.CharField(max_length=300, blank=True)
    quantity_on_hand = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} ({self.quantity_on_hand} on hand)"
