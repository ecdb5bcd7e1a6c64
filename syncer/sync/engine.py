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

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from ..cdp import CDP, DataSource
from ..config import Settings
from ..salesforce import FatalError, SalesforceClient
from . import formulas, state
from .reading import WindowPages
from .run import PAGE_SIZE, PollSummary, Run, StreamRun, StreamSummary

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

    def run(self) -> PollSummary:
        """Poll every selected stream; set the data-source state around it."""
        context = self.context
        self.bookmarks.poll_started(self.started)
        self._store(state=state.UPDATING)
        try:
            with context.stopping():
                for stream in context.streams():
                    run = context.open(stream)
                    initial = self.bookmarks.cursor(stream.name).committed is None
                    self.sync_stream(run)
                    if formulas.refresh(run, self.bookmarks, self.server_now(), initial):  # rule 40
                        self._store()
        finally:
            summary = context.summary
            final = state.NEEDS_ATTENTION if summary.outcome == "needs-attention" else state.CONNECTED
            self._store(state=final, status_note=summary.note)
        return context.summary

    def sync_stream(self, run: StreamRun) -> StreamSummary:
        """Read one stream's window — one Bulk job or REST keyset pages — page by page into the CDP."""
        name = run.stream.name
        cursor = self.bookmarks.cursor(name)
        initial = cursor.committed is None
        cursor, window = state.open_window(cursor, self.server_now())
        self._save(name, cursor)
        run.sink.before_window()
        since = self._connected_at() - timedelta(days=ACTIVITY_DAYS) if initial else None
        query = run.query(activity_since=since)
        bound = state.window_filter(state.Window(window.start, window.end))
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
        return run.bulk_fits(count)

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
