"""A page's rows written set-based: one statement per table and shape of change.

The planner decides every row (``merge``); this module only moves the decided rows:

- on PostgreSQL new rows are sent by one binary ``COPY … FROM STDIN`` per table: the server
  inserts them a heap page at a time (one WAL record a page, not one a row) and parses no
  array or cast, and the client streams rows while the server already inserts them (100,000
  new people and their links: 2.5–2.7 s → 1.9–2.0 s, client and server, against one
  ``INSERT … SELECT … FROM unnest(…)`` a table). COPY is not a statement SQLAlchemy runs, so
  statement events and echo logging do not see it; its errors are raised as SQLAlchemy's.
  Changed rows travel as one array parameter a column, and one
  ``UPDATE … FROM unnest(…) WHERE id = …`` writes them all: a driver ``executemany`` would
  still run (and the server plan) one statement a row. The arrays are sent in binary
  (``%(name)b``): psycopg's text format quotes every element through regular expressions,
  which cost a quarter of an initial sync's client CPU. JSON documents arrive as text
  (``fastpath.bind_processor``), sent as ``jsonb`` by COPY and as text arrays cast by UPDATEs;
- on SQLite, in process, a prepared statement run by one driver ``executemany`` is already a
  loop in C, so rows go that way (``fastpath.execute_many``).

Values get the same column-type bind processing either way (JSON text, UTC datetimes,
booleans), so the stored rows are the ones row-at-a-time statements store.
"""
from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Hashable, Sequence
from itertools import repeat
from typing import Any

import sqlalchemy as sa

from .fastpath import bind_processor, convert, execute_many, prepare

#: dialect → (table, parameter names, constant names) → UPDATE text.
_SQL: weakref.WeakKeyDictionary[sa.Dialect, dict[Hashable, str]] = weakref.WeakKeyDictionary()


def insert_rows(conn: sa.Connection, table: sa.Table, columns: dict[str, Sequence[Any]],
                constants: dict[str, Any]) -> None:
    """Insert one row per position of ``columns`` (column → values), with ``constants`` shared."""
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, constants)
        return
    names = tuple(columns)
    insert = prepare(conn, ("insert", table.name, names), lambda: sa.insert(table), table,
                     (*names, *constants))
    execute_many(conn, insert, columns, constants)


def update_rows(conn: sa.Connection, table: sa.Table, columns: dict[str, Sequence[Any]],
                constants: dict[str, Any]) -> None:
    """Update the rows whose ids are ``columns["_id"]``, setting the other columns and constants."""
    if conn.dialect.name == "postgresql":
        _update_from_unnest(conn, table, columns, constants)
        return
    names = tuple(columns)
    update = prepare(conn, ("update", table.name, names),
                     lambda: sa.update(table).where(table.c.id == sa.bindparam("_id")),
                     table, (*(n for n in names if n != "_id"), *constants))
    execute_many(conn, update, columns, constants)


def _copy(conn: sa.Connection, table: sa.Table, columns: dict[str, Sequence[Any]],
          constants: dict[str, Any]) -> None:
    """Insert the rows with one binary ``COPY`` (see the module docstring)."""
    dialect = conn.dialect
    values: list[Any] = []
    for name, column in columns.items():
        processor = bind_processor(dialect, table, name)
        values.append(convert(processor, column) if processor is not None else column)
    count = len(values[0]) if values else 0
    for name, value in constants.items():
        processor = bind_processor(dialect, table, name)
        values.append(repeat(processor(value) if processor is not None else value, count))
    names = (*columns, *constants)
    sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    driver = conn.connection.driver_connection
    try:
        with driver.cursor() as cursor:
            cursor.adapters.register_dumper(_JsonText, _jsonb_text_dumper())  # jsonb from text
            with cursor.copy(sql) as copy:
                copy.set_types([_type_name(dialect, table.c[name]) for name in names])
                write_row = copy.write_row
                for row in zip(*values):
                    write_row(row)
    except dialect.loaded_dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error,
                                         dialect=dialect) from error


class _JsonText(str):
    """JSON text (``fastpath`` encodes documents); a name for the dumper below, never built."""


@functools.cache
def _jsonb_text_dumper() -> type:
    """A binary ``jsonb`` dumper for JSON text: psycopg's own encodes a Python value."""
    from psycopg.adapt import Dumper  # PostgreSQL's driver: the ``postgres`` extra
    from psycopg.postgres import types
    from psycopg.pq import Format

    class JsonbTextDumper(Dumper):
        format = Format.BINARY
        oid = types["jsonb"].oid

        def dump(self, obj: str) -> bytes:
            return b"\x01" + obj.encode()  # jsonb's binary format: version 1, then the text

    return JsonbTextDumper


def _type_name(dialect: sa.Dialect, column: sa.Column) -> str:
    """The PostgreSQL type name of a column, as psycopg's type registry knows it."""
    return re.sub(r"\(.*\)", "", column.type.compile(dialect=dialect)).lower()


def _update_from_unnest(conn: sa.Connection, table: sa.Table, columns: dict[str, Sequence[Any]],
                        constants: dict[str, Any]) -> None:
    dialect = conn.dialect
    params: dict[str, Any] = {}
    for name, values in columns.items():
        processor = bind_processor(dialect, table, name)
        params[name] = convert(processor, values) if processor is not None else list(values)
    for name, value in constants.items():
        processor = bind_processor(dialect, table, name)
        params[name] = processor(value) if processor is not None else value
    key = (table.name, tuple(columns), tuple(constants))
    cache = _SQL.setdefault(dialect, {})
    sql = cache.get(key)
    if sql is None:
        sql = cache[key] = _update_sql(dialect, table, tuple(columns), tuple(constants))
    conn.exec_driver_sql(sql, params)


def _update_sql(dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...],
                constants: tuple[str, ...]) -> str:
    """``UPDATE … FROM unnest`` over array parameters (``_id`` names the rows)."""
    def column(name: str) -> sa.Column:
        return table.c[name.removeprefix("_")]

    arrays = ", ".join(f"%({name})b::{column(name).type.compile(dialect=dialect)}[]"
                       for name in names)
    rows = f"unnest({arrays}) AS v({', '.join(f'c{i}' for i in range(len(names)))})"
    sets = ", ".join([*(f"{column(name).name} = v.c{i}" for i, name in enumerate(names)
                        if name != "_id"),
                      *(f"{column(name).name} = %({name})s" for name in constants)])
    key = f"v.c{names.index('_id')}"
    return f"UPDATE {table.name} SET {sets} FROM {rows} WHERE {table.name}.id = {key}"
