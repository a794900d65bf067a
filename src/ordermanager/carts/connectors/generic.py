"""The Generic cart type: status updates posted to the site's script (Order Manager Developer Specification).

The script takes form fields (`setifunction=updatestatus`, the order number, its status label and its
tracking numbers) and answers `SETIResponse: update=OK;Notes=` or `update=False;Notes=<why>`. A status
update sets a label, so sending it twice does no harm: after an ambiguous failure it is simply sent again.
"""

from __future__ import annotations

import httpx

from ordermanager.carts.connectors.base import (
    TIMEOUT,
    CartError,
    Connector,
    ErrorKind,
    Guard,
    QuantityUpdate,
    check_readable,
    transport_error,
)
from ordermanager.carts.connectors.pacing import AccountGate, account_gate
from ordermanager.carts.models import Cart
from ordermanager.carts.types import GENERIC
from ordermanager.orders.models import Order

OM_VERSION = "ordermanager-0.1"


def parse_reply(text: str) -> tuple[bool, str]:
    """`SETIResponse: update=OK;Notes=...` → (True, notes)."""
    head, _, rest = text.strip().partition("SETIResponse:")
    fields = dict(part.split("=", 1) for part in rest.strip().split(";") if "=" in part)
    return fields.get("update", "").strip().upper() == "OK", fields.get("Notes", "").strip() or head.strip()


class GenericConnector(Connector):
    cart_type = GENERIC

    def __init__(self, cart: Cart, gate: AccountGate | None = None) -> None:
        self.cart = cart
        self.settings = cart.generic
        check_readable(cart, self.settings, ("password",))
        self.gate = gate or account_gate(cart)
        self.http = httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        self.http.close()

    def _post(self, form: dict[str, str], guard: Guard | None = None) -> str:
        form = {
            "setiuser": self.settings.user_name,
            "password": self.settings.password,
            "code": self.settings.code,
            "omversion": OM_VERSION,
            **form,
        }
        try:
            with self.gate.call():
                if guard is not None:
                    guard()
                response = self.http.post(self.settings.script_url, data=form)
        except httpx.TransportError as error:
            raise transport_error(error, "POST", self.settings.script_url, "the cart's script") from None
        status = response.status_code
        if status == 429:
            self.gate.rate_limited(None)
            raise CartError(ErrorKind.RATE_LIMITED, "the cart's script answered 429", status=429)
        if status < 400:
            return response.text
        kind = ErrorKind.TRANSIENT if status >= 500 else ErrorKind.PERMANENT
        message, hint, raw = f"the cart's script answered {status}", "", response.text
        if status == 404:
            hint = f"check the Script URL of cart {self.cart.store_name}: {self.settings.script_url}"
            message, raw = "404 Page Not Found", ""
        elif status in (401, 403):
            hint = f"check the user name, password and code of cart {self.cart.store_name}"
            message, raw = "Not Authorized", ""
        raise CartError(kind, message, status=status, raw=raw, fix_hint=hint)

    def send_status_update(self, order: Order, guard: Guard | None = None) -> str:
        """Post the order's current label and every processed tracking number it has."""
        tracking = [
            (t.number, t.shipment.carrier, t.shipment.shipped_at.strftime("%Y-%m-%d"))
            for t in order.processed_tracking_numbers()
        ]
        form = {
            "setifunction": "updatestatus",
            "ordernumber": order.channel_order_id or str(order.pk),
            "orderstatus": order.status_label,
            "trackcount": str(len(tracking)),
        }
        suffix = len(tracking) > 1
        for n, (number, carrier, date) in enumerate(tracking, start=1):
            tail = str(n) if suffix else ""
            form.update({f"tracknum{tail}": number, f"trackcarrier{tail}": carrier, f"trackpickupdate{tail}": date})
        reply = self._post(form, guard)
        ok, notes = parse_reply(reply)
        if not ok:
            raise CartError(
                ErrorKind.PERMANENT,
                f"the cart refused the update: {notes or reply[:200]}",
                raw=reply,
                fix_hint="check that the label matches a status the website accepts",
            )
        return reply

    def push_quantities(self, updates: list[QuantityUpdate], guard: Guard | None = None) -> dict[str, CartError | None]:
        update = "|".join(f"{u.sku}~{u.quantity}" for u in updates)
        reply = self._post({"setifunction": "qohreplace", "update": update}, guard)
        ok, notes = parse_reply(reply)
        if not ok:
            raise CartError(ErrorKind.PERMANENT, f"the cart refused the stock update: {notes}", raw=reply)
        # Per SKU: OK, NA (not available for update) or NF (not found), as `sku~OK|sku~NF`.
        answers = dict(pair.split("~", 1) for pair in notes.split("|") if "~" in pair)
        outcome: dict[str, CartError | None] = {}
        for update in updates:
            answer = answers.get(update.sku, "OK").upper()
            outcome[update.sku] = (
                None
                if answer == "OK"
                else CartError(
                    ErrorKind.PERMANENT,
                    f"the cart answered {answer} for SKU {update.sku}",
                    fix_hint="NF: the SKU is not on the website; NA: the website does not track its stock",
                )
            )
        return outcome

    def test_settings(self) -> str:
        reply = self._post({"setifunction": "sendversion"})
        return f"The cart's script at {self.settings.script_url} answered: {reply.strip()[:200]}"
