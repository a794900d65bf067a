"""Tracking e-mails: rendered from templates (text and HTML), sent by the stack's e-mail lane to a real SMTP server
(aiosmtpd on loopback), with the store's name, the package's items and a tracking link per carrier."""

from __future__ import annotations

import email
import logging
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.mailurl import email_settings
from ordermanager.orders import actions
from ordermanager.orders.models import Order, TimelineEntry, TimelineEvent
from ordermanager.params import actions as params
from tests.conftest import ACTOR, new_order
from tests.ordermanager.test_stack import drain

NUMBER = "1Z999AA10123456784"


class Inbox:
    """An aiosmtpd handler that keeps what it received and says when something arrived."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        self.arrived.set()
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(settings, monkeypatch) -> Iterator[Inbox]:
    """A local SMTP server, and the product pointed at it through EMAIL_URL's parser."""
    # aiosmtpd logs each connection from its own thread to the root handler, whose stream pytest may already have
    # closed ("--- Logging error ---" in the suite's output): the test server's chatter is not the product's.
    monkeypatch.setattr(logging.getLogger("mail.log"), "disabled", True)
    handler, port = Inbox(), free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    for name, value in email_settings(f"smtp://127.0.0.1:{port}", Path("unused")).items():
        setattr(settings, name, value)
    yield handler
    server.stop()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self.hrefs.append((self._href, data))
            self._href = None


def parts(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def shipped_with_email(cart: Cart | None, carrier: str = "UPS", number: str = NUMBER) -> Order:
    params.set_parameter("EmailTrackingToCustomer", "True")
    actions.add_default_tracking_links()  # a transactional test's flush removed the migration's rows
    order = new_order(cart, ("MUG-1", 2), ("TEE-9", 1), buyer_name="Ada Buyer", buyer_email="ada@example.com")
    actions.add_tracking_number(
        order, number, actor=ACTOR, carrier=carrier, shipping_class="Ground", items=[("MUG-1", 2)]
    )
    return order


@pytest.mark.django_db(transaction=True)
def test_the_stack_sends_both_parts_with_the_store_items_and_a_working_tracking_link(inbox: Inbox) -> None:
    # given
    params.set_parameter("StoreName", "Ada's Mugs")
    order = shipped_with_email(None)
    # when: the stack controller empties the e-mail lane
    drain()
    # then
    assert inbox.arrived.wait(10)
    (message,) = inbox.messages
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == f"Ada's Mugs: your order {order.pk} has shipped"
    text, html = parts(message)
    assert "Your order" in text
    assert "from Ada's Mugs is on its way" in text
    assert "2 x Item MUG-1 (MUG-1)" in text
    assert "TEE-9" not in text  # not in this package
    assert f"Tracking {NUMBER}: https://www.ups.com/track?tracknum={NUMBER}" in text
    assert "Ada&#x27;s Mugs" in html
    parser = Links()
    parser.feed(html)
    ((href, label),) = parser.hrefs
    assert label == f"Track package {NUMBER}"
    link = urlsplit(href)
    assert (link.scheme, link.netloc, link.path) == ("https", "www.ups.com", "/track")
    assert parse_qs(link.query) == {"tracknum": [NUMBER]}
    sent = TimelineEntry.objects.get(order=order, kind=TimelineEvent.STACK_RECORD_SENT)
    assert "Tracking e-mail sent to ada@example.com (1 tracking number(s))" in sent.message


@pytest.mark.django_db(transaction=True)
def test_a_carrier_added_by_the_merchant_and_a_template_overridden_for_one_store(
    inbox: Inbox, settings, tmp_path: Path, generic_cart: Cart
) -> None:
    # given: a link for OnTrac, and the Web Store's own text part
    call_command("tracking", "link", "OnTrac", "https://www.ontrac.com/tracking/?number={number}")
    store = tmp_path / "ordermanager" / "email" / "stores" / "web-store"
    store.mkdir(parents=True)
    (store / "tracking.txt").write_text("Web Store says: {% for p in packages %}{{ p.tracking.0.url }}{% endfor %}\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    shipped_with_email(generic_cart, carrier="ontrac", number="C11-123")
    # when
    drain()
    # then
    assert inbox.arrived.wait(10)
    text, html = parts(inbox.messages[0])
    assert text.strip() == "Web Store says: https://www.ontrac.com/tracking/?number=C11-123"
    assert 'href="https://www.ontrac.com/tracking/?number=C11-123"' in html  # the HTML part is the product's


def test_a_tracking_link_must_hold_the_number_once(db: None) -> None:
    with pytest.raises(InputError, match=r"url_template: must hold \{number\} once"):
        actions.set_tracking_link("UPS", "https://www.ups.com/track")
    with pytest.raises(InputError, match="url_template: must start with https://"):
        actions.set_tracking_link("UPS", "javascript:alert({number})")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", {"EMAIL_HOST": "mail.example.com", "EMAIL_PORT": 25, "EMAIL_USE_TLS": False}),
        (
            "smtp://u:p%40ss@mail.example.com:587",
            {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True, "EMAIL_HOST_PASSWORD": "p@ss"},
        ),
        ("smtp+tls://u:pw@mail.example.com", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True, "EMAIL_HOST_USER": "u"}),
        ("smtps://mail.example.com", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False}),
        ("smtp+ssl://mail.example.com:2465", {"EMAIL_PORT": 2465, "EMAIL_USE_SSL": True}),
    ],
)
def test_email_url(url: str, expected: dict) -> None:
    found = email_settings(url, Path("/data"))
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert {k: found[k] for k in expected} == expected


def test_no_email_url_writes_files_and_a_bad_one_says_why() -> None:
    assert email_settings("", Path("/data"))["EMAIL_FILE_PATH"] == Path("/data/mail")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL: the scheme must be one of smtp, smtp"):
        email_settings("http://mail.example.com", Path("/data"))
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL: the port must be a number"):
        email_settings("smtp://mail.example.com:99999", Path("/data"))
