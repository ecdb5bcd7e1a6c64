"""A page's rows written set-based: one statement per table and shape of change.

The planner decides every row (``merge``); this module only moves the decided rows:

- on PostgreSQL each column of a page travels as one array parameter, and one
  ``INSERT … SELECT … FROM unnest(…)`` or ``UPDATE … FROM unnest(…) WHERE id = …`` writes them
  all: a driver ``executemany`` would still run (and the server plan) one statement a row.
  The arrays are sent in binary (``%(name)b``): psycopg's text format quotes every element
  through regular expressions, which cost a quarter of an initial sync's client CPU;
- on SQLite, in process, a prepared statement run by one driver ``executemany`` is already a
  loop in C, so rows go that way (``fastpath.execute_many``).

Values get the same column-type bind processing either way (JSON text, UTC datetimes,
booleans), so the stored rows are the ones row-at-a-time statements store.
"""
from __future__ import annotations

import weakref
from collections.abc import Hashable, Sequence
from typing import Any

import sqlalchemy as sa

from .fastpath import bind_processor, convert, execute_many, prepare

#: dialect → (kind, table, parameter names, constant names) → SQL text.
_SQL: weakref.WeakKeyDictionary[sa.Dialect, dict[Hashable, str]] = weakref.WeakKeyDictionary()


def insert_rows(conn: sa.Connection, table: sa.Table, columns: dict[str, Sequence[Any]],
                constants: dict[str, Any]) -> None:
    """Insert one row per position of ``columns`` (column → values), with ``constants`` shared."""
    if conn.dialect.name == "postgresql":
        _unnest(conn, "insert", table, columns, constants)
        return
    names = tuple(columns)
    insert = prepare(conn, ("insert", table.name, names), lambda: sa.insert(table), table,
                     (*names, *constants))
    execute_many(conn, insert, columns, constants)


def update_rows(conn: sa.Connection, table: sa.Table, columns: dict[str, Sequence[Any]],
                constants: dict[str, Any]) -> None:
    """Update the rows whose ids are ``columns["_id"]``, setting the other columns and constants."""
    if conn.dialect.name == "postgresql":
        _unnest(conn, "update", table, columns, constants)
        return
    names = tuple(columns)
    update = prepare(conn, ("update", table.name, names),
                     lambda: sa.update(table).where(table.c.id == sa.bindparam("_id")),
                     table, (*(n for n in names if n != "_id"), *constants))
    execute_many(conn, update, columns, constants)


def _unnest(conn: sa.Connection, kind: str, table: sa.Table, columns: dict[str, Sequence[Any]],
            constants: dict[str, Any]) -> None:
    dialect = conn.dialect
    params: dict[str, Any] = {}
    for name, values in columns.items():
        processor = bind_processor(dialect, table, name)
        params[name] = convert(processor, values) if processor is not None else list(values)
    for name, value in constants.items():
        processor = bind_processor(dialect, table, name)
        params[name] = processor(value) if processor is not None else value
    key = (kind, table.name, tuple(columns), tuple(constants))
    cache = _SQL.setdefault(dialect, {})
    sql = cache.get(key)
    if sql is None:
        sql = cache[key] = _unnest_sql(dialect, kind, table, tuple(columns), tuple(constants))
    conn.exec_driver_sql(sql, params)


def _unnest_sql(dialect: sa.Dialect, kind: str, table: sa.Table, names: tuple[str, ...],
                constants: tuple[str, ...]) -> str:
    """``INSERT … SELECT FROM unnest`` or ``UPDATE … FROM unnest`` over array parameters."""
    def column(name: str) -> sa.Column:
        return table.c[name.removeprefix("_")]

    arrays = ", ".join(f"%({name})b::{column(name).type.compile(dialect=dialect)}[]"
                       for name in names)
    rows = f"unnest({arrays}) AS v({', '.join(f'c{i}' for i in range(len(names)))})"
    if kind == "insert":
        targets = ", ".join(column(name).name for name in (*names, *constants))
        values = ", ".join([*(f"v.c{i}" for i in range(len(names))),
                            *(f"%({name})s" for name in constants)])
        return f"INSERT INTO {table.name} ({targets}) SELECT {values} FROM {rows}"
    sets = ", ".join([*(f"{column(name).name} = v.c{i}" for i, name in enumerate(names)
                        if name != "_id"),
                      *(f"{column(name).name} = %({name})s" for name in constants)])
    key = f"v.c{names.index('_id')}"
    return f"UPDATE {table.name} SET {sets} FROM {rows} WHERE {table.name}.id = {key}"
