"""Hot-path statement execution: Core statements compiled once, run on driver-level values.

A merge page reads and writes a few thousand rows through a handful of statements. SQLAlchemy
Core's ``execute`` rebuilds a parameter dict and runs type processors per row and per result
value, which costs more than SQLite itself at this volume (see ``bench/merge_bench.py``). Here a
statement is compiled once per call, values go through the same column-type processors the
ORM would use (so JSON and UTC datetimes are stored exactly as SQLAlchemy stores them), and
the driver's ``executemany``/``fetchall`` do the rest — inside the caller's transaction.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any] | None


def _column_for(table: sa.Table, name: str) -> sa.Column | None:
    return table.c.get(name.removeprefix("_"))


def bind_processors(dialect: sa.Dialect, table: sa.Table, names: Sequence[str]) -> list[Processor]:
    """The bind processor of each named column (``_id`` → ``id``); None where none is needed."""
    processors: list[Processor] = []
    for name in names:
        column = _column_for(table, name)
        processors.append(None if column is None
                          else column.type.dialect_impl(dialect).bind_processor(dialect))
    return processors


def execute_many(conn: sa.Connection, stmt: sa.Insert | sa.Update, table: sa.Table,
                 rows: Sequence[dict[str, Any]], constants: dict[str, Any] | None = None) -> None:
    """Run ``stmt`` once per row with one driver ``executemany``; rows share the same keys.

    ``constants`` hold values every row shares (``updated_at``…): converted once, not per row.
    The row dicts are consumed: their values are replaced by driver values in place.
    """
    if not rows:
        return
    constants = constants or {}
    keys = list(rows[0])
    compiled = stmt.compile(dialect=conn.dialect,
                            column_keys=[n for n in (*keys, *constants) if not n.startswith("_")])
    fixed = {name: (p(value) if p else value) for name, value, p in zip(
        constants, constants.values(), bind_processors(conn.dialect, table, list(constants)))}
    converting = [(name, p) for name, p in zip(keys, bind_processors(conn.dialect, table, keys))
                  if p is not None]
    for row in rows:
        for name, processor in converting:
            row[name] = processor(row[name])
        row.update(fixed)
    if compiled.positional:
        order = list(compiled.positiontup)
        getter = operator.itemgetter(*order)
        params: list[Any] = ([getter(row) for row in rows] if len(order) > 1
                             else [(getter(row),) for row in rows])
    else:
        params = list(rows)
    conn.exec_driver_sql(str(compiled), params)


def select_rows(conn: sa.Connection, stmt: sa.Select,
                params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of ``stmt`` as dicts keyed by column label, values converted like Core would.

    The statement goes through Core (so its compiled form is cached and expanding ``IN``
    parameters are rendered by SQLAlchemy); rows are read straight from the driver cursor.
    """
    labels = [column.key for column in stmt.selected_columns]
    converters = []
    for label, column in zip(labels, stmt.selected_columns):
        processor = column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
        if processor is not None:
            converters.append((label, processor))
    result = conn.execute(stmt, params or {})
    try:
        rows = [dict(zip(labels, row)) for row in result.cursor.fetchall()]
    finally:
        result.close()
    for row in rows:
        for label, processor in converters:
            row[label] = processor(row[label])
    return rows
