"""The tracking e-mail to a buyer: Django templates (a text and an HTML part), overridable per store.

Rendered by the stack's e-mail lane at send time, from the order as it is then.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from ordermanager.orders import buyer_view
from ordermanager.orders.models import Order


class TrackingEmail(EmailMultiAlternatives):
    """The message, and the packages it tells of (for the timeline's line)."""

    packages: list[buyer_view.Package]


def tracking_email(order: Order) -> TrackingEmail:
    context = {
        "store": buyer_view.store_name(order.cart),
        "reference": buyer_view.order_reference(order),
        "buyer_name": order.buyer_name,
        "packages": buyer_view.packages(order),
    }

    def render(name: str) -> str:
        return buyer_view.store_template(order.cart, f"ordermanager/email/{name}").render(context)

    subject = " ".join(render("tracking_subject.txt").split())  # one line, whatever the template's layout
    message = TrackingEmail(subject, render("tracking.txt"), to=[order.buyer_email])
    message.packages = context["packages"]
    message.attach_alternative(render("tracking.html"), "text/html")
    return message
