from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import MinValueValidator
from django.db import models

from ordermanager.carts.types import CART_TYPES, CartType
from ordermanager.crypto import EncryptedTextField, mask
from ordermanager.wording import local_time


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
    # Bumped by every edit, so a running stack controller notices new settings and reconnects.
    updated_at = models.DateTimeField(auto_now=True)
    last_import_at = models.DateTimeField(null=True, blank=True)  # when the last import started (its schedule)
    # The last import's result, for the operator: written by carts' record_import, never by save().
    last_import_finished_at = models.DateTimeField(null=True, blank=True)
    last_import_ok = models.BooleanField(null=True)  # None until an import has finished
    last_import_downloaded = models.PositiveIntegerField(default=0)
    last_import_imported = models.PositiveIntegerField(default=0)
    last_import_error = models.CharField(max_length=500, blank=True)

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

    @property
    def type_settings(self) -> TypeSettings | None:
        """The fields of the cart's type (its ChannelAdvisor account, its Generic script), if it has any."""
        return getattr(self, self.type.settings) if self.type.settings else None

    @property
    def last_import(self) -> str:
        """One line: when the last import finished, whether it worked, what it did or why it failed."""
        if self.last_import_ok is None or self.last_import_finished_at is None:
            return "never finished"
        when = local_time(self.last_import_finished_at)
        counts = f"{self.last_import_downloaded} downloaded, {self.last_import_imported} imported"
        if self.last_import_ok:
            return f"ok at {when}: {counts}"
        return f"FAILED at {when}: {counts}; {self.last_import_error}"


class TypeSettings(models.Model):
    """The fields of one cart type, kept beside its cart (`Cart.type_settings`)."""

    type_label: ClassVar[str]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.type_label} settings of {self.cart}"  # each subclass has its cart

    def fields(self) -> list[tuple[str, Any]]:
        """The settings as `carts show` prints them (name, value), secrets masked."""
        raise NotImplementedError


class ChannelAdvisorAccount(TypeSettings):
    """The ChannelAdvisor fields of a cart definition."""

    type_label = "ChannelAdvisor"

    cart = models.OneToOneField(Cart, on_delete=models.CASCADE, related_name="channeladvisor")
    member_name = models.CharField(
        max_length=254, blank=True, help_text="Your ChannelAdvisor login, usually an e-mail."
    )
    account_id = models.CharField(
        "API AccountID", max_length=36, help_text="A GUID from your ChannelAdvisor account manager."
    )
    profile_id = models.BigIntegerField("Account Profile ID", help_text="The numeric profile ID (not the AccountID).")
    application_id = EncryptedTextField(blank=True)
    shared_secret = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    api_base_url = models.URLField(default="https://api.channeladvisor.com")
    download_checkout_statuses = models.JSONField(default=list)
    download_payment_statuses = models.JSONField(default=list)
    download_shipping_statuses = models.JSONField(default=list)
    download_externally_managed = models.BooleanField(default=False)

    def fields(self) -> list[tuple[str, Any]]:
        return [
            ("Member Name", self.member_name),
            ("API AccountID", self.account_id),
            ("Account Profile ID", self.profile_id),
            ("API base address", self.api_base_url),
            ("Application ID", mask(self.application_id)),
            ("Shared Secret", mask(self.shared_secret)),
            ("Refresh Token", mask(self.refresh_token)),
            ("Download checkout statuses", ", ".join(self.download_checkout_statuses)),
            ("Download payment statuses", ", ".join(self.download_payment_statuses)),
            ("Download shipping statuses", ", ".join(self.download_shipping_statuses)),
            ("Download externally managed", self.download_externally_managed),
        ]


def _one_per_cart(*fields: str, name: str) -> type:
    """The Meta of a table with at most one row per cart and `fields` (a shipping method, a carrier/class
    pair), listed in that order."""
    unique = models.UniqueConstraint(fields=["cart", *fields], name=name)
    return type("Meta", (), {"ordering": ["cart", *fields], "constraints": [unique]})


class CarrierMapping(models.Model):
    """The order manager's shipping method (carrier and class) as ChannelAdvisor codes for one cart."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="carrier_mappings")
    carrier = models.CharField(max_length=64)
    shipping_class = models.CharField(max_length=64, blank=True)
    cart_carrier = models.CharField("ChannelAdvisor carrier", max_length=64)
    cart_class = models.CharField("ChannelAdvisor class", max_length=64)

    Meta = _one_per_cart("carrier", "shipping_class", name="one_mapping_per_method")

    def __str__(self) -> str:
        return f"{self.carrier} {self.shipping_class} → {self.cart_carrier}/{self.cart_class}"


class KnownCarrierClass(models.Model):
    """A carrier/class pair the account is known to accept (or to refuse), and how we know."""

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered from the account's carrier list"
        SEEN = "seen", "Seen on an order from the cart"
        REFUSED = "refused", "Refused by the cart"

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="known_carriers")
    cart_carrier = models.CharField(max_length=64)
    cart_class = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices)
    noted_at = models.DateTimeField(auto_now=True)

    Meta = _one_per_cart("cart_carrier", "cart_class", name="one_known_pair_per_cart")

    def __str__(self) -> str:
        return f"{self.cart_carrier}/{self.cart_class} ({self.source})"


class GenericCartSettings(TypeSettings):
    """The fields of a Generic cart: the site's integration script and its credentials."""

    type_label = "Generic"

    cart = models.OneToOneField(Cart, on_delete=models.CASCADE, related_name="generic")
    script_url = models.URLField(help_text="The address of the cart's Order Manager integration script.")
    user_name = models.CharField(max_length=100, blank=True)
    password = EncryptedTextField(blank=True)
    code = models.CharField(max_length=100, blank=True, help_text="The store code the script expects, if any.")

    def fields(self) -> list[tuple[str, Any]]:
        return [
            ("Script URL", self.script_url),
            ("User Name", self.user_name),
            ("Password", mask(self.password)),
            ("Code", self.code),
        ]


class ImportProblem(models.Model):
    """An order the cart offered that could not be imported: set aside so the others go on.

    It is tried again when the order changes at the cart (its fingerprint moves) or when the operator
    asks (`retry_requested`), and deleted once the order imports.
    """

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="import_problems")
    channel_order_id = models.CharField(max_length=80)  # or a stand-in for an order that came without an ID
    reason = models.TextField()
    raw = models.JSONField(default=dict)  # the order as the cart sent it, secrets removed
    fingerprint = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    attempts = models.PositiveIntegerField(default=1)
    retry_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["cart", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "channel_order_id"], name="one_problem_per_cart_order")]

    def __str__(self) -> str:
        return f"{self.cart} order {self.channel_order_id}: {self.reason}"
