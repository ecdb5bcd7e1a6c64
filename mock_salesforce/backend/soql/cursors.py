"""Query cursors: the snapshot of a query's matching Ids, paged by locator.

At query time the ordered Ids of every matching record are snapshotted (:mod:`snapshots`), so
later pages neither repeat nor drop rows when records are inserted or re-stamped meanwhile;
each page re-reads its rows by Id. A locator is
``<cursor id>-<position>`` (``01g5g0000000001AAA-2000``): a page can be fetched again, which
makes client retries safe. Cursors expire after 15 minutes of org-clock inactivity, and an org
keeps at most ``MAX_CURSORS`` of them and ``MAX_BYTES`` of snapshots (oldest dropped first).
"""
from __future__ import annotations

import functools
import secrets
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field as dc_field
from datetime import datetime, timedelta

from ... import errors
from .. import ids
from .snapshots import Snapshot

TTL = timedelta(minutes=15)
MAX_CURSORS = 50
MAX_BYTES = 256 * 1024 * 1024


@dataclass
class Cursor:
    """One open query: its plan, its Id snapshot and when it was last read."""

    id: str
    plan: object
    snapshot: Snapshot
    batch_size: int
    last_used: datetime
    _ahead: tuple | None = dc_field(default=None, repr=False)
    _lock: threading.Lock = dc_field(default_factory=threading.Lock, repr=False)

    @property
    def total(self) -> int:
        """How many records the query matched."""
        return self.snapshot.wait_total()

    def ids(self, start: int, stop: int) -> list[str]:
        """The Ids at positions ``start`` (inclusive) to ``stop`` (exclusive)."""
        return self.snapshot.ids(start, stop)

    def read_ahead(self, key: tuple, work: Callable[[], object]) -> None:
        """Start computing the page a client will most likely ask for next.

        Clients page sequentially and parse each page before asking for the next one, so the
        server prepares page k+1 while the client is busy with page k.
        """
        with self._lock:
            self._ahead = (key, _pool().submit(work))

    def take_ahead(self, key: tuple) -> object | None:
        """The read-ahead result for ``key`` (None when none was prepared or it failed)."""
        with self._lock:
            ahead, self._ahead = self._ahead, None
        if ahead is None or ahead[0] != key:
            return None
        try:
            return ahead[1].result()
        except Exception:  # noqa: BLE001 - the page is simply computed again, and fails there
            return None


class CursorStore:
    """The open cursors of one org (thread-safe, bounded, expiring)."""

    def __init__(self) -> None:
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()
        # A random start keeps locators of different server runs apart.
        self._counter = secrets.randbelow(62 ** 6)

    def open(self, plan: object, snapshot: Snapshot, batch_size: int, now: datetime) -> Cursor:
        """Register a snapshot and return its cursor."""
        with self._lock:
            self._counter += 1
            cursor = Cursor(ids.make_id("01g", self._counter), plan, snapshot,
                            batch_size, now)
            self._cursors[cursor.id] = cursor
            self._evict(now)
            return cursor

    def get(self, cursor_id: str, now: datetime) -> Cursor:
        """A live cursor (INVALID_QUERY_LOCATOR when unknown or expired)."""
        with self._lock:
            cursor = self._cursors.get(cursor_id)
            if cursor is None or now - cursor.last_used > TTL:
                self._cursors.pop(cursor_id, None)
                raise errors.INVALID_QUERY_LOCATOR("invalid query locator")
            cursor.last_used = now
            self._cursors.move_to_end(cursor_id)
            return cursor

    def __len__(self) -> int:
        return len(self._cursors)

    def _evict(self, now: datetime) -> None:
        for key in [k for k, c in self._cursors.items() if now - c.last_used > TTL]:
            del self._cursors[key]
        size = sum(c.snapshot.size for c in self._cursors.values())
        while len(self._cursors) > 1 and (len(self._cursors) > MAX_CURSORS or size > MAX_BYTES):
            _, oldest = self._cursors.popitem(last=False)
            size -= oldest.snapshot.size


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """Threads that read pages ahead (shared by every org of the process)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="soql-read-ahead")


_STORES: "weakref.WeakKeyDictionary[object, CursorStore]" = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def store_for(org: object) -> CursorStore:
    """The cursor store of an org (dropped with the org on reset)."""
    with _STORES_LOCK:
        store = _STORES.get(org)
        if store is None:
            store = _STORES[org] = CursorStore()
        return store


def locator(cursor: Cursor, position: int) -> str:
    """The opaque locator of a page (no '/', as clients splice it into a path)."""
    return f"{cursor.id}-{position}"


def parse_locator(text: str) -> tuple[str, int]:
    """``(cursor id, position)`` of a locator (INVALID_QUERY_LOCATOR when malformed)."""
    cursor_id, _, position = text.rpartition("-")
    if not cursor_id or not position.isdigit():
        raise errors.INVALID_QUERY_LOCATOR("invalid query locator")
    return cursor_id, int(position)
