"""Record storage: one SQL table per sObject per org, through SQLAlchemy Core.

Column conventions (the SOQL compiler relies on them):
- one column per stored field, named exactly as the field (``Id``, ``Email``, ``Custom__c``);
- ``datetime`` → BIGINT milliseconds since the epoch (UTC); ``date`` → ``YYYY-MM-DD`` text;
  ``boolean`` → BOOLEAN; ``int``/``long`` → integers; ``double``/``currency``/``percent`` → FLOAT;
  every text-like type → TEXT, compared case-insensitively like Salesforce (``COLLATE NOCASE``
  on SQLite; on PostgreSQL the compiler compares ``lower()`` and the store indexes ``lower()``);
- ``_deleted_at`` (BIGINT ms) is set while a record sits in the recycle bin (``IsDeleted`` true);
- compound ``address``/``location`` fields have no column: they are built from their parts.
Indexes cover what sync queries filter and sort on: ``Id``, ``(SystemModstamp, Id)``,
``LastModifiedDate``, ``CreatedDate``, reference fields, external-id/unique/idLookup fields.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from itertools import chain, repeat

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .schema import FieldDef, SObjectDef

_NOCASE_TEXT = sa.Text().with_variant(sa.Text(collation="NOCASE"), "sqlite")
_TYPES = {"boolean": sa.Boolean, "int": sa.Integer, "long": sa.BigInteger, "double": sa.Float,
          "currency": sa.Float, "percent": sa.Float, "datetime": sa.BigInteger, "date": sa.String(10),
          "id": sa.String(18), "reference": sa.String(18), "time": sa.String(20)}
SYSTEM_INDEXED = ("LastModifiedDate", "CreatedDate")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
MULTI_ROW_INSERTS = (200, 50)  # rows a multi-row INSERT takes on SQLite (fewer: one by one)
# What SQLite stores for a boolean (``.get(value, value)``: None stays None).
_SQLITE_BOOLEAN = {True: 1, False: 0}


def column_type(field: FieldDef) -> sa.types.TypeEngine:
    """The SQL type that stores a field of this Salesforce type."""
    kind = _TYPES.get(field.type)
    if kind is None:
        return _NOCASE_TEXT
    return kind() if isinstance(kind, type) else kind


def is_text(field: FieldDef) -> bool:
    """True for fields compared case-insensitively (every text-like type)."""
    return field.type not in _TYPES


def create_engine(url: str) -> Engine:
    """An engine with the settings a concurrent mock needs (WAL and a busy timeout on SQLite)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                  pool_size=10, max_overflow=20)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()
        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Store:
    """The record tables of one org (table names carry the org's prefix)."""

    def __init__(self, engine: Engine, prefix: str) -> None:
        self.engine = engine
        self.prefix = prefix
        self.metadata = sa.MetaData()
        self._tables: dict[str, sa.Table] = {}
        # SQLite allows one writer; serialising DML here avoids "database is locked" under load.
        self.write_lock = threading.RLock()
        self._nocase = engine.dialect.name == "sqlite"  # text compares by NOCASE (ASCII only)
        self._flags: dict[str, frozenset[str]] = {}  # table → its boolean columns, on SQLite
        self._queries: dict[tuple, sa.Select] = {}  # see _by_ids

    def table(self, sobject: SObjectDef) -> sa.Table:
        """The table of an object (built on first use)."""
        table = self._tables.get(sobject.name)
        if table is None:
            table = self._build(sobject)
            self._tables[sobject.name] = table
        return table

    def _build(self, sobject: SObjectDef) -> sa.Table:
        columns = [sa.Column(f.name, column_type(f), primary_key=f.name == "Id")
                   for f in sobject.stored_fields()]
        columns.append(sa.Column("_deleted_at", sa.BigInteger))
        name = f"{self.prefix}_{sobject.name}"
        table = sa.Table(name, self.metadata, *columns)
        sa.Index(f"ix_{name}_stamp", table.c.SystemModstamp, table.c.Id)
        for field_name in SYSTEM_INDEXED:
            sa.Index(f"ix_{name}_{field_name}", table.c[field_name])
        for field in sobject.stored_fields():
            if field.name != "Id" and field.index and (
                    field.type == "reference" or field.external_id or field.unique
                    or field.id_lookup):
                self._index(table, field)
        return table

    def _index(self, table: sa.Table, field: FieldDef) -> None:
        name = f"ix_{table.name}_{field.name}"
        sa.Index(name, table.c[field.name])
        if is_text(field):
            # PostgreSQL compares text through lower(); give it an index to use.
            sa.Index(f"{name}_lower", sa.func.lower(table.c[field.name])).ddl_if(dialect="postgresql")

    def create_all(self, objects: Iterable[SObjectDef]) -> None:
        """Create the tables (and indexes) of these objects if they do not exist."""
        for sobject in objects:
            self.table(sobject)
        self.metadata.create_all(self.engine)

    def add_column(self, sobject: SObjectDef, field: FieldDef) -> None:
        """Add a new field's column to an existing table (a custom field created at runtime)."""
        table = self.table(sobject)
        if field.name in table.c or not field.stored:
            return
        column = sa.Column(field.name, column_type(field))
        ddl_type = column.type.compile(dialect=self.engine.dialect)
        preparer = self.engine.dialect.identifier_preparer
        with self.write_lock, self.engine.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE {preparer.quote(table.name)} "
                                 f"ADD COLUMN {preparer.quote(field.name)} {ddl_type}"))
        table.append_column(column)
        self._flags.pop(table.name, None)
        self._queries = {key: query for key, query in self._queries.items() if key[0] != table.name}
        if field.external_id or field.unique or field.type == "reference":
            self._index(table, field)
            for index in table.indexes:
                if index.name.startswith(f"ix_{table.name}_{field.name}"):
                    index.create(self.engine, checkfirst=True)

    def drop_all(self) -> None:
        """Drop every table of this org."""
        self.metadata.drop_all(self.engine)
        self.metadata = sa.MetaData()
        self._tables.clear()
        self._flags.clear()
        self._queries.clear()

    # -- rows ---------------------------------------------------------------------------------
    def insert_many(self, sobject: SObjectDef, rows: list[dict], conn: sa.Connection) -> None:
        """Insert rows (dicts of column → stored value), in order, in one executemany (on
        SQLite, runs of 200 or 50 rows in one multi-row ``INSERT`` each).

        Straight to the driver: stored values are already what the columns hold (booleans,
        integers, floats, text), and SQLAlchemy's per-row parameter processing would cost as
        much as the insert itself on a bulk load.
        """
        if not rows:
            return
        table = self.table(sobject)
        columns, flat = self._flat(table, rows)
        width, count = len(columns), len(rows)
        quote = self.engine.dialect.identifier_preparer.quote
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES "
        row = f"({', '.join([mark] * width)})"
        done = 0
        for size in self._runs(conn, width):
            runs = (count - done) // size
            if runs:
                # A statement of 200 rows runs a third faster than 200 executions of one (the
                # driver's executemany pays per execution); its text is the same every time,
                # so the driver's statement cache prepares it once per connection.
                conn.exec_driver_sql(head + ", ".join([row] * size), [
                    tuple(flat[start * width:(start + size) * width])
                    for start in range(done, done + runs * size, size)])
                done += runs * size
        if done < count:
            conn.exec_driver_sql(head + row, [tuple(flat[start * width:(start + 1) * width])
                                              for start in range(done, count)])

    def _flat(self, table: sa.Table, rows: list[dict]) -> tuple[list[str], list]:
        """The columns the rows write and their values, row after row, ready to bind (see
        :meth:`_bindable`). Rows with the same keys in the same order (a batch's new records)
        are read a row at a time, in their order; others a column at a time."""
        columns = list(rows[0])
        if all(name in table.c for name in columns) and all(list(row) == columns for row in rows):
            flat = list(chain.from_iterable(row.values() for row in rows))
        else:
            written = set().union(*rows)
            columns = [column.name for column in table.columns if column.name in written]
            flat = list(chain.from_iterable(
                zip(*[list(map(dict.get, rows, repeat(name))) for name in columns])))
        width, flags = len(columns), self._flags_of(table)
        for index, name in enumerate(columns):
            if name in flags:
                cells = flat[index::width]
                flat[index::width] = map(_SQLITE_BOOLEAN.get, cells, cells)
        return columns, flat

    def _runs(self, conn: sa.Connection, width: int) -> tuple[int, ...]:
        """How many rows one multi-row ``INSERT`` of this many columns takes, largest first:
        none but on SQLite, within its limit of bound values."""
        if self.engine.dialect.name != "sqlite":
            return ()
        limit = conn.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return tuple(size for size in MULTI_ROW_INSERTS if size * width <= limit)

    def update(self, sobject: SObjectDef, record_id: str, values: dict, conn: sa.Connection) -> None:
        """Update one row's columns."""
        table = self.table(sobject)
        conn.execute(table.update().where(table.c.Id == record_id).values(**values))

    def update_many(self, sobject: SObjectDef, changes: dict[str, dict], conn: sa.Connection) -> None:
        """Update many rows (id → columns to set): one executemany per set of columns, straight
        to the driver as :meth:`insert_many` writes."""
        table = self.table(sobject)
        groups: dict[tuple, list[tuple]] = {}
        for record_id, values in changes.items():
            groups.setdefault(tuple(values), []).append((*values.values(), record_id))
        quote = self.engine.dialect.identifier_preparer.quote
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        for columns, rows in groups.items():
            sets = ", ".join(f"{quote(column)} = {mark}" for column in columns)
            if self._flags_of(table).intersection(columns):
                rows = self._bindable(table, columns, [list(cells) for cells in zip(*rows)])
            conn.exec_driver_sql(
                f"UPDATE {quote(table.name)} SET {sets} WHERE {quote('Id')} = {mark}", rows)

    def _flags_of(self, table: sa.Table) -> frozenset[str]:
        """The table's boolean columns on SQLite (none elsewhere: PostgreSQL has booleans)."""
        flags = self._flags.get(table.name)
        if flags is None:
            flags = self._flags[table.name] = frozenset(
                column.name for column in table.columns
                if self.engine.dialect.name == "sqlite" and isinstance(column.type, sa.Boolean))
        return flags

    def _bindable(self, table: sa.Table, columns: Iterable[str], cells: list[list]) -> list[tuple]:
        """The rows to bind, from a list of values per column (``columns`` names the first
        ones): on SQLite booleans as the 1 and 0 it stores for them (the driver binds a bool,
        not quite an int, through its adapter lookup: 0.3 µs a value, a sixth of the insert of
        a Contact)."""
        flags = self._flags_of(table)
        for index, name in enumerate(columns):
            if name in flags:
                cells[index] = list(map(_SQLITE_BOOLEAN.get, cells[index], cells[index]))
        return list(zip(*cells))

    def get_many(self, sobject: SObjectDef, ids: list[str], conn: sa.Connection | None = None,
                 include_deleted: bool = False) -> dict[str, dict]:
        """Rows by id (missing ids are absent from the result)."""
        if conn is None:
            with self.engine.connect() as own:
                return self.get_many(sobject, ids, own, include_deleted)
        query = self._by_ids(self.table(sobject), whole=True, live=not include_deleted)
        # Fetched at once: iterating the result fetches (and builds a mapping) a row at a time.
        result = conn.execute(query, {"ids": list(ids)})
        keys = list(result.keys())
        return {row["Id"]: row for row in (dict(zip(keys, values)) for values in result.all())}

    def get(self, sobject: SObjectDef, record_id: str, conn: sa.Connection | None = None,
            include_deleted: bool = False) -> dict | None:
        """One row by id, or None."""
        return self.get_many(sobject, [record_id], conn, include_deleted).get(record_id)

    def find(self, sobject: SObjectDef, field: FieldDef, value: object,
             conn: sa.Connection | None = None) -> list[str]:
        """Ids of live records whose ``field`` equals ``value`` (case-insensitive for text)."""
        table = self.table(sobject)
        column = table.c[field.name]
        condition = (sa.func.lower(column) == str(value).lower()) \
            if is_text(field) and self.engine.dialect.name != "sqlite" else column == value
        query = sa.select(table.c.Id).where(condition, table.c.IsDeleted.is_(False))
        return [row["Id"] for row in self._rows(query, conn)]

    def find_many(self, sobject: SObjectDef, field: FieldDef, values: list,
                  conn: sa.Connection | None = None) -> list[tuple[str, object]]:
        """``(Id, value)`` of the live records whose ``field`` holds one of ``values`` (compared
        as :meth:`find` compares), a few hundred values per query."""
        table = self.table(sobject)
        column = table.c[field.name]
        lowered = is_text(field) and self.engine.dialect.name != "sqlite"
        found: list[tuple[str, object]] = []
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            condition = sa.func.lower(column).in_([str(v).lower() for v in chunk]) if lowered \
                else column.in_(chunk)
            query = sa.select(table.c.Id, column).where(condition, table.c.IsDeleted.is_(False))
            found += [(row["Id"], row[field.name]) for row in self._rows(query, conn)]
        return found

    def match_key(self, field: FieldDef, value: object) -> object:
        """What :meth:`find` compares of a value: text folded as the database folds it (ASCII
        letters on SQLite's NOCASE, ``lower()`` on PostgreSQL), anything else as it is."""
        if value is None or field.type in _TYPES:
            return value
        text = str(value)
        return text.translate(_ASCII_LOWER) if self._nocase else text.lower()

    def existing_ids(self, sobject: SObjectDef, ids: list[str],
                     conn: sa.Connection | None = None) -> set[str]:
        """Which of these ids exist as live records."""
        query = self._by_ids(self.table(sobject), whole=False, live=True)
        if conn is None:
            with self.engine.connect() as own:
                return {row[0] for row in own.execute(query, {"ids": list(ids)})}
        return {row[0] for row in conn.execute(query, {"ids": list(ids)})}

    def _by_ids(self, table: sa.Table, whole: bool, live: bool) -> sa.Select:
        """``SELECT`` the rows (or the ids) with the ids of the list bound as ``ids``: built
        once per table, its compiled form cached (an ``IN`` of literals is coerced value by
        value on every call, a third of reading which of 200 ids are live). The columns are
        named one by one: SQLAlchemy's cache knows ``select(table)`` by the table's name, and
        answered it with the columns the table had before a field was added at runtime."""
        key = (table.name, whole, live)
        query = self._queries.get(key)
        if query is None:
            query = sa.select(*table.columns if whole else [table.c.Id]).where(
                table.c.Id.in_(sa.bindparam("ids", expanding=True)))
            if live:
                query = query.where(table.c.IsDeleted.is_(False))
            self._queries[key] = query
        return query

    def count(self, sobject: SObjectDef) -> int:
        """Number of live records."""
        table = self.table(sobject)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(table.c.IsDeleted.is_(False))).scalar_one()

    def _rows(self, query, conn: sa.Connection | None) -> Iterator[dict]:
        if conn is not None:
            yield from conn.execute(query).mappings()
            return
        with self.engine.connect() as own:
            yield from own.execute(query).mappings()
