"""The shapes of ChannelAdvisor's answers. Nothing from the API is used before it passes one of these.

Only what the order manager reads is declared; other fields pass unchecked. Text that ChannelAdvisor
documents as text may arrive as a number from some channels: it is taken as text. Identifiers,
quantities, money and dates must be what they say, or the answer (or the one order) is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr, ValidationError

# ChannelAdvisor's IDs are Int32 or Int64 numbers; a string or a boolean there is a broken answer.
Id = Annotated[StrictInt, Field(ge=0)]


def parse_time(value: Any) -> dt.datetime | None:
    """ChannelAdvisor sends up to 7 fractional digits, which Python's parser does not take."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("a date must be text like 2026-11-27T15:30:00Z")
    text = value.replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("a date must look like 2026-11-27T15:30:00Z") from None
    # The API documents every date as UTC; a date without an offset is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


UtcTime = Annotated[dt.datetime | None, BeforeValidator(parse_time)]
Money = Annotated[Decimal | None, Field(allow_inf_nan=False)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


class TokenAnswer(_Shape):
    access_token: StrictStr = Field(min_length=1, max_length=8000)
    expires_in: float = Field(default=3600.0, gt=0, le=30 * 86400)


class Page(_Shape):
    value: list[dict[str, Any]]
    next_link: StrictStr | None = Field(default=None, alias="@odata.nextLink")


class Counted(_Shape):
    count: Id | None = Field(default=None, alias="@odata.count")


class Profile(_Shape):
    ID: Id
    DefaultDistributionCenterID: Id | None = None


class DistributionCenter(_Shape):
    ID: Id
    ProfileID: Id | None = None
    IsDeleted: bool = False
    IsExternallyManaged: bool = False
    Type: str | None = None


class ProductId(_Shape):
    ID: Id


class FulfillmentItem(_Shape):
    OrderItemID: Id
    Sku: str | None = None
    Quantity: int = Field(default=0, ge=0)


class Fulfillment(_Shape):
    ID: Id
    TrackingNumber: str | None = None
    ShippingCarrier: str | None = None
    ShippingClass: str | None = None
    SellerFulfillmentID: str | None = None
    DeliveryStatus: str | None = None
    ShippedDateUtc: UtcTime = None
    Items: list[FulfillmentItem] | None = None


class OrderItem(_Shape):
    ID: Id
    Sku: str | None = None
    SKU: str | None = None
    Title: str | None = None
    Quantity: int = Field(ge=0)
    UnitPrice: Money = None


class Order(_Shape):
    ID: Id
    ProfileID: Id | None = None
    CreatedDateUtc: UtcTime = None
    TotalPrice: Money = None
    Items: list[OrderItem] | None = None
    Fulfillments: list[Fulfillment] | None = None


class ErrorBody(_Shape):
    """ChannelAdvisor answers errors in two formats: OData `error.message` and Web API `Message`."""

    error: dict[str, Any] | str | None = None
    Message: str | None = None

    @property
    def text(self) -> str:
        if isinstance(self.error, dict) and self.error.get("message"):
            return str(self.error["message"])
        return self.error if isinstance(self.error, str) else (self.Message or "")


S = TypeVar("S", bound=BaseModel)


class BadAnswer(Exception):
    """An answer that is not what the API documents; the message names what and where in it."""


def describe(error: ValidationError) -> str:
    """The first problem or two of a validation, in one line: the field, the rule, what came."""
    parts = []
    for problem in error.errors()[:2]:
        where = ".".join(str(p) for p in problem["loc"]) or "the answer"
        got = repr(problem.get("input"))
        parts.append(f"{where}: {problem['msg'].removeprefix('Value error, ')} (got {got[:60]})")
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise BadAnswer("the answer is not JSON") from None


def check(shape: type[S], data: Any) -> S:
    """`data` as `shape`, or BadAnswer naming the field and the rule broken."""
    if not isinstance(data, dict):
        raise BadAnswer(f"the answer is a JSON {type(data).__name__}, not an object")
    try:
        return shape.model_validate(data)
    except ValidationError as error:
        raise BadAnswer(describe(error)) from None


def error_text(body: bytes) -> str:
    """What an error answer says, in either of ChannelAdvisor's formats, or its first bytes as text."""
    try:
        data = json.loads(body)
        found = ErrorBody.model_validate(data).text if isinstance(data, dict) else ""
    except (ValueError, RecursionError, ValidationError):
        found = ""
    return found or " ".join(body[:500].decode("utf-8", "replace").split())
