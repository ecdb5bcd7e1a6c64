"""Backfill (rule 34): a one-time pull of everything that matches the current filters.

It runs beside the 15-minute polls — in another process if you like — with a cursor of its own
(keyset over ``Id``, upper bound ``SystemModstamp <= backfill start``), kept in its own table so
the two never overwrite each other's progress. It merges with the configured strategy, and the
CDP skips a record older than what a poll already merged (``stale``), so live changes are never
overwritten by older backfill data. With auto-archive on, it archives every non-matching record
it reads (the seed: "running a backfill … will ensure non-matching contacts are archived").
Killed half-way, ``syncer backfill`` resumes after the last committed page.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ..cdp import CDP
from . import filters, state
from .engine import PAGE_SIZE, Poll, PollSummary, StreamSummary
from .streams import Role, Stream

_metadata = sa.MetaData()
backfill_table = sa.Table(
    "sync_backfill", _metadata,
    sa.Column("data_source_id", sa.Integer, primary_key=True),
    sa.Column("started", sa.String(40), nullable=False),
    sa.Column("progress", sa.JSON, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False, default=False))


def progress(cdp: CDP, source_id: int) -> dict | None:
    """The backfill state of a data source (``started``, ``progress``, ``finished``), or None."""
    with cdp.engine.connect() as conn:
        if not sa.inspect(conn).has_table(backfill_table.name):
            return None  # never backfilled; reading must not take SQLite's write lock to create it
        row = conn.execute(sa.select(backfill_table).where(
            backfill_table.c.data_source_id == source_id)).mappings().first()
    return dict(row) if row else None


def percent(record: dict | None) -> int | None:
    """How far an unfinished backfill is, in percent of the records it counted at its start."""
    if not record or record["finished"]:
        return None
    streams = record["progress"].values()
    total = sum(s.get("total", 0) for s in streams)
    done = sum(min(s.get("read", 0), s.get("total", 0)) for s in streams)
    return int(100 * done / total) if total else 0


class Backfill(Poll):
    """Read every matching record once, page by page, resumably."""

    def run(self) -> PollSummary:
        """Run (or resume) the backfill to its end, or to an API-limit / auth stop."""
        from ..salesforce import ApiLimitError, AuthError
        _metadata.create_all(self.cdp.engine, checkfirst=True)
        record = progress(self.cdp, self.source.id)
        if record is None or record["finished"]:
            # The Date header has whole seconds: round up, as a poll's window end does, so records
            # stamped in the backfill's first second are read too (merges skip stale data anyway).
            started = (self.client.server_time or self.client.now()).astimezone(timezone.utc)
            started = started.replace(microsecond=0) + timedelta(seconds=1)
            record = {"data_source_id": self.source.id, "started": started.isoformat(),
                      "progress": {}, "finished": False}
            self._store(record, insert=True)
        self.started = datetime.fromisoformat(record["started"])
        self.record = record
        calls_before = self.client.calls
        try:
            for stream in self.streams():
                self.backfill_stream(stream)
            self.record["finished"] = True
            self._store(self.record)
        except ApiLimitError as error:
            self.summary.outcome, self.summary.note = "api-limit", f"paused: API limit ({error})"
        except AuthError as error:
            self.summary.outcome, self.summary.note = "needs-attention", str(error)
        self.summary.api_calls = self.client.calls - calls_before
        return self.summary

    def backfill_stream(self, stream: Stream) -> StreamSummary:
        """Keyset pages over Id up to the backfill's start."""
        summary = self.summary.streams.setdefault(stream.name, StreamSummary())
        mine = self.record["progress"].setdefault(stream.name, {"after": None, "read": 0, "done": False})
        if mine["done"]:
            return summary
        mapping = self._mapping(stream, summary)
        group = self._filter(stream)
        conditions = [f"SystemModstamp <= {state.soql_datetime(self.started)}"]
        if stream.where:
            conditions.append(stream.where)
        if stream.role is Role.ACTIVITY:
            since = self.started - timedelta(days=self.settings.activity_retention_days)
            conditions.append(f"{stream.activity_time} >= {state.soql_datetime(since)}")
        if self._filtered_by_salesforce(stream):
            conditions.append(filters.to_soql(group))
        if "total" not in mine:
            mine["total"] = self.client.call(lambda sf: sf.query(
                f"SELECT COUNT() FROM {stream.name} WHERE {' AND '.join(conditions)}"))["totalSize"]
            self._store(self.record)
        select = stream.select_fields(mapping, self._permission_fields(stream) +
                                      tuple(sorted(group.fields() if group else ())))
        fields = ", ".join(select)
        if mine.get("bulk") or (self.settings.bulk_api and mine["after"] is None and
                                self.bulk_fits(stream, select, summary, lambda: mine["total"])):
            # Rule 43: above the threshold, one Bulk API 2.0 ``query`` job (deleted records are
            # not backfilled), resumable at its next results page.
            read_before = mine["read"]

            def committed(position: dict) -> None:
                mine["bulk"], mine["read"] = position, read_before + summary.read
                self._store(self.record)

            soql = f"SELECT {fields} FROM {stream.name} WHERE {' AND '.join(conditions)}"
            if self.read_bulk(stream, soql, mine.get("bulk"), mapping, summary, "query", committed):
                mine["done"] = True
                self._store(self.record)
                return summary
            mine["bulk"] = None  # refused or failed: the keyset pages below read it through REST
        while True:
            keyset = [f"Id > '{mine['after']}'"] if mine["after"] else []
            soql = (f"SELECT {fields} FROM {stream.name} WHERE {' AND '.join(conditions + keyset)} "
                    f"ORDER BY Id LIMIT {PAGE_SIZE}")
            page = next(self.client.query_pages(soql, include_deleted=False))
            if page:
                self._apply(stream, page, mapping, summary)
                mine["after"], mine["read"] = page[-1]["Id"], mine["read"] + len(page)
                self._store(self.record)
                summary.read += len(page)
                self.progress(stream.name, len(page))
            self._check_budget()
            if len(page) < PAGE_SIZE:
                break
        mine["done"] = True
        self._store(self.record)
        return summary

    def _store(self, record: dict, insert: bool = False) -> None:
        values = {k: record[k] for k in ("started", "progress", "finished")}
        with self.cdp.engine.begin() as conn:
            if insert:
                conn.execute(sa.delete(backfill_table).where(backfill_table.c.data_source_id == self.source.id))
                conn.execute(sa.insert(backfill_table).values(data_source_id=self.source.id, **values))
            else:
                conn.execute(sa.update(backfill_table).where(
                    backfill_table.c.data_source_id == self.source.id).values(**values))
