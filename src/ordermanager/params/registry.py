"""The catalogue of system parameters, defined in code.

Values are stored as text and parsed by the parameter's value type, so the operator types what the
original product shows ("True", "7") and a bad value is refused with the rule it broke.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ordermanager.errors import InputError

GROUPS = ("Program", "Shipping", "Order", "Email", "Inventory", "ChannelAdvisor", "Stack")

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class Parameter:
    name: str
    group: str
    value_type: type  # bool, int or str
    default: Any
    description: str
    minimum: int | None = None
    maximum: int | None = None
    per_cart: bool = True

    def parse(self, raw: str) -> Any:
        """Turn the operator's text into a value, or say which rule it broke."""
        text = str(raw).strip()
        if self.value_type is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise InputError(self.name, f"must be True or False, not {text!r}")
        if self.value_type is int:
            try:
                value = int(text)
            except ValueError:
                raise InputError(self.name, f"must be a whole number, not {text!r}") from None
            if self.minimum is not None and value < self.minimum:
                raise InputError(self.name, f"must be at least {self.minimum}, not {value}")
            if self.maximum is not None and value > self.maximum:
                raise InputError(self.name, f"must be at most {self.maximum}, not {value}")
            return value
        if len(text) > 255:
            raise InputError(self.name, "must be at most 255 characters")
        return text

    def render(self, value: Any) -> str:
        if self.value_type is bool:
            return "True" if value else "False"
        return str(value)


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        Parameter(
            "UseStatusUpdates",
            "Program",
            bool,
            False,
            "Turns on status events. When False no event sets a label and nothing is sent to any cart.",
        ),
        Parameter(
            "SynchQOH",
            "Program",
            bool,
            False,
            "Sends stock levels to every cart that has Synchronize Inventory ticked.",
        ),
        Parameter(
            "TrackImportSetActualShipDate",
            "Shipping",
            bool,
            True,
            "When a tracking number is processed, also set the actual ship date of the items in its "
            "package (and of the order once every item has one), firing the ship-date events.",
        ),
        Parameter(
            "SetActualShipDate",
            "Shipping",
            bool,
            False,
            "Set the actual ship date when the pick list is printed. A ship-date event that sets the "
            "same label as the tracking event then leaves the tracking event no label to change, so "
            "no status update is sent: keep this False for ChannelAdvisor.",
        ),
        Parameter(
            "TrackingLookbackDays",
            "Shipping",
            int,
            7,
            "Process Tracking Numbers looks back this many days for unprocessed tracking numbers.",
            minimum=1,
            maximum=365,
            per_cart=False,
        ),
        Parameter(
            "EmailTrackingToCustomer",
            "Email",
            bool,
            False,
            "When a tracking number is processed, e-mail the buyer the order's tracking numbers "
            "(through the stack, with the mail settings in EMAIL_URL).",
        ),
        Parameter(
            "StoreName",
            "Email",
            str,
            "",
            "The store's name as buyers know it, in tracking e-mails and on the order-status page "
            "(empty: the cart's store name).",
        ),
        Parameter(
            "CartRequestsPerMinute",
            "ChannelAdvisor",
            int,
            2000,
            "API calls per minute the stack controller allows itself per cart account "
            "(ChannelAdvisor's limit is 2,000 per profile). It slows down further on every 429.",
            minimum=1,
            maximum=100_000,
        ),
        Parameter(
            "CartConcurrentRequests",
            "ChannelAdvisor",
            int,
            5,
            "API calls in flight at once per cart account (ChannelAdvisor allows 5 per integration).",
            minimum=1,
            maximum=50,
        ),
        Parameter(
            "CartCallDeadlineSeconds",
            "ChannelAdvisor",
            int,
            120,
            "The longest one call to a cart may take, from sending it to the last byte of the answer; "
            "a call that takes longer is given up (an answer dripped slowly never holds a sender).",
            minimum=1,
            maximum=3600,
        ),
        Parameter(
            "CartMaxAnswerMegabytes",
            "ChannelAdvisor",
            int,
            20,
            "The largest answer read from a cart; a bigger one is cut off unread.",
            minimum=1,
            maximum=1024,
        ),
        Parameter(
            "CartMaxPagesPerRun",
            "ChannelAdvisor",
            int,
            1000,
            "The most pages one order import or one Test Settings reads; a cart that keeps offering "
            "next pages is stopped here.",
            minimum=1,
            maximum=1_000_000,
        ),
        Parameter(
            "CartMaxRetryAfterSeconds",
            "ChannelAdvisor",
            int,
            900,
            "The longest Retry-After honoured from a cart (it pauses every sender of the account); a "
            "longer, negative or unreadable one is ignored.",
            minimum=1,
            maximum=86_400,
        ),
        Parameter(
            "StackKeepSentDays",
            "Program",
            int,
            30,
            "Sent stack records older than this are deleted once a day by the stack controller (and by "
            "`ordermanager stack prune`); each order's timeline keeps what they did.",
            minimum=1,
            maximum=36_500,
            per_cart=False,
        ),
        Parameter(
            "OrderImportMinutes",
            "ChannelAdvisor",
            int,
            15,
            "The stack controller imports new orders from each active cart this often; 0 turns it off.",
            minimum=0,
            maximum=1440,
        ),
    ]
}


def get_definition(name: str) -> Parameter:
    """Find a parameter by its exact name, case-insensitively, as the operator may type it."""
    if name in PARAMETERS:
        return PARAMETERS[name]
    for key, definition in PARAMETERS.items():
        if key.lower() == name.lower():
            return definition
    raise InputError("parameter", f"there is no system parameter named {name!r}")
