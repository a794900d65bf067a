"""The last check before a row is written: every value fits its column.

Actions check their input and say so in the operator's words; this guard covers every other path (the admin,
the API, importers, a future screen) so that PostgreSQL never answers with DataError and SQLite never keeps
a value that PostgreSQL would refuse. It raises the same InputError, naming the field.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.signals import pre_save

from ordermanager.errors import InputError

PRODUCT_APPS = ("ordermanager",)


def check_value(field: models.Field, value: Any) -> None:
    """Raise InputError when `value` cannot be stored in `field`'s column."""
    _check(field, _limits(field), value)


def _limits(field: models.Field) -> tuple[int, int] | None:
    # The standard ranges (PostgreSQL's), also on SQLite, which would keep what PostgreSQL refuses.
    return BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type())


def _check(field: models.Field, limits: tuple[int, int] | None, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError(field.name, "must not contain a NUL character")
        if field.max_length and len(value) > field.max_length:
            raise InputError(field.name, f"is at most {field.max_length:,} characters; {len(value):,} given")
    if limits and isinstance(value, int) and not limits[0] <= value <= limits[1]:
        raise InputError(field.name, f"must be between {limits[0]:,} and {limits[1]:,}")


def check_row(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    for field, limits in _columns(sender):
        _check(field, limits, getattr(instance, field.attname, None))


@functools.cache
def _columns(model: type[models.Model]) -> tuple[tuple[models.Field, tuple[int, int] | None], ...]:
    """The model's columns with their ranges, worked out once: a batch of rows checks many at a time."""
    if not model.__module__.startswith(PRODUCT_APPS):
        return ()
    return tuple((field, _limits(field)) for field in model._meta.concrete_fields if not field.primary_key)


def connect() -> None:
    pre_save.connect(check_row, dispatch_uid="ordermanager.guards.check_row")
