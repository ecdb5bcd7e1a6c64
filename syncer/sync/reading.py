"""REST reads as generators of ``(page, checkpoint)``: save the checkpoint only once the page
is committed.

``WindowPages`` reads a poll's window in ``(SystemModstamp, Id)`` keyset pages. It fetches the
next page while the caller merges this one (its start is known as soon as this page arrives),
and on QUERY_TIMEOUT it asks again over the lower half of the date window and reads the rest in
parts (rule 43, after Singer). ``id_pages`` reads keyset pages over ``Id`` (a backfill, a
formula refresh).
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from ..salesforce import FatalError, SalesforceClient
from . import state
from .run import PAGE_SIZE, Query
from .streams import parse_stamp

log = logging.getLogger("syncer")
Checkpoint = tuple[datetime, str | None]


class WindowPages:
    """A poll's window of one stream, in keyset pages: yields ``(page, checkpoint or None)``."""

    def __init__(self, client: SalesforceClient, query: Query, window: state.Window,
                 counts: Counter) -> None:
        self.client, self.query, self.window, self.counts = client, query, window, counts

    def __iter__(self) -> Iterator[tuple[list[dict], Checkpoint | None]]:
        window = self.window
        part_start = window.after[0] if window.after else window.start  # a halved window's part
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch") as pool:
            pending = pool.submit(self._fetch, window.after, window.end)
            while pending is not None:
                page, end = pending.result()
                pending = None
                if len(page) == PAGE_SIZE:
                    last = (parse_stamp(page[-1]["SystemModstamp"]), page[-1]["Id"])
                    pending = pool.submit(self._fetch, last, end)
                elif end < window.end:  # this part of a halved window is read: the next follows
                    pending = pool.submit(self._fetch, (end, None),
                                          state.following_span(part_start, end, window.end))
                    part_start = end
                yield page, self._checkpoint(page, end)

    def _checkpoint(self, page: list[dict], end: datetime) -> Checkpoint | None:
        """Where a read resumes once ``page`` (read up to ``end``) is committed."""
        if len(page) < PAGE_SIZE and end < self.window.end:
            return end, None  # every record stamped before ``end`` is in
        if page:
            return parse_stamp(page[-1]["SystemModstamp"]), page[-1]["Id"]
        return None

    def _fetch(self, after: Checkpoint | None, end: datetime) -> tuple[list[dict], datetime]:
        """A keyset page stamped below ``end`` (and the ``end`` it was read with): on
        QUERY_TIMEOUT the date window is halved and asked again."""
        while True:
            bound = state.window_filter(state.Window(self.window.start, end, after))
            soql = self.query.soql(bound, order="SystemModstamp, Id", limit=PAGE_SIZE)
            try:
                return next(self.client.query_pages(soql, include_deleted=True)), end
            except FatalError as error:
                lower = after[0] if after else self.window.start
                if error.error_code != "QUERY_TIMEOUT" or (shorter := state.halved(lower, end)) is None:
                    raise
                log.warning("%s: QUERY_TIMEOUT; reading up to %s first", self.query.sobject,
                            shorter.isoformat())
                self.counts["query_timeout:window_halved"] += 1
                end = shorter


def id_pages(client: SalesforceClient, query: Query, after: str | None = None,
             bound: str = "") -> Iterator[tuple[list[dict], str | None]]:
    """Keyset pages over ``Id`` (deleted records left out): yields ``(page, its last Id)``."""
    while True:
        keyset = f"Id > '{after}'" if after else ""
        page = next(client.query_pages(query.soql(bound, keyset, order="Id", limit=PAGE_SIZE),
                                       include_deleted=False))
        last = page[-1]["Id"] if page else None
        yield page, last
        if len(page) < PAGE_SIZE:
            return
        after = last
