"""Cursor state and data-source bookkeeping, as pure functions over small dataclasses.

Rules 36–37: a poll reads the window ``[committed − lookback, server time at poll start)``
ordered by ``(SystemModstamp, Id)``. Each committed page moves a *checkpoint* ``(stamp, id)``
inside the window, so a crashed poll resumes after the last committed record. Only when the
whole window is committed does the cursor move to the window's end. A query Salesforce answers
with QUERY_TIMEOUT is asked again over the lower half of its date window, and the rest of the
window follows in parts (rule 43). A backfill (rule 34) keeps a cursor of its own
(:class:`BackfillCursor`, keyset over ``Id``). The data source's life-cycle states (rule 45) and
its poll bookkeeping (when the last poll started, when formulas were last read) live here too,
beside the cursors they share the ``bookmarks`` with. Nothing here does I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

LOOKBACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Cursor:
    """Where one stream of one data source stands."""

    committed: datetime | None = None           # end of the last fully committed window
    window_end: datetime | None = None          # end of the window in progress, if any
    checkpoint: tuple[datetime, str | None] | None = None  # last committed (SystemModstamp, Id);
    # Id None: every record stamped before SystemModstamp is committed (a halved window's part)
    bulk: dict | None = None  # a window read by Bulk job: {"job", "locator", "offset", "rows", "done"} (rule 43)

    def to_json(self) -> dict:
        """A JSON-safe form for the data source's bookmarks."""
        data = {"committed": _iso(self.committed), "window_end": _iso(self.window_end),
                "checkpoint": [_iso(self.checkpoint[0]), self.checkpoint[1]] if self.checkpoint else None}
        if self.bulk:
            data["bulk"] = dict(self.bulk)
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> Cursor:
        """Inverse of :meth:`to_json` (an empty dict is a stream never synced)."""
        data = data or {}
        checkpoint = data.get("checkpoint")
        return cls(_parse(data.get("committed")), _parse(data.get("window_end")),
                   (_parse(checkpoint[0]), checkpoint[1]) if checkpoint else None, data.get("bulk"))


@dataclass(frozen=True)
class Window:
    """The stamps one poll reads: ``start <= SystemModstamp < end`` (``start`` None = from the beginning)."""

    start: datetime | None
    end: datetime
    after: tuple[datetime, str | None] | None = None


def open_window(cursor: Cursor, server_now: datetime, lookback: timedelta = LOOKBACK) -> tuple[Cursor, Window]:
    """The window of the next poll; an unfinished window is resumed, not replaced (rule 37)."""
    if cursor.window_end is not None:
        start = cursor.committed - lookback if cursor.committed else None
        return cursor, Window(start, cursor.window_end, cursor.checkpoint)
    start = cursor.committed - lookback if cursor.committed else None
    # Server time comes from the HTTP Date header, floored to the second: round it up so records
    # stamped in the poll's first second are not held back a whole poll. Reading a little past
    # "now" is safe: the next window starts a lookback earlier and merges are idempotent.
    end = server_now.astimezone(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
    if start is not None and start >= end:
        start = end - lookback
    return replace(cursor, window_end=end, checkpoint=None, bulk=None), Window(start, end)


def checkpoint_committed(cursor: Cursor, checkpoint: tuple[datetime, str | None]) -> Cursor:
    """After a REST page is committed: resume after ``checkpoint`` — the page's last record
    ``(SystemModstamp, Id)``, or ``(end, None)`` once a halved window's part up to ``end`` is read
    — so a crash resumes after it."""
    return replace(cursor, checkpoint=checkpoint)


def bulk_refused(cursor: Cursor, window: Window) -> tuple[Cursor, Window]:
    """Salesforce refused or failed the window's Bulk job: the window is read through REST, whole."""
    return replace(cursor, bulk=None, checkpoint=None), replace(window, after=None)


def bulk_page_committed(cursor: Cursor, position: dict) -> Cursor:
    """After a chunk of a Bulk results page is committed (``{"job", "locator", "offset", "rows",
    "done"}``: the page's locator, its rows committed, the job's rows committed): a crash resumes
    after the last committed row, or only closes the window when every page was committed."""
    return replace(cursor, bulk=dict(position))


def window_committed(cursor: Cursor) -> Cursor:
    """After the whole window is committed: the cursor moves to the window's end."""
    if cursor.window_end is None:
        return cursor
    return Cursor(committed=cursor.window_end)


def soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal with milliseconds (``2024-01-02T03:04:05.123Z``)."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def window_filter(window: Window, field: str = "SystemModstamp") -> str:
    """The WHERE conditions of a window with keyset continuation after the checkpoint."""
    # After a checkpoint the lower bound is the checkpoint's stamp (never before the window's
    # start), so an index range on the stamp starts there instead of at the window's beginning.
    start = window.after[0] if window.after is not None else window.start
    parts = []
    if start is not None:
        parts.append(f"{field} >= {soql_datetime(start)}")
    parts.append(f"{field} < {soql_datetime(window.end)}")
    if window.after is not None and window.after[1] is not None:
        stamp, last_id = window.after
        parts.append(f"({field} > {soql_datetime(stamp)} OR "
                     f"({field} = {soql_datetime(stamp)} AND Id > '{last_id}'))")
    return " AND ".join(parts)


# -- QUERY_TIMEOUT (rule 43, after Singer): halve the date window, then read on ------------------
EARLIEST = datetime(1999, 1, 1, tzinfo=timezone.utc)  # no SystemModstamp is older than Salesforce
MIN_SPAN = timedelta(seconds=1)


def halved(lower: datetime | None, end: datetime) -> datetime | None:
    """The end of the lower half of ``[lower, end)`` after a QUERY_TIMEOUT; None when the span is
    already a second or less (then the timeout is reported, not retried)."""
    lower = lower or EARLIEST
    if end - lower <= MIN_SPAN:
        return None
    middle = lower + (end - lower) / 2
    return middle.replace(microsecond=(middle.microsecond // 1000) * 1000)  # SOQL has milliseconds


def following_span(lower: datetime | None, end: datetime, window_end: datetime) -> datetime:
    """After the part ``[lower, end)`` of a halved window is read: the next part's end, twice as
    wide (so one timeout does not slow the rest of the window), never past the window's end."""
    return min(window_end, end + 2 * (end - (lower or EARLIEST)))


# -- backfill (rule 34): a cursor of its own, kept in the CDP's ``sync_backfill`` table ------------
@dataclass(frozen=True)
class BackfillCursor:
    """Where one stream of a backfill stands: keyset pages over ``Id``, or one Bulk job."""

    after: str | None = None   # the last committed Id
    read: int = 0              # records committed so far
    done: bool = False
    total: int | None = None   # what ``SELECT COUNT()`` said when the stream started
    bulk: dict | None = None   # a Bulk job's position, as :attr:`Cursor.bulk`

    def to_json(self) -> dict:
        """The JSON kept per stream in the backfill's ``progress``."""
        data: dict = {"after": self.after, "read": self.read, "done": self.done}
        if self.total is not None:
            data["total"] = self.total
        if self.bulk:
            data["bulk"] = dict(self.bulk)
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> BackfillCursor:
        """Inverse of :meth:`to_json`."""
        data = data or {}
        return cls(data.get("after"), data.get("read", 0), data.get("done", False),
                   data.get("total"), data.get("bulk"))


@dataclass(frozen=True)
class BackfillState:
    """One data source's backfill: its upper bound (``SystemModstamp <= started``) and streams."""

    started: datetime
    streams: dict[str, BackfillCursor]
    finished: bool = False

    def to_row(self) -> dict:
        """The ``sync_backfill`` row's values (without the data source id)."""
        return {"started": self.started.isoformat(), "finished": self.finished,
                "progress": {name: cursor.to_json() for name, cursor in self.streams.items()}}

    @classmethod
    def from_row(cls, row: dict) -> BackfillState:
        """Inverse of :meth:`to_row`."""
        return cls(datetime.fromisoformat(row["started"]),
                   {name: BackfillCursor.from_json(data) for name, data in (row["progress"] or {}).items()},
                   bool(row["finished"]))

    def cursor(self, stream: str) -> BackfillCursor:
        """A stream's cursor (a fresh one before the stream starts)."""
        return self.streams.get(stream) or BackfillCursor()

    def with_cursor(self, stream: str, cursor: BackfillCursor) -> BackfillState:
        """This state with one stream's cursor moved."""
        return replace(self, streams={**self.streams, stream: cursor})

    def counts(self) -> tuple[int, int]:
        """Records read and the total counted so far (streams are counted as they start)."""
        total = sum(c.total or 0 for c in self.streams.values())
        return sum(min(c.read, c.total or 0) for c in self.streams.values()), total

    def percent(self) -> int | None:
        """How far an unfinished backfill is, in percent of the records it counted."""
        if self.finished:
            return None
        done, total = self.counts()
        return int(100 * done / total) if total else 0


def backfill_start(server_now: datetime) -> datetime:
    """A new backfill's upper bound: the Date header has whole seconds, so round up, as a poll's
    window end does, and records stamped in the backfill's first second are read too."""
    return server_now.astimezone(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)


# -- the data source: its life cycle (rule 45) and what its bookmarks hold ---------------------
CONNECTED, UPDATING, NEEDS_ATTENTION = "Connected", "Updating", "Needs attention"
DISCONNECTED, DELETED = "Disconnected", "Deleted"
POLL = "_poll"          # {"started": local time of the last poll's start, for scheduling}
FORMULAS = "_formulas"  # {stream: when its calculated fields were last read in full (rule 40)}
FORMULA_INTERVAL = timedelta(days=1)


class Bookmarks:
    """A data source's ``bookmarks`` JSON: each stream's :class:`Cursor` under its name, and the
    poll bookkeeping under ``_poll`` and ``_formulas``."""

    def __init__(self, data: dict | None = None) -> None:
        self.data = dict(data or {})

    def cursor(self, stream: str) -> Cursor:
        """A stream's cursor (an empty one for a stream never synced)."""
        return Cursor.from_json(self.data.get(stream))

    def set_cursor(self, stream: str, cursor: Cursor) -> None:
        """Replace a stream's cursor."""
        self.data[stream] = cursor.to_json()

    def poll_started(self, when: datetime) -> None:
        """Record a poll's start (local time: scheduling; the cursors use Salesforce's time)."""
        self.data[POLL] = {"started": when.isoformat()}

    def last_poll(self) -> datetime | None:
        """When the last poll started (None: never polled)."""
        started = (self.data.get(POLL) or {}).get("started")
        return datetime.fromisoformat(started) if started else None

    def formulas_due(self, stream: str, now: datetime) -> bool:
        """Whether the stream's calculated fields were last read in full a day or more ago (or never)."""
        last = (self.data.get(FORMULAS) or {}).get(stream)
        return last is None or now - datetime.fromisoformat(last) >= FORMULA_INTERVAL

    def formulas_read(self, stream: str, now: datetime) -> None:
        """Record that the stream's calculated fields were read in full at ``now``."""
        self.data[FORMULAS] = {**(self.data.get(FORMULAS) or {}), stream: now.isoformat()}

    def to_json(self) -> dict:
        """A copy to store."""
        return dict(self.data)


def is_due(last_poll: datetime | None, now: datetime, interval: timedelta) -> bool:
    """Whether a data source last polled at ``last_poll`` is due at ``now`` (rule 35)."""
    return last_poll is None or now - last_poll >= interval


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
