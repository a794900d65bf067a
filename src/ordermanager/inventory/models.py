"""Stock: products, the warehouses that hold them, their levels and history, and where levels go at each cart."""

from __future__ import annotations

from django.db import models


class Warehouse(models.Model):
    """A place that holds stock. Orders sell from the default warehouse (the first one, MAIN unless renamed)."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.code


class Product(models.Model):
    """A SKU whose quantity on hand the order manager keeps, and sends to carts that synchronize inventory."""

    sku = models.CharField(max_length=100, unique=True)
    title = models.CharField(max_length=300, blank=True)
    # The sum of the product's levels, kept by inventory.actions in the same transaction as the levels.
    quantity_on_hand = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} ({self.quantity_on_hand} on hand)"

    def levels(self) -> dict[str, int]:
        """Quantity on hand by warehouse code, read now (what a stock record sends)."""
        return dict(self.stock_levels.values_list("warehouse__code", "quantity"))


class StockLevel(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    quantity = models.IntegerField(default=0)

    class Meta:
        ordering = ["product", "warehouse"]
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="one_level_per_warehouse")]

    def __str__(self) -> str:
        return f"{self.product.sku} at {self.warehouse.code}: {self.quantity}"


class StockMove(models.Model):
    """One change of a level: the product's history (who, why, by how much, and the level after it)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="moves")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="moves")
    change = models.IntegerField()
    quantity_after = models.IntegerField()
    reason = models.CharField(max_length=200)
    actor = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["product", "-id"], name="moves_of_product")]

    def __str__(self) -> str:
        return f"{self.product.sku} {self.change:+d} at {self.warehouse.code} ({self.reason})"


class CenterMapping(models.Model):
    """Which ChannelAdvisor distribution center of a cart's profile shows a warehouse's level.

    A cart without mappings sends the total to its profile's default center (or its only one).
    """

    cart = models.ForeignKey("carts.Cart", on_delete=models.CASCADE, related_name="center_mappings")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="center_mappings")
    center_id = models.PositiveIntegerField(help_text="The DistributionCenterID at ChannelAdvisor.")

    class Meta:
        ordering = ["cart", "warehouse"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "warehouse"], name="one_center_per_cart_warehouse"),
            models.UniqueConstraint(fields=["cart", "center_id"], name="one_warehouse_per_cart_center"),
        ]

    def __str__(self) -> str:
        return f"{self.cart} {self.warehouse.code} -> DC {self.center_id}"


class CartProduct(models.Model):
    """The cart's own ID for a SKU (ChannelAdvisor's ProductID): looked up once, forgotten when the cart says 404."""

    cart = models.ForeignKey("carts.Cart", on_delete=models.CASCADE, related_name="cart_products")
    sku = models.CharField(max_length=100)
    remote_id = models.BigIntegerField()
    looked_up_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cart", "sku"], name="one_remote_id_per_cart_sku")]

    def __str__(self) -> str:
        return f"{self.cart} {self.sku} = {self.remote_id}"
