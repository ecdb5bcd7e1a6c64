"""Hot-path statement execution: Core statements compiled once per dialect, run on driver values.

A merge page reads and writes a few thousand rows through a handful of statements. SQLAlchemy
Core's ``execute`` regenerates each statement's cache key, rebuilds a parameter dict and runs
type processors per row and per value, which costs more than SQLite itself at this volume (see
``bench/merge_bench.py``). Here:

- a statement is built and compiled once per dialect and cache key (``prepare``), so its SQL
  text, parameter order and type processors are looked up, not recomputed, on every page;
- values are bound as parameters through the driver (``exec_driver_sql``, so statement events
  and logging still see every statement), after the same column-type processors Core applies
  (JSON, UTC datetimes and booleans are stored and read exactly as SQLAlchemy does);
- processors run column by column, memoised within one call: a page's rows repeat a handful of
  timestamps, JSON documents and booleans, so most values are converted once per page.

Rows come back as tuples in the statement's column order; converted values may be shared by
rows of one call (equal inputs give the same object), so callers copy dicts before changing them.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

Processor = Callable[[Any], Any]
CHUNK = 500  # values per IN list: well under every driver's parameter limit
KEYS = "_keys"  # the bind parameter ``select_in`` fills with a chunk of lookup values


@dataclass(frozen=True, slots=True)
class Prepared:
    """A compiled statement: SQL text, parameter order, and the processors its values need."""

    compiled: sa.engine.Compiled
    sql: str
    order: tuple[str, ...] | None  # positional parameter names; None for named parameters
    binds: dict[str, Processor]  # parameter name → bind processor (only where one is needed)
    results: tuple[tuple[int, Processor], ...]  # result column index → result processor


#: dialect → cache key → prepared statement. Weak keys: a disposed engine's entries go with it.
_PREPARED: weakref.WeakKeyDictionary[sa.Dialect, dict[Hashable, Prepared]] = \
    weakref.WeakKeyDictionary()


def _bind_processor(dialect: sa.Dialect, table: sa.Table | None, name: str) -> Processor | None:
    column = table.c.get(name.removeprefix("_")) if table is not None else None
    return None if column is None else column.type.dialect_impl(dialect).bind_processor(dialect)


def prepare(conn: sa.Connection, key: Hashable, build: Callable[[], Any],
            table: sa.Table | None = None, column_keys: Sequence[str] | None = None) -> Prepared:
    """The statement ``build()`` returns, compiled once for this connection's dialect.

    ``key`` must identify everything ``build`` varies on. Parameters named after a column of
    ``table`` (``_id`` → ``id``) get that column's bind processor; ``column_keys`` are the
    columns an INSERT/UPDATE sets, as ``Compiled`` expects them.
    """
    dialect = conn.dialect
    cache = _PREPARED.setdefault(dialect, {})
    prepared = cache.get(key)
    if prepared is None:
        stmt = build()
        compiled = stmt.compile(dialect=dialect, column_keys=column_keys)
        order = tuple(compiled.positiontup) if compiled.positional else None
        binds = {name: p for name in compiled.bind_names.values()
                 if (p := _bind_processor(dialect, table, name)) is not None}
        results = ()
        if isinstance(stmt, sa.Select):
            results = tuple((i, p) for i, column in enumerate(stmt.selected_columns)
                            if (p := column.type.dialect_impl(dialect)
                                .result_processor(dialect, None)) is not None)
        prepared = cache[key] = Prepared(compiled, str(compiled), order, binds, results)
    return prepared


class _Memo(dict):
    """Processor results by input value, computed on first use."""

    def __init__(self, processor: Processor) -> None:
        super().__init__()
        self.processor = processor

    def __missing__(self, value: Any) -> Any:
        result = self.processor(value)
        if not _nested(result):  # a shared nested container could be changed through one row
            self[value] = result
        return result


def _nested(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return False
    return any(isinstance(item, (dict, list)) for item in value)


def convert(processor: Processor, values: Iterable[Any]) -> list[Any]:
    """``processor`` applied to every value; each distinct (hashable) value converted once."""
    values = list(values)
    try:
        return list(map(_Memo(processor).__getitem__, values))
    except TypeError:  # unhashable inputs (dicts to serialise as JSON): convert each one
        return list(map(processor, values))


def chunked(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` values."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def in_keys(conn: sa.Connection, stmt: sa.Select, column: sa.ColumnElement) -> sa.Select:
    """``stmt`` filtered by ``column`` being one of the values bound to ``KEYS``."""
    if conn.dialect.name == "postgresql":
        # One array parameter: psycopg prepares repeated statements, and a generic plan for
        # a 500-placeholder IN list scans whole tables; "= ANY(array)" keeps index scans.
        return stmt.where(column == sa.any_(sa.bindparam(KEYS, type_=ARRAY(column.type))))
    return stmt.where(column.in_(sa.bindparam(KEYS, expanding=True)))


def fetch_in(conn: sa.Connection, prepared: Prepared, values: Iterable[Any],
             params: dict[str, Any] | None = None) -> list[tuple]:
    """Rows of a prepared ``in_keys`` select for the distinct non-None ``values``, chunked.

    ``params`` and the lookup values are plain ``int``/``str`` values (no bind processing).
    """
    unique = list(dict.fromkeys(v for v in values if v is not None))
    rows: list[tuple] = []
    for chunk in chunked(unique):
        state = prepared.compiled.construct_expanded_state({**(params or {}), KEYS: list(chunk)})
        args = state.positional_parameters if prepared.order is not None else state.parameters
        result = conn.exec_driver_sql(state.statement, args)
        try:
            rows.extend(result.cursor.fetchall())
        finally:
            result.close()
    return convert_rows(rows, prepared.results)


def fetch(conn: sa.Connection, prepared: Prepared, params: dict[str, Any]) -> list[tuple]:
    """Rows of a prepared select without expanding parameters (plain values, as above)."""
    args = (tuple(params[name] for name in prepared.order) if prepared.order is not None
            else params)
    result = conn.exec_driver_sql(prepared.sql, args)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return convert_rows(rows, prepared.results)


def convert_rows(rows: list[tuple], processors: Sequence[tuple[int, Processor]]) -> list[tuple]:
    """Rows with the result processors applied column by column."""
    if not rows or not processors:
        return rows
    columns: list[Any] = list(zip(*rows))
    for index, processor in processors:
        columns[index] = convert(processor, columns[index])
    return list(zip(*columns))


def execute_many(conn: sa.Connection, prepared: Prepared, names: Sequence[str],
                 rows: Sequence[Sequence[Any]], constants: dict[str, Any] | None = None) -> None:
    """Run a prepared INSERT/UPDATE once per row with one driver ``executemany``.

    ``rows`` hold values in ``names`` order; ``constants`` are values every row shares
    (``updated_at``…), converted once.
    """
    if not rows:
        return
    columns: dict[str, Any] = dict(zip(names, zip(*rows)))
    for name, values in columns.items():
        processor = prepared.binds.get(name)
        if processor is not None:
            columns[name] = convert(processor, values)
    for name, value in (constants or {}).items():
        processor = prepared.binds.get(name)
        columns[name] = repeat(processor(value) if processor is not None else value)
    if prepared.order is not None:
        params: list[Any] = list(zip(*(columns[name] for name in prepared.order)))
    else:
        keys = tuple(columns)
        params = [dict(zip(keys, values)) for values in zip(*columns.values())]
    conn.exec_driver_sql(prepared.sql, params)
