"""Tracking links: the URL template per carrier that buyers follow from e-mails and the order-status page."""

from __future__ import annotations

from django.db import transaction

from ordermanager.errors import InputError
from ordermanager.orders.buyer_view import DEFAULT_TRACKING_LINKS
from ordermanager.orders.models import TrackingLink


def check_url_template(text: str) -> str:
    template = (text or "").strip()
    if not template.startswith(("https://", "http://")):
        raise InputError("url_template", f"must start with https:// (or http://), not {template[:40]!r}")
    if template.count("{number}") != 1 or template.replace("{number}", "").count("{"):
        raise InputError("url_template", "must hold {number} once, where the tracking number goes, and no other {…}")
    if len(template) > 500 or any(c.isspace() for c in template):
        raise InputError("url_template", "must be one address of at most 500 characters, without spaces")
    return template


@transaction.atomic
def set_tracking_link(carrier: str, url_template: str) -> TrackingLink:
    """Add a carrier's link, or change it (the carrier's name matches in any case)."""
    name = (carrier or "").strip()
    if not name or len(name) > 64:
        raise InputError("carrier", "must be 1 to 64 characters, as packages name the carrier (e.g. UPS)")
    template = check_url_template(url_template)
    link = TrackingLink.objects.select_for_update().filter(carrier__iexact=name).first()
    if link is None:
        return TrackingLink.objects.create(carrier=name, url_template=template)
    link.url_template = template
    link.save(update_fields=["url_template"])
    return link


@transaction.atomic
def remove_tracking_link(carrier: str) -> None:
    deleted, _ = TrackingLink.objects.filter(carrier__iexact=(carrier or "").strip()).delete()
    if not deleted:
        raise InputError("carrier", f"there is no tracking link for {carrier!r}")


def add_default_tracking_links() -> None:
    """The four default carriers, where no link is set for them (a flushed test database has none)."""
    for carrier, template in DEFAULT_TRACKING_LINKS.items():
        if not TrackingLink.objects.filter(carrier__iexact=carrier).exists():
            set_tracking_link(carrier, template)
