"""The sync loop: one poll of one data source, stream by stream, page by page.

A page is merged in one CDP transaction; only then does the stream's checkpoint move, and only
when the whole window is committed does its cursor move (rules 36–37). A stream's first window
of more than ``bulk_threshold`` rows is read as one Bulk API 2.0 job (rule 43), any other through
REST keyset pages (``reading.WindowPages``); both feed the same loop. The poll stops cleanly on
an API budget problem (cursor kept, source stays *Connected* with a note, rule 41) or an auth
failure (source goes to *Needs attention*, cursor kept, rule 42). Everything it skipped is
counted with its reason in the summary.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

from ..cdp import CDP, DataSource
from ..config import Settings
from ..salesforce import FatalError, SalesforceClient
from . import bulk, formulas, state
from .reading import WindowPages
from .run import PAGE_SIZE, PollSummary, Query, Run, StreamRun, StreamSummary

__all__ = ["PAGE_SIZE", "Poll", "PollSummary", "StreamSummary"]
ACTIVITY_DAYS = 90  # rule 24: the first import brings only the last 90 days of activity


class Poll:
    """One poll of one data source (initial sync when a stream has no cursor yet)."""

    def __init__(self, cdp: CDP, source: DataSource, settings: Settings, client: SalesforceClient,
                 progress: Callable[[str, int], None] | None = None, started: datetime | None = None,
                 total: Callable[[str, int], None] | None = None) -> None:
        self.context = Run(cdp, source, settings, client, progress, total)
        self.started = started or datetime.now(timezone.utc)  # by the scheduler's clock (rule 35)
        self.bookmarks = state.Bookmarks(source.bookmarks)
        self._server_now: datetime | None = None
        self._bulk_fits: dict[str, bool] = {}  # per stream: is its first window read by Bulk?

    def run(self) -> PollSummary:
        """Poll every selected stream; set the data-source state around it."""
        context = self.context
        self.bookmarks.poll_started(self.started)
        self._store(state=state.UPDATING)
        try:
            with context.stopping():
                for run in self._runs():
                    initial = self.bookmarks.cursor(run.stream.name).committed is None
                    self.sync_stream(run)
                    if formulas.refresh(run, self.bookmarks, self.server_now(), initial):  # rule 40
                        self._store()
        finally:
            summary = context.summary
            final = state.NEEDS_ATTENTION if summary.outcome == "needs-attention" else state.CONNECTED
            self._store(state=final, status_note=summary.note)
        return context.summary

    def _runs(self) -> Iterator[StreamRun]:
        """The streams to read, in order. A stream's Bulk job is created before the stream ahead
        of it merges (``start_bulk_job``), so Salesforce runs the job meanwhile."""
        context = self.context
        streams = context.streams()
        if not streams:
            return
        upcoming = context.open(streams[0])
        for following in [*streams[1:], None]:
            run, upcoming = upcoming, context.open(following) if following else None
            self.start_bulk_job(run)
            if upcoming is not None:
                self.start_bulk_job(upcoming)
            yield run

    def sync_stream(self, run: StreamRun) -> StreamSummary:
        """Read one stream's window — one Bulk job or REST keyset pages — page by page into the CDP."""
        name = run.stream.name
        cursor = self.bookmarks.cursor(name)
        initial = cursor.committed is None
        cursor, window = state.open_window(cursor, self.server_now())
        self._save(name, cursor)
        run.sink.before_window()
        query, bound = self._window_query(run, window, initial)
        if self._bulk_wanted(run, query.count(bound), cursor, initial):
            if run.read_bulk(query.soql(bound), cursor.bulk, "queryAll",
                             lambda position: self._advance(name, state.bulk_page_committed, position)):
                self._advance(name, state.window_committed)
                return run.summary
            cursor, window = state.bulk_refused(self.bookmarks.cursor(name), window)
            self._save(name, cursor)
        run.drain(WindowPages(self.context.client, query, window, run.summary.counts),
                  lambda checkpoint: self._advance(name, state.checkpoint_committed, checkpoint))
        self._advance(name, state.window_committed)
        return run.summary

    def start_bulk_job(self, run: StreamRun) -> None:
        """Create a stream's Bulk job ahead of its turn when its first window is read by one
        (rule 43). Its window opens now — every window of a poll ends at the same server time —
        and the job goes into its cursor, where its turn reads it as a resumed job (a stop in
        between leaves it to the next poll, as any unfinished job)."""
        name = run.stream.name
        cursor = self.bookmarks.cursor(name)
        if cursor.committed is not None or cursor.bulk or cursor.window_end is not None:
            return  # incremental, or an unfinished window: its turn reads it as it is
        cursor, window = state.open_window(cursor, self.server_now())
        query, bound = self._window_query(run, window, True)
        if not self._bulk_wanted(run, query.count(bound), cursor, True):
            return
        try:
            job = self.context.client.bulk_create(query.soql(bound), "queryAll")
        except FatalError:
            return  # refused: its turn asks again, and reads through REST with the reason
        self._save(name, state.bulk_page_committed(cursor, bulk.BulkRead.fresh(job)))

    def _window_query(self, run: StreamRun, window: state.Window,
                      initial: bool) -> tuple[Query, str]:
        """A stream's query and its window's bound (a first window of activities: 90 days)."""
        since = self._connected_at() - timedelta(days=ACTIVITY_DAYS) if initial else None
        bound = state.window_filter(state.Window(window.start, window.end))
        return run.query(activity_since=since), bound

    def server_now(self) -> datetime:
        """Salesforce's time at the poll's first window (every stream's window ends there)."""
        if self._server_now is None:
            client = self.context.client
            self._server_now = client.server_time or client.now()
        return self._server_now

    def _bulk_wanted(self, run: StreamRun, count_soql: str, cursor: state.Cursor, initial: bool) -> bool:
        """A window resumes its Bulk job; a first window of more than ``bulk_threshold`` rows
        that Bulk can serve starts one (rule 43). Incremental windows always read through REST."""
        context = self.context
        if cursor.bulk:
            return True
        if not (initial and context.settings.bulk_api) or cursor.checkpoint is not None:
            return False

        def count() -> int:
            try:
                rows = context.client.count(count_soql)
                context.total(run.stream.name, rows)
                return rows
            except FatalError as error:
                if error.error_code != "QUERY_TIMEOUT":
                    raise
                return context.settings.bulk_threshold + 1  # too many to count: what Bulk is for
        if run.stream.name not in self._bulk_fits:  # counted once a poll (see ``start_bulk_job``)
            self._bulk_fits[run.stream.name] = run.bulk_fits(count)
        return self._bulk_fits[run.stream.name]

    def _connected_at(self) -> datetime:
        stamp = (self.context.source.settings or {}).get("connected_at")
        return datetime.fromisoformat(stamp) if stamp else self.server_now()

    def _advance(self, stream: str, step: Callable[..., state.Cursor], *args) -> None:
        """Move a stream's cursor by a step of ``state`` (after a commit) and save it."""
        self._save(stream, step(self.bookmarks.cursor(stream), *args))

    def _save(self, stream: str, cursor: state.Cursor) -> None:
        self.bookmarks.set_cursor(stream, cursor)
        self._store()

    def _store(self, **changes) -> None:
        """Save the bookmarks (and any other change of the data source)."""
        self.context.cdp.update_data_source(self.context.source.id, bookmarks=self.bookmarks.to_json(),
                                            **changes)
