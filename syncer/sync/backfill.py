"""Backfill (rule 34): a one-time pull of everything that matches the current filters.

It runs beside the 15-minute polls — in another process if you like — with a cursor of its own
(``state.BackfillCursor``: keyset over ``Id``, upper bound ``SystemModstamp <= backfill start``),
kept in the CDP's ``sync_backfill`` table so the two never overwrite each other's progress. It merges with the configured strategy, and the
CDP skips a record older than what a poll already merged (``stale``), so live changes are never
overwritten by older backfill data. With auto-archive on, it archives every non-matching record
it reads (the seed: "running a backfill … will ensure non-matching contacts are archived").
Killed half-way, ``syncer backfill`` resumes after the last committed page.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from ..cdp import CDP, DataSource
from ..cdp import sources as housekeeping
from ..config import Settings
from ..salesforce import SalesforceClient
from . import state
from .reading import id_pages
from .run import PollSummary, Run, StreamSummary
from .streams import Stream


def progress(cdp: CDP, source_id: int) -> state.BackfillState | None:
    """The backfill of a data source (its start, each stream's cursor, finished or not), or None."""
    row = housekeeping.backfill_row(cdp, source_id)
    return state.BackfillState.from_row(row) if row else None


class Backfill:
    """Read every matching record once, page by page, resumably."""

    def __init__(self, cdp: CDP, source: DataSource, settings: Settings, client: SalesforceClient,
                 progress: Callable[[str, int], None] | None = None) -> None:
        self.context = Run(cdp, source, settings, client, progress)
        self.record: state.BackfillState | None = None

    def run(self) -> PollSummary:
        """Run (or resume) the backfill to its end, or to an API-limit / auth stop."""
        context = self.context
        self.record = progress(context.cdp, context.source.id)
        if self.record is None or self.record.finished:
            client = context.client
            self.record = state.BackfillState(state.backfill_start(client.server_time or client.now()), {})
            self._store(fresh=True)
        with context.stopping():
            for stream in context.streams():
                self.backfill_stream(stream)
            self.record = replace(self.record, finished=True)
            self._store()
        return context.summary

    def backfill_stream(self, stream: Stream) -> StreamSummary:
        """Keyset pages over Id up to the backfill's start — or one Bulk ``query`` job."""
        name, started = stream.name, self.record.started
        if self.record.cursor(name).done:
            return self.context.summary.streams.setdefault(name, StreamSummary())
        run = self.context.open(stream)
        since = started - timedelta(days=self.context.settings.activity_retention_days)
        query, bound = run.query(activity_since=since), f"SystemModstamp <= {state.soql_datetime(started)}"
        if self.record.cursor(name).total is None:
            self._move(name, total=self.context.client.call(
                lambda sf: sf.query(query.count(bound)))["totalSize"])
        cursor = self.record.cursor(name)

        def committed(**position) -> None:  # ``read``: what earlier runs read, and this one
            self._move(name, read=cursor.read + run.summary.read, **position)
        if cursor.bulk or (self.context.settings.bulk_api and cursor.after is None and
                           run.bulk_fits(lambda: cursor.total)):
            # Rule 43: above the threshold, one Bulk API 2.0 ``query`` job (deleted records are
            # not backfilled), resumable at its next results page.
            if run.read_bulk(query.soql(bound), cursor.bulk, "query", lambda at: committed(bulk=at)):
                self._move(name, done=True)
                return run.summary
            self._move(name, bulk=None)  # refused or failed: the keyset pages below read it
        run.drain(id_pages(self.context.client, query, cursor.after, bound),
                  lambda last: committed(after=last))
        self._move(name, done=True)
        return run.summary

    def _move(self, stream: str, **changes) -> None:
        """Change a stream's cursor (after a commit) and save the backfill."""
        self.record = self.record.with_cursor(stream, replace(self.record.cursor(stream), **changes))
        self._store()

    def _store(self, fresh: bool = False) -> None:
        housekeeping.save_backfill(self.context.cdp, self.context.source.id, self.record.to_row(), fresh)
