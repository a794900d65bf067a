"""What the API takes and gives, as schemas: ninja validates both and writes them into the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from ninja import Field, Path, Schema
from pydantic import BeforeValidator, ConfigDict

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_text(value: object) -> object:
    # pydantic would also read a number as seconds since 1970; a date here is ISO 8601 text, nothing else.
    if value is not None and not (isinstance(value, str) and _ISO.match(value)):
        raise ValueError("must be an ISO 8601 date or date-time, like 2026-11-27 or 2026-11-27T15:30:00Z")
    return value


IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_text)]
IsoDateOrDateTime = Annotated[dt.datetime | dt.date, BeforeValidator(_iso_text)]

# Numbers in paths: positive, and small enough for a 64-bit column and a JSON number.
Id = Annotated[int, Path(ge=1, le=2**53 - 1)]


class ItemOut(Schema):
    id: int
    sku: str
    title: str
    quantity: int
    quantity_cancelled: int
    quantity_shipped: int
    status_label: str
    expected_ship_date: dt.date | None
    actual_ship_date: dt.date | None


class PackageLineOut(Schema):
    sku: str
    quantity: int


class TrackingOut(Schema):
    number: str
    processed: bool
    shared: bool


class PackageOut(Schema):
    id: int
    order: int
    carrier: str
    shipping_class: str = Field(alias="class")
    shipped_at: dt.datetime
    delivered_to_cart_at: dt.datetime | None
    items: list[PackageLineOut]
    tracking_numbers: list[TrackingOut]
    warnings: list[str] = []

    model_config = ConfigDict(populate_by_name=True)


class TimelineOut(Schema):
    at: dt.datetime
    kind: str
    actor: str
    message: str


class OrderOut(Schema):
    number: int
    cart: str | None
    channel_order_id: str
    marketplace_order_id: str
    status_label: str
    shipping_status: str
    payment_status: str
    ordered_at: dt.datetime | None
    updated_at: dt.datetime


class OrderDetailOut(OrderOut):
    buyer_name: str
    items: list[ItemOut]
    packages: list[PackageOut]
    labels: list[str]
    timeline: list[TimelineOut]


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class PackageItemIn(Schema):
    sku: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=100_000)


class TrackingIn(Schema):
    tracking_number: str = Field(min_length=1, max_length=64)
    carrier: str = Field(min_length=1, max_length=64)
    shipping_class: str = Field("", alias="class", max_length=64)
    ship_date: IsoDateOrDateTime | None = Field(None, description="When it shipped; default now.")
    items: list[PackageItemIn] | None = Field(None, max_length=500, description="Omit for the whole order.")
    shared: bool = Field(False, description="One box carries several orders: the number may be on others.")

    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class StackCountsOut(Schema):
    on_stack: int
    problems: int
    oldest_waiting_seconds: float | None
    controllers_running: int
    by_cart: dict[str, dict[str, int]]


class StackRecordOut(Schema):
    id: int
    kind: str
    state: str
    cart: str | None
    order: int | None
    attempts: int
    last_error: str
    fix_hint: str
    created_at: dt.datetime
    updated_at: dt.datetime
    sent_at: dt.datetime | None


class StackRecordPage(Schema):
    items: list[StackRecordOut]
    next_cursor: str | None


class RetryOut(Schema):
    retried: list[int]
