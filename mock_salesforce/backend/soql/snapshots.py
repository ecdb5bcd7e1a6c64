"""Id snapshots: the ordered Ids a query matched, taken in one read transaction.

A background thread reads the first page's Ids, then counts the matches (the first page's rows
are read meanwhile), then streams in the other Ids, so the first page is answered as soon as it
is counted instead of after a scan of every matching row. Queries in Id order on SQLite read
their Ids by keyset, tens of thousands concatenated in one row. Every statement shares one
database snapshot (an explicit read transaction on SQLite, REPEATABLE READ on PostgreSQL), so
``totalSize`` and the Ids always agree, whatever is written meanwhile. Ids are packed 18 bytes
each: a million of them take 18 MB.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import sqlalchemy as sa

ID_BYTES = 18
FIRST_CHUNK = 2_000  # a default page
CHUNK = 20_000


class Snapshot:
    """Ids filled by a producer while readers wait for the positions they need."""

    def __init__(self) -> None:
        self.total: int | None = None
        self._packed = bytearray()
        self._filled = 0
        self._done = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()

    @property
    def size(self) -> int:
        """Bytes held (for the cursor store's budget)."""
        return len(self._packed)

    @property
    def done(self) -> bool:
        """True once every Id has been read (or the producer failed)."""
        return self._done

    @property
    def error(self) -> BaseException | None:
        """What stopped the producer, if it failed."""
        return self._error

    @classmethod
    def of(cls, found: list[str]) -> "Snapshot":
        """A complete snapshot of Ids already read."""
        snapshot = cls()
        snapshot._set_total(len(found))
        snapshot._add("".join(found))
        snapshot._finish()
        return snapshot

    def wait_total(self) -> int:
        """How many Ids the query matched (blocks until counted)."""
        with self._changed:
            self._changed.wait_for(lambda: self.total is not None or self._done)
            self._raise()
            return self.total or 0

    def wait_done(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every Id to be read; True once they are."""
        with self._changed:
            return self._changed.wait_for(lambda: self._done, timeout)

    def ids(self, start: int, stop: int) -> list[str]:
        """The Ids at positions ``[start, stop)`` (blocks until the producer has them)."""
        with self._changed:
            self._changed.wait_for(lambda: self._filled >= stop * ID_BYTES or self._done)
            self._raise()
            text = self._packed[start * ID_BYTES:stop * ID_BYTES].decode("ascii")
        return [text[i:i + ID_BYTES] for i in range(0, len(text), ID_BYTES)]

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    # -- producer side ---------------------------------------------------------------------------
    def _set_total(self, total: int) -> None:
        with self._changed:
            # Sized once (growing 18 MB by appends would copy it again and again), keeping the
            # Ids read before the count.
            packed = bytearray(max(total * ID_BYTES, self._filled))
            packed[:self._filled] = self._packed[:self._filled]
            self.total, self._packed = total, packed
            self._changed.notify_all()

    def _add(self, chunk: str) -> None:
        """Append Ids given as one string of 18-character Ids."""
        packed = chunk.encode("ascii")
        with self._changed:
            if self.total is None:  # the first page's Ids, read before the count
                self._packed += packed
                self._filled = len(self._packed)
            else:
                end = min(len(self._packed), self._filled + len(packed))
                self._packed[self._filled:end] = packed[:end - self._filled]
                self._filled = end
            self._changed.notify_all()

    def _finish(self, error: BaseException | None = None) -> None:
        with self._changed:
            self._done, self._error = True, error
            if error is None:
                del self._packed[self._filled:]
                self.total = self._filled // ID_BYTES
            self._changed.notify_all()


def _read_transaction(conn: sa.Connection) -> sa.Connection:
    """Make the next statements share one database snapshot."""
    if conn.dialect.name == "sqlite":
        # pysqlite only opens transactions before writes; a read snapshot needs an explicit BEGIN.
        conn.exec_driver_sql("BEGIN")
        return conn
    return conn.execution_options(isolation_level="REPEATABLE READ")


def _produce(engine: sa.Engine, count: sa.Select, ids: sa.Select, limit: int | None,
             offset: int, id_chunks: sa.Select | None, snapshot: Snapshot) -> None:
    try:
        with engine.connect() as conn:
            conn = _read_transaction(conn)
            chunks = _id_chunks(conn, ids) if id_chunks is None else _keyset(conn, id_chunks)
            with contextlib.closing(chunks):
                snapshot._add(next(chunks, ""))
                # Counted in the same transaction while the Ids' cursor waits.
                matched = max(0, conn.execute(count).scalar_one() - offset)
                snapshot._set_total(matched if limit is None else min(limit, matched))
                for chunk in chunks:
                    snapshot._add(chunk)
        snapshot._finish()
    except BaseException as error:  # noqa: BLE001 - handed to whoever waits for these Ids
        snapshot._finish(error)


def _keyset(conn: sa.Connection, id_chunks: sa.Select) -> Iterator[str]:
    """The Ids in concatenated chunks, each read after the last Id of the one before."""
    after, size = "", FIRST_CHUNK
    while True:
        packed, last = conn.execute(id_chunks, {"after": after, "size": size}).one()
        if not packed:
            return
        if packed[-ID_BYTES:] != last:
            raise RuntimeError("the database concatenated a chunk of Ids out of order")
        yield packed
        if len(packed) < size * ID_BYTES:
            return  # that statement reached the end: another would scan the rest again
        after, size = last, CHUNK


def _id_chunks(conn: sa.Connection, ids: sa.Select) -> Iterator[str]:
    """The Ids in chunks (a first page, then bigger ones), read from the driver's cursor: a million
    ``Row`` objects cost seconds."""
    if conn.dialect.name == "sqlite":
        # sqlite3 cursors step through the result as it is fetched: streaming by nature.
        result = conn.execute(ids)
        try:
            size = FIRST_CHUNK
            while chunk := result.cursor.fetchmany(size):
                yield "".join([row[0] for row in chunk])
                size = CHUNK
        finally:
            result.close()
        return
    # Elsewhere a server-side cursor keeps the driver from holding every Id at once.
    result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(ids).scalars()
    try:
        size = FIRST_CHUNK
        while chunk := result.fetchmany(size):
            yield "".join(chunk)
            size = CHUNK
    finally:
        result.close()


def take(engine: sa.Engine, count: sa.Select, ids: sa.Select, limit: int | None,
         offset: int, id_chunks: sa.Select | None = None) -> Snapshot:
    """Start snapshotting a query's Ids in the background (by keyset when ``id_chunks`` is set)."""
    snapshot = Snapshot()
    threading.Thread(target=_produce,
                     args=(engine, count, ids, limit, offset, id_chunks, snapshot),
                     name="soql-snapshot", daemon=True).start()
    return snapshot


def read(engine: sa.Engine, ids: sa.Select) -> Snapshot:
    """Snapshot a query known to match few Ids (one statement, in the calling thread)."""
    with engine.connect() as conn:
        return Snapshot.of(list(conn.execute(ids).scalars()))
