from __future__ import annotations

from django.db import models

from ordermanager.params.registry import GROUPS, PARAMETERS


class SystemParameter(models.Model):
    """The global value of one parameter. An empty value means the built-in default."""

    name = models.CharField(max_length=64, primary_key=True)
    group = models.CharField(max_length=32, choices=[(g, g) for g in GROUPS])
    description = models.TextField(blank=True)
    value = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["group", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_value(self) -> str:
        definition = PARAMETERS.get(self.name)
        if definition is None:
            return self.value
        return self.value if self.value else definition.render(definition.default)


class CartParameter(models.Model):
    """A per-cart value: it beats the global one for orders from that cart."""

    cart = models.ForeignKey("carts.Cart", on_delete=models.CASCADE, related_name="parameters")
    name = models.CharField(max_length=64)
    value = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cart", "name"], name="one_override_per_cart")]
        ordering = ["cart", "name"]

    def __str__(self) -> str:
        return f"{self.name} for {self.cart}"
