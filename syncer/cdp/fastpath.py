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
  timestamps, JSON documents and booleans, so most values are converted once per page; JSON
  documents to write are encoded by one reused encoder (same text as ``json.dumps``), and on
  PostgreSQL documents read come as text, each distinct one decoded once (``_read_processors``).

While a page is loaded, planned and written, the cyclic garbage collector is paused
(``gc_paused``): the page's snapshots, links and outcomes live for the whole page, so every
collection would traverse them again and then promote them to the oldest generation, which
triggers full collections of the whole heap every few thousand records — about a fifth of
the merge time. Reference counting still frees everything as usual; the page builds no
reference cycles, and any a caller builds are collected once the pause ends.

Rows come back as tuples in the statement's column order; converted values may be shared by
rows of one call (equal inputs give the same object), so callers copy dicts before changing them.
"""
from __future__ import annotations

import gc
import json
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from json import encoder as json_encoder
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

Processor = Callable[[Any], Any]
CHUNK = 500  # values per IN list: well under every driver's parameter limit
KEYS = "_keys"  # the bind parameter ``select_in`` fills with a chunk of lookup values


@dataclass(frozen=True, eq=False)
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


_gc_lock = threading.Lock()
_gc_pauses = 0  # threads inside gc_paused(); the collector resumes when the last one leaves
_gc_resume = False  # whether the first of them found the collector enabled


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one page's work (see the module docstring).

    Re-entrant and thread-safe: concurrent merges share one pause, and a collector that was
    already disabled by the application stays disabled.
    """
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


def bind_processor(dialect: sa.Dialect, table: sa.Table | None, name: str) -> Processor | None:
    """The bind processor of the column of ``table`` a parameter names (``_id`` → ``id``)."""
    column = table.c.get(name.removeprefix("_")) if table is not None else None
    if column is None:
        return None
    impl = column.type.dialect_impl(dialect)
    processor = impl.bind_processor(dialect)
    if processor is not None and isinstance(impl, sa.JSON):
        if dialect.name == "postgresql":
            processor = _psycopg_text(processor, dialect)
        processor = _reused_encoder(processor)
    elif processor is not None and _python_type(column.type) is datetime:
        processor = _utc_datetime_text(processor)
    return processor


def _python_type(type_: sa.types.TypeEngine) -> type | None:
    """What a column type binds (a decorated type: what its underlying type binds)."""
    if isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    try:
        return type_.python_type
    except NotImplementedError:
        return None


_SQLITE_DATETIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"
#: UTC datetimes exercising what could tell formatters apart: a small year, no microseconds.
_DATETIME_PROBES = (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC),
                    datetime(2026, 12, 4, 23, 22, 10, 985000, UTC),
                    datetime(9999, 12, 31, 23, 59, 59, 7, UTC))


def _utc_datetime_text(processor: Processor) -> Processor:
    """``processor`` (on SQLite: sqlmodel's UTC check and conversion, then SQLAlchemy's text
    ``%(year)04d-…%(microsecond)06d`` from a dict) by one positional format for a UTC datetime:
    the same text at half the cost. Every hidden-Id link of a page has its own modstamp, so
    this runs once a record.

    Used only where it gives ``processor``'s exact text (checked on probes, so a custom storage
    format keeps its own processor); any other value (naive, another offset, not a datetime)
    goes to ``processor``."""
    def process(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:
            return _SQLITE_DATETIME % (value.year, value.month, value.day, value.hour,
                                       value.minute, value.second, value.microsecond)
        return processor(value)

    try:
        same = all(process(probe) == processor(probe) for probe in _DATETIME_PROBES)
    except Exception:  # noqa: BLE001 - an unusual processor: keep it as it is
        same = False
    return process if same else processor


def _psycopg_text(processor: Processor, dialect: sa.Dialect) -> Processor:
    """PostgreSQL: the JSON text psycopg would send for a value ``processor`` wraps (``Jsonb``).

    psycopg encodes each wrapped document with ``json.dumps`` (or the engine's
    ``json_serializer``) when it sends it; as text, documents go through the reused encoder
    like SQLite's, and page writes send them as text (``pagewrite``). SQL NULL stays ``None``.
    """
    dumps = getattr(dialect, "_json_serializer", None) or json.dumps

    def process(value: Any) -> Any:
        wrapped = processor(value)
        return None if wrapped is None else (wrapped.dumps or dumps)(wrapped.obj)

    return process


#: A JSON document exercising what could tell encoders apart (key order, non-ASCII, floats).
_JSON_PROBE = {"b": 1.5, "a": "é\n", "c": [None, True, {"d": -0.0}]}


def _reused_encoder(processor: Processor) -> Processor:
    """``processor`` (SQLAlchemy's JSON serialisation), with documents encoded by one reused C
    encoder: ``json.dumps`` builds a new one for every value, which costs twice the encoding.

    Used only where it gives ``json.dumps``'s exact text (checked on a probe document); any
    other value, or a failure (which ``json.dumps`` reports better), goes to ``processor``.
    """
    make = json_encoder.c_make_encoder
    if make is None:
        return processor
    defaults = json.JSONEncoder()
    encoder = make(None, defaults.default, json_encoder.encode_basestring_ascii, None,
                   defaults.key_separator, defaults.item_separator, False, False, True)

    def process(value: Any) -> Any:
        if type(value) is dict:
            try:
                return "".join(encoder(value, 0))
            except (TypeError, ValueError, RecursionError):
                pass
        return processor(value)

    try:
        same = process(_JSON_PROBE) == processor(_JSON_PROBE) == json.dumps(_JSON_PROBE)
    except Exception:  # noqa: BLE001 - an unusual serialiser: keep it as it is
        same = False
    return process if same else processor


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
        results: tuple[tuple[int, Processor], ...] = ()
        if isinstance(stmt, sa.Select):
            stmt, results = _read_processors(stmt, dialect)
        compiled = stmt.compile(dialect=dialect, column_keys=column_keys)
        order = tuple(compiled.positiontup) if compiled.positional else None
        binds = {name: p for name in compiled.bind_names.values()
                 if (p := bind_processor(dialect, table, name)) is not None}
        prepared = cache[key] = Prepared(compiled, str(compiled), order, binds, results)
    return prepared


def _read_processors(stmt: sa.Select, dialect: sa.Dialect
                     ) -> tuple[sa.Select, tuple[tuple[int, Processor], ...]]:
    """The select to run and its result processors by column index.

    On PostgreSQL, JSON columns are read as text and decoded here, memoised like every result
    processor (``convert_rows``): psycopg would decode every row's document, and a page's
    people share a handful (a mixed page of 2,000 reads ~1,500; ~3.5 ms of client CPU).
    """
    columns = list(stmt.selected_columns)
    results = []
    as_text = False
    for i, column in enumerate(columns):
        if dialect.name == "postgresql" and isinstance(column.type, sa.JSON):
            columns[i], as_text = sa.cast(column, sa.Text).label(column.key), True
            results.append((i, _json_loads(dialect)))
        elif (processor := column.type.dialect_impl(dialect)
              .result_processor(dialect, None)) is not None:
            results.append((i, processor))
    if as_text:
        stmt = stmt.with_only_columns(*columns, maintain_column_froms=True)
    return stmt, tuple(results)


def _json_loads(dialect: sa.Dialect) -> Processor:
    """The engine's JSON decoder (``json_deserializer``, default ``json.loads``), NULL-safe."""
    loads = getattr(dialect, "_json_deserializer", None) or json.loads
    return lambda text: None if text is None else loads(text)


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
    distinct = dict.fromkeys(values)
    distinct.pop(None, None)
    unique = list(distinct)
    params = params or {}
    rows: list[tuple] = []
    # Positional placeholders (SQLite) are chunked under the driver's limit; PostgreSQL binds
    # every value as one array, so one statement does (and an anti-join builds its hash once).
    chunks = chunked(unique) if prepared.order is not None else ([unique] if unique else [])
    for chunk in chunks:
        if prepared.order is not None:
            sql, before, after = _expanded(prepared, len(chunk))
            args: Any = (*[params[name] for name in before], *chunk,
                         *[params[name] for name in after])
        else:  # named parameters: PostgreSQL binds the whole chunk as one array, in binary
            # (psycopg quotes each element of a text-format array by regular expressions)
            state = prepared.compiled.construct_expanded_state({**params, KEYS: list(chunk)})
            sql = state.statement.replace(f"%({KEYS})s", f"%({KEYS})b")
            args = state.parameters
        result = conn.exec_driver_sql(sql, args)
        try:
            rows.extend(result.cursor.fetchall())
        finally:
            result.close()
    return convert_rows(rows, prepared.results)


_EXPANDED: weakref.WeakKeyDictionary[Prepared, dict[int, tuple[str, list[str], list[str]]]] = \
    weakref.WeakKeyDictionary()


def _expanded(prepared: Prepared, size: int) -> tuple[str, list[str], list[str]]:
    """(SQL with ``size`` placeholders for ``KEYS``, parameter names before them, after them).

    Rendering a 500-placeholder IN list costs more than running it, so each size is rendered
    once; a page has at most two sizes (full chunks and the rest).
    """
    by_size = _EXPANDED.setdefault(prepared, {})
    found = by_size.get(size)
    if found is None:
        state = prepared.compiled.construct_expanded_state(
            {name: None for name in prepared.order} | {KEYS: [None] * size})
        names = list(state.positiontup)
        first = names.index(f"{KEYS}_1")
        assert names[first:first + size] == [f"{KEYS}_{i}" for i in range(1, size + 1)]
        found = (state.statement, names[:first], names[first + size:])
        if len(by_size) < 64:  # sizes vary only in the last chunk of a page; keep a few
            by_size[size] = found
    return found


def convert_rows(rows: list[tuple], processors: Sequence[tuple[int, Processor]]) -> list[tuple]:
    """Rows with the result processors applied column by column."""
    if not rows or not processors:
        return rows
    columns: list[Any] = list(zip(*rows))
    for index, processor in processors:
        columns[index] = convert(processor, columns[index])
    return list(zip(*columns))


def execute_many(conn: sa.Connection, prepared: Prepared, columns: dict[str, Sequence[Any]],
                 constants: dict[str, Any] | None = None) -> None:
    """Run a prepared INSERT/UPDATE once per row with one driver ``executemany``.

    ``columns`` maps each parameter to its values, one per row (column-wise, so values are
    converted and bound without building a dict per row); ``constants`` are values every row
    shares (``updated_at``…), converted once.
    """
    columns = dict(columns)
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
    if params:
        conn.exec_driver_sql(prepared.sql, params)
