"""Reads the stack's hot path makes for every record, compiled to SQL once and run again with new values.

Django builds and compiles a queryset anew each time it runs. On the stack's hot path (thousands of
records a minute, one Python process) that cost more CPU than the database did. A `Prepared` read is
built once per thread from stand-in values, its SQL kept, and each run binds the real values in their
places; rows come back as the queryset's values_list would give them (the fields' converters applied).

Integers, text and datetimes can be bound, only where the queryset passes them to the database as given
(exact matches and comparisons, not `iexact` or `contains`, which rewrite the value); a datetime is adapted
as a DateTimeField adapts it. The compile step checks that each stand-in appears among the parameters, and
refuses the query otherwise. The query's own constants (a state, a kind) are written into the SQL rather than
bound, so that a partial index whose WHERE names them can serve it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.subqueries import UpdateQuery

# Stand-ins no real value takes: integers far beyond any id, text with characters no caller sends.
_INT_BASE = 7_300_000_000_000
_TEXT = "\u2042prepared-{n}\u2042"
_MOMENT = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
KINDS = (int, float, str, dt.datetime)


class Prepared:
    """A read compiled once per thread, run with new integer, text or datetime values: rows of values, or (for a
    queryset of whole rows of its model, without select_related) the model's instances."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type) -> None:
        if any(kind not in KINDS for kind in kinds):
            raise TypeError("only int, float, str and datetime values can be bound to a prepared query")
        self._build, self._kinds = build, kinds
        self._local = threading.local()

    def _stand_ins(self) -> list[Any]:
        made = {
            int: lambda n: _INT_BASE + n,
            float: lambda n: _INT_BASE + n + 0.25,
            str: lambda n: _TEXT.format(n=n),
            dt.datetime: lambda n: _MOMENT.replace(microsecond=n),
        }
        return [made[kind](n) for n, kind in enumerate(self._kinds)]

    def _adapt(self, values: tuple, connection: Any) -> list[Any]:
        return [
            connection.ops.adapt_datetimefield_value(value) if kind is dt.datetime else value
            for value, kind in zip(values, self._kinds, strict=True)
        ]

    def _compiler(self, alias: str, stand_ins: list[Any]) -> SQLCompiler:
        return self._build(*stand_ins).query.get_compiler(using=alias)

    def _execute(self, values: tuple, using: str, suffix: str = "") -> tuple[Any, dict]:
        sql, params, slots, converters, _ = self._compiled(using)
        connection = connections[using]
        adapted = self._adapt(values, connection)
        bound = [param if slot is None else adapted[slot] for param, slot in zip(params, slots, strict=True)]
        cursor = connection.cursor()
        cursor.execute(sql + suffix, bound)
        return cursor, converters

    def _compiled(self, alias: str) -> tuple[str, list[Any], list[int | None], dict, list[str]]:
        cache = self._local.__dict__.setdefault("by_alias", {})
        if alias not in cache:
            stand_ins = self._stand_ins()
            compiler = self._compiler(alias, stand_ins)
            sql, params = compiler.as_sql()
            adapted = self._adapt(tuple(stand_ins), connections[alias])
            slots = [next((n for n, s in enumerate(adapted) if type(p) is type(s) and p == s), None) for p in params]
            if sorted({n for n in slots if n is not None}) != list(range(len(stand_ins))):
                raise ValueError(f"a prepared read must pass each value to the database as given: {sql}")
            columns = [column for column, _, _ in getattr(compiler, "select", None) or ()]
            names = [getattr(getattr(column, "target", None), "attname", "") for column in columns]
            sql, params, slots = _constants_written_in(sql, list(params), slots)
            cache[alias] = (sql, params, slots, compiler.get_converters(columns), names)
        return cache[alias]

    def rows(self, *values: Any, using: str = "default") -> list[tuple]:
        cursor, converters = self._execute(values, using)
        with cursor:
            rows = cursor.fetchall()
        connection = connections[using]
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

    def instances(self, model: type[Model], *values: Any, using: str = "default") -> list[Model]:
        """The rows as instances of `model`, as the queryset would load them (its columns are the model's)."""
        rows = self.rows(*values, using=using)
        names = self._compiled(using)[4]
        if not all(names):
            raise ValueError(f"a prepared read of {model.__name__} instances must select only its fields")
        return [model.from_db(using, names, row) for row in rows]


class PreparedUpdate(Prepared):
    """An UPDATE compiled once per thread: `build` returns the queryset to update and the new values, as
    `queryset.update(**values)` takes them."""

    def __init__(self, build: Callable[..., tuple[QuerySet, dict[str, Any]]], *kinds: type) -> None:
        super().__init__(build, *kinds)  # type: ignore[arg-type]

    def _compiler(self, alias: str, stand_ins: list[Any]) -> SQLCompiler:
        queryset, values = self._build(*stand_ins)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(values)
        return query.get_compiler(using=alias)

    def run(self, *values: Any, using: str = "default") -> int:
        """The number of rows updated."""
        cursor, _ = self._execute(values, using)
        with cursor:
            return cursor.rowcount

    @functools.cached_property
    def _pk_column(self) -> str:
        return self._build(*self._stand_ins())[0].model._meta.pk.column

    def returning(self, *values: Any, using: str = "default") -> list[Any]:
        """The primary keys of the rows updated (UPDATE … RETURNING: PostgreSQL, and SQLite ≥ 3.35, as the
        product needs already): a batch learns which of its rows the UPDATE took without reading them first."""
        cursor, _ = self._execute(values, using, f" RETURNING {connections[using].ops.quote_name(self._pk_column)}")
        with cursor:
            return [row[0] for row in cursor.fetchall()]


def _literal(value: Any) -> str | None:
    """A constant as an SQL literal, or None to leave it bound (only plain text and integers are written in)."""
    if isinstance(value, str) and "\x00" not in value:
        return "'" + str.replace(value, "'", "''").replace("%", "%%") + "'"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    return None


def _constants_written_in(sql: str, params: list[Any], slots: list[int | None]) -> tuple[str, list, list]:
    """The query's constants (a state, a kind) written into its SQL; only the caller's values stay bound.

    A partial index (`WHERE state IN ('pending', 'retry')`) serves only a query whose SQL says the same: the
    planner cannot see a bound value, and SQLite then sorts the whole backlog on each claim instead of reading
    the few rows it takes."""
    pieces = re.split(r"(%%|%s)", sql)
    kept_params: list[Any] = []
    kept_slots: list[int | None] = []
    position = 0
    for n, piece in enumerate(pieces):
        if piece != "%s":
            continue
        param, slot = params[position], slots[position]
        position += 1
        literal = _literal(param) if slot is None else None
        if literal is None:
            kept_params.append(param)
            kept_slots.append(slot)
        else:
            pieces[n] = literal
    assert position == len(params), "every parameter has its placeholder"
    return "".join(pieces), kept_params, kept_slots
