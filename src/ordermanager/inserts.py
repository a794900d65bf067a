"""New rows written without the ORM's per-value compiling: what `save()` and `bulk_create` write, for less CPU.

`bulk_create` compiles each value on its own: the field's `pre_save`, its `get_db_prep_save` chain, and a
placeholder string per value. An import writes about ninety values per order (an order has 35 columns), and
on SQLite that compiling cost twice the INSERT itself: a fifth of the import's CPU. Here each field's step is
worked out once per model. A value of the type its column stores as given (text in a text column, an integer
in an integer column or a foreign key to an integer key, a bool in a boolean) is passed as it is; any other
value goes through the field's own `get_db_prep_save`, as `bulk_create` would pass it.

`insert` writes one row: a row written on every action or delivery. `insert_all` writes many: on SQLite as
rows of values, on PostgreSQL as one array per column (`UNNEST`, as `bulk_create` binds them there: thousands
of values bound one by one cost the server more than a few arrays). What this does not handle (a model with a
parent table, a given primary key, a database default or a generated column) goes to `bulk_create`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, models, router
from django.db.models.fields import NOT_PROVIDED

from ordermanager.guards import check_row

M = TypeVar("M", bound=models.Model)

# The exact field classes (not subclasses, which may store values their own way) whose column takes a value of
# this type as it is, and None as NULL.
_AS_GIVEN: dict[type[models.Field], type] = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.BooleanField: bool,
}
# Exact classes beside those above whose get_db_prep_save gives None for None.
_NULL_AS_GIVEN = (models.DateTimeField, models.DateField, models.DecimalField, models.JSONField)
_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


@dataclass(frozen=True)
class _Plan:
    """How one model's new rows are written on one database, worked out once."""

    table: str
    columns: str
    steps: list[Callable[[models.Model, Any], Any]]  # per column: an instance's value as bound
    arrays: list[str] | None  # PostgreSQL: each column's array type for UNNEST; None where one does not fit


def insert_all(objs: Iterable[M]) -> list[M]:
    """INSERT new instances of one model; each gets its primary key, as `bulk_create(objs)` gives it."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    plan = _plan(model, alias)
    if (
        plan is None
        or (connection.vendor == "postgresql" and plan.arrays is None)
        or any(obj.pk is not None or type(obj) is not model for obj in objs)
    ):
        return model._default_manager.using(alias).bulk_create(objs)
    per_statement = len(objs) if plan.arrays else _rows_per_statement(connection, len(plan.steps))
    pk = model._meta.pk
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            batch = objs[start : start + per_statement]
            rows = []
            for obj in batch:
                # As bulk_create does: a related object saved since this one was built lends it its key (an
                # order's lines are built before the order has one), and an unsaved one is refused.
                obj._prepare_related_fields_for_save(operation_name="bulk_create")
                rows.append([step(obj, connection) for step in plan.steps])
            if plan.arrays:  # one array per column, as bulk_create binds them on PostgreSQL
                cursor.execute(_sql(model, alias, 0), [list(column) for column in zip(*rows, strict=True)])
            else:
                cursor.execute(_sql(model, alias, len(batch)), [value for row in rows for value in row])
            keys = cursor.fetchall()
            for obj, (key,) in zip(batch, keys, strict=True):
                setattr(obj, pk.attname, key)
                obj._state.adding = False
                obj._state.db = alias
    return objs


def insert(row: models.Model, *, unless_taken: bool = False, using: str = "default") -> bool:
    """INSERT one new row, its values prepared as save() prepares them (auto_now_add included), without save()'s
    signals and query building: for rows written on every action or delivery. The row takes its new pk.

    `unless_taken`: ON CONFLICT DO NOTHING (PostgreSQL, SQLite ≥ 3.35), so a unique index that already holds the
    row's key leaves it unwritten, without a savepoint, and the transaction stays usable. Returns whether the row
    was written."""
    check_row(type(row), row)  # the guard save() would run: every value fits its column, on both databases
    plan = _plan(type(row), using)
    if plan is None:
        raise TypeError(
            f"{type(row).__name__} rows need save(): a parent table, a database default or a generated column"
        )
    connection = connections[using]
    row._prepare_related_fields_for_save(operation_name="save")
    with connection.cursor() as cursor:
        cursor.execute(_sql(type(row), using, 1, unless_taken), [step(row, connection) for step in plan.steps])
        written = cursor.fetchone()
    if written is None:
        return False
    row.pk = written[0]
    row._state.adding = False
    row._state.db = using
    return True


@functools.cache
def _sql(model: type[models.Model], using: str, rows: int, unless_taken: bool = False) -> str:
    """The INSERT of `rows` rows of values, or with rows=0 of one array per column (UNNEST)."""
    plan = _plan(model, using)
    assert plan is not None
    if rows:
        row = "(" + ", ".join(["%s"] * len(plan.steps)) + ")"
        source = f"VALUES {', '.join([row] * rows)}"
    else:
        assert plan.arrays is not None
        source = f"SELECT * FROM UNNEST({', '.join(f'(%s)::{kind}[]' for kind in plan.arrays)})"  # noqa: S608 - types from the model
    conflict = " ON CONFLICT DO NOTHING" if unless_taken else ""
    pk = connections[using].ops.quote_name(model._meta.pk.column)
    # Names come from the model and are quoted; values are bound.
    return f"INSERT INTO {plan.table} ({plan.columns}) {source}{conflict} RETURNING {pk}"


def _rows_per_statement(connection: Any, width: int) -> int:
    # SQLite's own limit on bound values (32,766 since 3.32; Django assumes the old 999), and at most 500 rows.
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(500, limit // width))


@functools.cache
def _plan(model: type[models.Model], using: str) -> _Plan | None:
    """None when the model needs bulk_create's own handling."""
    meta = model._meta
    if meta.parents or not isinstance(meta.pk, _INTEGER_KEYS):
        return None
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    if any(f.generated or f.db_default is not NOT_PROVIDED for f in fields):
        return None
    connection = connections[using]
    quote = connection.ops.quote_name
    arrays = None
    if connection.vendor == "postgresql":
        # Django's own test for a column that UNNEST can carry (postgresql/compiler.py), and its array type
        # without a length, so that nothing is cut short on the way (varchar[], not varchar(50)[]).
        kinds = [(f.target_field if f.is_relation else f).get_internal_type() for f in fields]
        if all(not hasattr(f, "get_placeholder") for f in fields) and all(k in connection.data_types for k in kinds):
            arrays = [f.db_type(connection).split("(")[0] for f in fields]
    columns = ", ".join(quote(f.column) for f in fields)
    return _Plan(quote(meta.db_table), columns, [_step(f) for f in fields], arrays)


def _step(field: models.Field) -> Callable[[models.Model, Any], Any]:
    attname, prepare = field.attname, field.get_db_prep_save
    given = _AS_GIVEN.get(type(field))
    if type(field) is models.ForeignKey and isinstance(field.target_field, _INTEGER_KEYS):
        given = int
    null_as_given = type(field) in _NULL_AS_GIVEN or given is not None
    plain_read = type(field).pre_save is models.Field.pre_save or (
        isinstance(field, models.DateField) and not (field.auto_now or field.auto_now_add)
    )

    def step(obj: models.Model, connection: Any) -> Any:
        # pre_save as bulk_create calls it: it is what stamps an auto_now_add column.
        value = getattr(obj, attname) if plain_read else field.pre_save(obj, True)
        if (value is None and null_as_given) or (given is not None and type(value) is given):
            return value
        return prepare(value, connection)

    return step
