"""Reads the stack's hot path makes for every record, compiled to SQL once and run again with new values.

Django builds and compiles a queryset anew each time it runs. On the stack's hot path (thousands of
records a minute, one Python process) that cost more CPU than the database did. A `Prepared` read is
built once per thread from stand-in values, its SQL kept, and each run binds the real values in their
places; rows come back as the queryset's values_list would give them (the fields' converters applied).

Only integer and text values can be bound, and only where the queryset passes them to the database as
given (exact matches, not `iexact` or `contains`, which rewrite the value): the compile step checks that
each stand-in appears among the parameters unchanged, and refuses the query otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Stand-ins no real value takes: integers far beyond any id, text with characters no caller sends.
_INT_BASE = 7_300_000_000_000
_TEXT = "\u2042prepared-{n}\u2042"


class Prepared:
    """A values_list read compiled once per thread, run with new integer or text values."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type) -> None:
        if any(kind not in (int, str) for kind in kinds):
            raise TypeError("only int and str values can be bound to a prepared read")
        self._build, self._kinds = build, kinds
        self._local = threading.local()

    def _stand_ins(self) -> list[Any]:
        return [_INT_BASE + n if kind is int else _TEXT.format(n=n) for n, kind in enumerate(self._kinds)]

    def _compiled(self, alias: str) -> tuple[str, list[Any], list[int | None], dict]:
        cache = self._local.__dict__.setdefault("by_alias", {})
        if alias not in cache:
            stand_ins = self._stand_ins()
            compiler = self._build(*stand_ins).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots = [next((n for n, s in enumerate(stand_ins) if type(p) is type(s) and p == s), None) for p in params]
            if sorted({n for n in slots if n is not None}) != list(range(len(stand_ins))):
                raise ValueError(f"a prepared read must pass each value to the database as given: {sql}")
            converters = compiler.get_converters([column for column, _, _ in compiler.select])
            cache[alias] = (sql, list(params), slots, converters)
        return cache[alias]

    def rows(self, *values: Any, using: str = "default") -> list[tuple]:
        sql, params, slots, converters = self._compiled(using)
        bound = [param if slot is None else values[slot] for param, slot in zip(params, slots, strict=True)]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            rows = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            cells = list(row)
            for position, (functions, expression) in converters.items():
                value = cells[position]
                for function in functions:
                    value = function(value, expression, connection)
                cells[position] = value
            converted.append(tuple(cells))
        return converted
