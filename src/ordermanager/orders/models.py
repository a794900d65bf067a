from __future__ import annotations

from django.db import models
from django.db.models import Max, Q, Sum
from django.db.models.functions import Coalesce


class CheckoutStatus(models.TextChoices):
    # ChannelAdvisor's names, so an imported order reads the same here as in ChannelAdvisor.
    NOT_VISITED = "NotVisited"
    COMPLETED = "Completed"
    VISITED = "Visited"
    COMPLETED_AND_VISITED = "CompletedAndVisited"
    DISABLED = "Disabled"
    COMPLETED_OFFLINE = "CompletedOffline"
    ON_HOLD = "OnHold"


class PaymentStatus(models.TextChoices):
    NOT_YET_SUBMITTED = "NotYetSubmitted"
    CLEARED = "Cleared"
    SUBMITTED = "Submitted"
    FAILED = "Failed"
    DEPOSITED = "Deposited"
    REFUNDED = "Refunded"


class ShippingStatus(models.TextChoices):
    UNSHIPPED = "Unshipped"
    PARTIALLY_SHIPPED = "PartiallyShipped"
    SHIPPED = "Shipped"
    PENDING_SHIPMENT = "PendingShipment"
    CANCELED = "Canceled"
    THIRD_PARTY_MANAGED = "ThirdPartyManaged"


class Order(models.Model):
    """An order. Its number (the primary key) is ours; the channel's and marketplace's IDs are kept apart."""

    cart = models.ForeignKey("carts.Cart", null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    channel_order_id = models.CharField(
        max_length=64, blank=True, help_text="The cart's own order ID (ChannelAdvisor's ID)."
    )
    marketplace_order_id = models.CharField(
        max_length=64, blank=True, help_text="The marketplace's order ID (ChannelAdvisor's SiteOrderID)."
    )
    site_name = models.CharField(max_length=64, blank=True)
    profile_id = models.BigIntegerField(null=True, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)

    buyer_name = models.CharField(max_length=200, blank=True)
    buyer_email = models.CharField(max_length=254, blank=True)
    ship_to_name = models.CharField(max_length=200, blank=True)
    ship_to_company = models.CharField(max_length=200, blank=True)
    ship_to_address1 = models.CharField(max_length=200, blank=True)
    ship_to_address2 = models.CharField(max_length=200, blank=True)
    ship_to_city = models.CharField(max_length=100, blank=True)
    ship_to_state = models.CharField(max_length=100, blank=True)
    ship_to_postal_code = models.CharField(max_length=32, blank=True)
    ship_to_country = models.CharField(max_length=64, blank=True)
    ship_to_phone = models.CharField(max_length=64, blank=True)
    requested_shipping_carrier = models.CharField(max_length=64, blank=True)
    requested_shipping_class = models.CharField(max_length=64, blank=True)

    checkout_status = models.CharField(max_length=32, choices=CheckoutStatus.choices, default=CheckoutStatus.COMPLETED)
    payment_status = models.CharField(
        max_length=32, choices=PaymentStatus.choices, default=PaymentStatus.NOT_YET_SUBMITTED
    )
    shipping_status = models.CharField(max_length=32, choices=ShippingStatus.choices, default=ShippingStatus.UNSHIPPED)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    status_label = models.CharField(max_length=50, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    on_hold = models.BooleanField(default=False)
    hold_reason = models.CharField(max_length=200, blank=True)
    pick_list_printed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    expected_ship_date = models.DateField(null=True, blank=True)
    actual_ship_date = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "channel_order_id"],
                condition=~Q(channel_order_id=""),
                name="one_order_per_channel_id",
            )
        ]
        indexes = [
            # With the id, a filtered page of the orders list reads its 50 rows in order from the index, where a
            # bare status index made PostgreSQL fetch and sort every order with that status.
            models.Index(fields=["status_label", "id"], name="orders_label_id"),
            models.Index(fields=["shipping_status", "id"], name="orders_shipping_status_id"),
            # The orders list's search and filters: exact matches on an index, so they stay fast on 1M orders.
            models.Index(fields=["channel_order_id"], name="orders_channel_order_id"),
            models.Index(fields=["marketplace_order_id"], name="orders_marketplace_order_id"),
            models.Index(fields=["buyer_email"], name="orders_buyer_email"),
            models.Index(fields=["created_at"], name="orders_created_at"),
            models.Index(fields=["id"], condition=Q(on_hold=True), name="orders_on_hold"),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk}"

    def processed_tracking_numbers(self) -> list[TrackingNumber]:
        """The tracking numbers whose events have fired, oldest first, with their packages."""
        return list(self.tracking_numbers.select_related("shipment").filter(processed=True).order_by("id"))


class OrderPart(models.Model):
    """A row of one order (a line, a package, a tracking number, a timeline entry), listed as it was added."""

    class Meta:
        abstract = True
        ordering = ["order", "id"]


class OrderItemQuerySet(models.QuerySet):
    def with_shipped(self) -> OrderItemQuerySet:
        """Each item with its shipped quantity and its last package, read in the same query as the item."""
        return self.annotate(
            shipped_total=Coalesce(Sum("shipment_lines__quantity"), 0), last_package_id=Max("shipment_lines__shipment")
        )


class OrderItem(OrderPart):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    channel_item_id = models.CharField(max_length=64, blank=True, help_text="The cart's ID for this line.")
    sku = models.CharField(max_length=100)
    title = models.CharField(max_length=300, blank=True)
    quantity = models.PositiveIntegerField()
    quantity_cancelled = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    status_label = models.CharField(max_length=50, blank=True)
    backordered = models.BooleanField(default=False)
    drop_ship_supplier = models.CharField(max_length=100, blank=True)
    expected_ship_date = models.DateField(null=True, blank=True)
    actual_ship_date = models.DateField(null=True, blank=True)

    objects = OrderItemQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.sku} x{self.quantity}"

    @property
    def quantity_shipped(self) -> int:
        """Derived from the packages, so it can never disagree with them (read once by `with_shipped`)."""
        shipped = getattr(self, "shipped_total", None)
        return shipped if shipped is not None else self.shipment_lines.aggregate(n=Sum("quantity"))["n"] or 0

    @property
    def quantity_open(self) -> int:
        """What is still to ship: ordered, less cancelled, less shipped."""
        return self.quantity - self.quantity_cancelled - self.quantity_shipped


class Shipment(OrderPart):
    """A package: a carrier and class, a ship date, the items it carries and its tracking numbers."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=64)
    shipping_class = models.CharField(max_length=64, blank=True)
    shipped_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Filled by the stack controller once the cart has the shipment.
    delivered_to_cart_at = models.DateTimeField(null=True, blank=True)
    cart_fulfillment_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"Package {self.pk} of order {self.order_id}"

    @property
    def seller_fulfillment_id(self) -> str:
        """Stable per package; digits only, because Amazon accepts only integers there."""
        return str(self.pk)


class ShipmentItem(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shipment", "order_item"], name="one_line_per_item")]

    def __str__(self) -> str:
        return f"{self.order_item.sku} x{self.quantity}"


class TrackingNumber(OrderPart):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_numbers")
    # Repeated from the shipment so the database itself refuses a duplicate on one order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tracking_numbers")
    number = models.CharField(max_length=64)
    processed = models.BooleanField(default=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrderPart.Meta):
        constraints = [models.UniqueConstraint(fields=["order", "number"], name="one_tracking_number_per_order")]
        indexes = [
            models.Index(fields=["processed", "created_at"]),
            models.Index(fields=["number"], name="tracking_number"),
        ]

    def __str__(self) -> str:
        return self.number


class TimelineEvent(models.TextChoices):
    """What a timeline entry tells of; orders/events.py has one constructor for each."""

    ORDER_RECEIVED = "order_received"
    ITEM_ADDED = "item_added"
    ITEM_CHANGED = "item_changed"
    ORDER_APPROVED = "order_approved"
    PAYMENT_DECLINED = "payment_declined"
    PAYMENT_LOGGED = "payment_logged"
    REFUND_LOGGED = "refund_logged"
    ORDER_HELD = "order_held"
    ORDER_RELEASED = "order_released"
    PICK_LIST_PRINTED = "pick_list_printed"
    EXPECTED_SHIP_DATE_SET = "expected_ship_date_set"
    ACTUAL_SHIP_DATE_SET = "actual_ship_date_set"
    PACKAGE_CREATED = "package_created"
    TRACKING_ADDED = "tracking_added"
    TRACKING_PROCESSING = "tracking_processing"
    TRACKING_EMAIL_QUEUED = "tracking_email_queued"
    PACKAGE_SHIPPED_AT_CART = "package_shipped_at_cart"
    SHIPPING_STATUS_CHANGED = "shipping_status_changed"
    ITEM_CANCELLED = "item_cancelled"
    ORDER_CANCELLED = "order_cancelled"
    ITEM_BACKORDERED = "item_backordered"
    BACKORDER_FILLED = "backorder_filled"
    DROP_SHIP_ORDERED = "drop_ship_ordered"
    DROP_SHIP_CANCELLED = "drop_ship_cancelled"
    ITEM_RETURNED = "item_returned"
    FIRED_BY_HAND = "fired_by_hand"
    NOTE_ADDED = "note_added"
    STATUS_EVENT_FIRED = "status_event_fired"
    ORDER_LABEL_CHANGED = "order_label_changed"
    ITEM_LABEL_CHANGED = "item_label_changed"
    STATUS_UPDATE_WITHHELD = "status_update_withheld"
    PACKAGE_NEWS_QUEUED = "package_news_queued"
    STATUS_UPDATE_QUEUED = "status_update_queued"
    STACK_RECORD_RECOVERED = "stack_record_recovered"
    PACKAGE_DELIVERED = "package_delivered"
    STACK_RECORD_SENT = "stack_record_sent"
    DELIVERY_FAILED = "delivery_failed"
    STACK_RECORD_RETRIED = "stack_record_retried"
    PROBLEM_RECORD_CLEARED = "problem_record_cleared"


class TimelineEntry(OrderPart):
    """One line of an order's history. Append-only: it is never edited or deleted."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=TimelineEvent.choices)
    message = models.TextField()
    # The event's structured fields (package, stack_record, event, item, old, new …), for code and tests.
    data = models.JSONField(default=dict, blank=True)

    class Meta(OrderPart.Meta):
        indexes = [models.Index(fields=["order", "id"])]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return self.message

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("timeline entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("timeline entries are append-only")
