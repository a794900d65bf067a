"""Cursor pagination: a cursor is the last row's sort key, opaque to clients, so pages never skip or repeat."""

from __future__ import annotations

import base64
import datetime as dt
import json

from django.db.models import Q, QuerySet

from ordermanager.api.problems import Problem


def encode(at: dt.datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), pk]).encode()).decode().rstrip("=")


def after(query: QuerySet, cursor: str | None, column: str) -> QuerySet:
    """Rows after the cursor, in (column, id) order."""
    query = query.order_by(column, "id")
    if not cursor:
        return query
    try:
        at_text, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = dt.datetime.fromisoformat(at_text)
        pk = int(pk)
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        raise Problem(422, "is not a cursor this API gave out; start again without it", field="cursor") from None
    return query.filter(Q(**{f"{column}__gt": at}) | Q(**{column: at, "id__gt": pk}))


def page(query: QuerySet, limit: int, column: str) -> tuple[list, str | None]:
    rows = list(query[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode(getattr(rows[-1], column), rows[-1].pk) if more else None)
