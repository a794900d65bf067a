"""Keyset ("seek") pagination on the primary key, newest first: no OFFSET and no COUNT(*), so page 20,000 of a
million orders costs what page 1 costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list[Any]
    newer: str | None  # the query string of the previous (newer) page, or None on the first
    older: str | None  # the query string of the next (older) page, or None on the last


def _link(params: QueryDict, **cursor: int) -> str:
    query = params.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    for key, value in cursor.items():
        query[key] = str(value)
    return "?" + query.urlencode()


def _cursor(params: QueryDict, key: str) -> int | None:
    text = params.get(key, "")
    return int(text) if text.isdigit() else None


def seek(query: QuerySet, params: QueryDict, size: int = PAGE_SIZE) -> Page:
    """One page of `query` by descending id. `?after=N` reads ids below N; `?before=N` ids above N."""
    after, before = _cursor(params, "after"), _cursor(params, "before")
    if before is not None:
        rows = list(query.filter(pk__gt=before).order_by("pk")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        more_older = True
    else:
        if after is not None:
            query = query.filter(pk__lt=after)
        rows = list(query.order_by("-pk")[: size + 1])
        more_older = len(rows) > size
        rows = rows[:size]
        more_newer = after is not None
    if not rows:
        return Page(rows, _link(params) if (after or before) else None, None)
    return Page(
        rows,
        _link(params, before=rows[0].pk) if more_newer else None,
        _link(params, after=rows[-1].pk) if more_older else None,
    )
