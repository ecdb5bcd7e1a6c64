"""The sync loop: one poll of one data source, stream by stream, page by page.

A page is merged in one CDP transaction; only then does the stream's checkpoint move, and only
when the whole window is committed does its cursor move (rules 36–37). The poll stops cleanly on
an API budget problem (cursor kept, source stays *Connected* with a note, rule 41) or an auth
failure (source goes to *Needs attention*, cursor kept, rule 42). Everything it skipped is
counted with its reason in the summary.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from ..cdp import CDP, DataSource
from ..cdp import sources as housekeeping
from ..config import Settings
from ..salesforce import ApiLimitError, AuthError, FatalError, SalesforceClient
from . import bulk, compound, custom, filters, formulas, state
from .streams import Role, Stream, parse_stamp, selected, to_activity, to_cdp_record

log = logging.getLogger("syncer")
PAGE_SIZE = 2000

CONNECTED, UPDATING, NEEDS_ATTENTION, DISCONNECTED = "Connected", "Updating", "Needs attention", "Disconnected"


@dataclass
class StreamSummary:
    """What one stream did in one poll."""

    read: int = 0
    counts: Counter = field(default_factory=Counter)
    skipped_fields: list[str] = field(default_factory=list)
    skipped: str | None = None  # why the whole stream was not read (custom objects, rule 53)
    api: str = "REST"           # "Bulk API 2.0" when this poll read the stream by Bulk job (rule 43)
    api_note: str | None = None  # why a window big enough for Bulk was read through REST


@dataclass
class PollSummary:
    """What one poll did, per stream, and how it ended."""

    streams: dict[str, StreamSummary] = field(default_factory=dict)
    outcome: str = "ok"        # ok | api-limit | needs-attention
    note: str | None = None
    api_calls: int = 0


class Poll(formulas.FormulaRefresh):
    """One poll of one data source (initial sync when a stream has no cursor yet)."""

    def __init__(self, cdp: CDP, source: DataSource, settings: Settings, client: SalesforceClient,
                 progress: Callable[[str, int], None] | None = None, started: datetime | None = None,
                 total: Callable[[str, int], None] | None = None) -> None:
        self.cdp, self.source, self.settings, self.client = cdp, source, settings, client
        self.started = started or datetime.now(timezone.utc)  # by the scheduler's clock (rule 35)
        self.progress = progress or (lambda stream, count: None)
        self.total = total or (lambda stream, count: None)  # a stream's size, when counted
        self.bookmarks = dict(source.bookmarks or {})
        self.summary = PollSummary()
        self.server_now: datetime | None = None
        self._described: dict[str, dict] = {}

    def run(self) -> PollSummary:
        """Poll every selected stream; set the data-source state around it."""
        calls_before = self.client.calls
        # Local time of this poll, for scheduling (the cursors themselves use Salesforce time).
        self.bookmarks["_poll"] = {"started": self.started.isoformat()}
        self.cdp.update_data_source(self.source.id, state=UPDATING, bookmarks=dict(self.bookmarks))
        try:
            for stream in self.streams():
                initial = state.Cursor.from_json(self.bookmarks.get(stream.name)).committed is None
                self.refresh_formulas(stream, initial, self.sync_stream(stream))  # rule 40
        except ApiLimitError as error:
            self.summary.outcome, self.summary.note = "api-limit", f"paused: API limit ({error})"
        except AuthError as error:
            self.summary.outcome, self.summary.note = "needs-attention", str(error)
        finally:
            final = NEEDS_ATTENTION if self.summary.outcome == "needs-attention" else CONNECTED
            self.cdp.update_data_source(self.source.id, state=final, status_note=self.summary.note,
                                        bookmarks=self.bookmarks)
            self.summary.api_calls = self.client.calls - calls_before
        return self.summary

    def streams(self) -> list[Stream]:
        """The selected standard streams, then the custom objects the org can serve now; the
        custom objects it cannot are reported as skipped (in their summary and the poll's note)."""
        streams, skipped = custom.plan(self.settings.custom_objects, self.client.describe_global,
                                       self._describe, self.settings.filters)
        for item in skipped:
            self.summary.streams.setdefault(item.name, StreamSummary()).skipped = item.reason
            log.warning("custom object %s skipped: %s", item.name, item.reason)
        if skipped:
            notes = "; ".join(f"{item.name} skipped: {item.reason}" for item in skipped)
            self.summary.note = f"{self.summary.note}; {notes}" if self.summary.note else notes
        return selected(self.settings.objects) + streams

    # -- one stream -------------------------------------------------------------------------
    def sync_stream(self, stream: Stream) -> StreamSummary:
        """Read one stream's window in keyset pages and merge each page."""
        summary = self.summary.streams.setdefault(stream.name, StreamSummary())
        mapping = self._mapping(stream, summary)
        cursor = state.Cursor.from_json(self.bookmarks.get(stream.name))
        initial = cursor.committed is None
        if self.server_now is None:
            self.server_now = self.client.server_time or self.client.now()
        cursor, window = state.open_window(cursor, self.server_now)
        self._save(stream, cursor)
        if stream.role is Role.CUSTOM_OBJECT:
            # People synced since the last poll may be the ones earlier records were waiting for.
            if relinked := self.cdp.relink_custom_records(self.source, stream.name):
                summary.counts["relinked"] += relinked
        group = self._filter(stream)
        select = stream.select_fields(mapping, self._permission_fields(stream) +
                                      tuple(sorted(group.fields() if group else ())))
        fields = ", ".join(select)
        conditions = [stream.where] if stream.where else []
        if self._filtered_by_salesforce(stream):
            conditions.append(filters.to_soql(group))  # selective sync, done by Salesforce
        if initial and stream.role is Role.ACTIVITY:
            # Rule 24: the first import brings only the last 90 days of activity.
            since = self._connected_at() - timedelta(days=90)
            conditions.append(f"{stream.activity_time} >= {state.soql_datetime(since)}")

        where = " AND ".join([state.window_filter(state.Window(window.start, window.end)), *conditions])
        if self._bulk_wanted(stream, select, where, cursor, initial, summary):
            def committed(position: dict) -> None:
                nonlocal cursor
                cursor = state.bulk_page_committed(cursor, position)
                self._save(stream, cursor)

            soql = f"SELECT {fields} FROM {stream.name} WHERE {where}"
            if self.read_bulk(stream, soql, cursor.bulk, mapping, summary, "queryAll", committed):
                self._save(stream, state.window_committed(cursor))
                return summary
            cursor, window = replace(cursor, bulk=None, checkpoint=None), replace(window, after=None)
            self._save(stream, cursor)

        def fetch(after: tuple[datetime, str | None] | None, end: datetime) -> tuple[list[dict], datetime]:
            """A keyset page stamped below ``end`` (and the ``end`` it was read with): on
            QUERY_TIMEOUT the date window is halved and asked again (rule 43, after Singer)."""
            while True:
                where = " AND ".join([state.window_filter(state.Window(window.start, end, after)), *conditions])
                soql = (f"SELECT {fields} FROM {stream.name} WHERE {where} "
                        f"ORDER BY SystemModstamp, Id LIMIT {PAGE_SIZE}")
                try:
                    return next(self.client.query_pages(soql, include_deleted=True)), end
                except FatalError as error:
                    lower = after[0] if after else window.start
                    if error.error_code != "QUERY_TIMEOUT" or (shorter := state.halved(lower, end)) is None:
                        raise
                    log.warning("%s: QUERY_TIMEOUT; reading up to %s first", stream.name, shorter.isoformat())
                    summary.counts["query_timeout:window_halved"] += 1
                    end = shorter

        # The next keyset page is read while this one merges: its start is known as soon as this
        # page arrives. The cursor still moves only after each page's commit.
        # A halved window is read in parts: ``part_start`` is where the current part began.
        part_start = window.after[0] if window.after else window.start
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch") as pool:
            pending = pool.submit(fetch, window.after, window.end)
            while pending is not None:
                page, end = pending.result()
                pending = None
                if len(page) == PAGE_SIZE:
                    pending = pool.submit(fetch, (parse_stamp(page[-1]["SystemModstamp"]), page[-1]["Id"]), end)
                elif end < window.end:  # this part of a halved window is read: the next follows
                    pending = pool.submit(fetch, (end, None), state.following_span(part_start, end, window.end))
                    part_start = end
                if page:
                    self._apply(stream, page, mapping, summary)
                    last = page[-1]
                    cursor = state.page_committed(cursor, parse_stamp(last["SystemModstamp"]), last["Id"])
                    summary.read += len(page)
                    self.progress(stream.name, len(page))
                if len(page) < PAGE_SIZE and end < window.end:
                    cursor = state.part_committed(cursor, end)
                if page or end < window.end:
                    self._save(stream, cursor)
                self._check_budget()
        self._save(stream, state.window_committed(cursor))
        return summary

    # -- Bulk API 2.0 (rule 43) --------------------------------------------------------------
    def _bulk_wanted(self, stream: Stream, select: list[str], where: str, cursor: state.Cursor,
                     initial: bool, summary: StreamSummary) -> bool:
        """A window resumes its Bulk job; a first window of more than ``bulk_threshold`` rows
        that Bulk can serve starts one. Incremental windows always read through REST."""
        if cursor.bulk:
            return True
        if not (initial and self.settings.bulk_api) or cursor.checkpoint is not None:
            return False

        def count() -> int:
            try:
                rows = self.client.count(f"SELECT COUNT() FROM {stream.name} WHERE {where}")
                self.total(stream.name, rows)
                return rows
            except FatalError as error:
                if error.error_code != "QUERY_TIMEOUT":
                    raise
                return self.settings.bulk_threshold + 1  # too many to count: what Bulk is for
        return self.bulk_fits(stream, select, summary, count)

    def bulk_fits(self, stream: Stream, select: list[str], summary: StreamSummary,
                  count: Callable[[], int]) -> bool:
        """More rows than the threshold (``count()``: one COUNT() call) and nothing Bulk cannot serve."""
        if count() <= self.settings.bulk_threshold:
            return False
        if (reason := bulk.rest_only_reason(stream.name, select, self._describe)) is not None:
            summary.api_note = f"REST: {reason} (Bulk API cannot serve it)"
            log.info("%s read through REST: %s", stream.name, summary.api_note)
            return False
        return True

    def read_bulk(self, stream: Stream, soql: str, position: dict | None, mapping: dict[str, str],
                  summary: StreamSummary, operation: str, committed: Callable[[dict], None]) -> bool:
        """Read one query job's results into the CDP, ``committed(position)`` after each chunk;
        False when Salesforce refused or failed the job (the caller reads through REST)."""
        def waiting(seconds: float) -> None:  # while the job runs: keep the poll's lease alive
            time.sleep(seconds)
            self.progress(stream.name, 0)

        reader = bulk.BulkRead(self.client, stream.name, soql, self._describe, operation, position,
                               sleep=waiting)
        try:
            for records, after in reader.chunks(PAGE_SIZE):
                if records:  # one merge transaction, then its position within the results page
                    self._apply(stream, records, mapping, summary)
                    summary.read += len(records)
                    self.progress(stream.name, len(records))
                committed(after)
                self._check_budget()
        except bulk.BulkUnavailable as error:
            summary.api_note = f"REST: Bulk job not usable ({error})"
            log.warning("%s: %s", stream.name, summary.api_note)
            return False
        summary.api = "Bulk API 2.0"
        reader.close()
        return True

    def _filter(self, stream: Stream) -> filters.Group | None:
        """The selective-sync filter of a person, organisation or custom-object stream, if any
        (rules 30 and 53)."""
        return None if stream.role is Role.ACTIVITY else self.settings.filters.get(stream.name)

    def _filtered_by_salesforce(self, stream: Stream) -> bool:
        """The filter goes into the query: always for custom-object records, which have no
        archived state to move to [OD], else unless auto-archive must see the records that left."""
        return self._filter(stream) is not None and (
            not self.settings.auto_archive or stream.role is Role.CUSTOM_OBJECT)

    def _apply(self, stream: Stream, page: list[dict], mapping: dict[str, str],
               summary: StreamSummary) -> None:
        if stream.role is Role.CUSTOM_OBJECT:
            obj = self.settings.custom_objects[stream.name]
            records = [custom.to_custom_record(obj, r, mapping) for r in page]
            summary.counts.update(self.cdp.write_custom_records(
                self.source, stream.name, records, obj.identifier.create_people))
            return
        deleted = [r["Id"] for r in page if r.get("IsDeleted")]
        live = [r for r in page if not r.get("IsDeleted")]
        group = self._filter(stream)
        if group is not None and self.settings.auto_archive:
            # Auto-archive (rule 32): the records this read saw that no longer match are archived;
            # records it did not see are not re-evaluated.
            leaving = [r["Id"] for r in live if not filters.matches(group, r)]
            live = [r for r in live if filters.matches(group, r)]
            if leaving:
                summary.counts["archived:not_matching"] += self.cdp.archive(self.source, leaving)
        if deleted and stream.role is not Role.ACTIVITY:
            self.cdp.remove_sf_records(self.source, deleted)
            summary.counts["deleted"] += len(deleted)
        elif deleted:
            summary.counts["skipped:deleted_activity"] += len(deleted)
        if not live:
            return
        if stream.role is Role.ACTIVITY:
            activities = [to_activity(stream, r) for r in live]
            missing = sum(1 for a in activities if a is None)
            if missing:
                reason = "no_primary_contact_role" if stream.activity_type == "opportunity" else "no_person"
                summary.counts[f"skipped:{reason}"] += missing
            result = self.cdp.add_activities(self.source, [a for a in activities if a])
            summary.counts["activities:inserted"] += result.inserted
            summary.counts["activities:updated"] += result.updated
            if result.skipped_no_person:
                summary.counts["skipped:person_not_synced"] += result.skipped_no_person
            return
        records = [to_cdp_record(stream, r, mapping, self.settings.permission_fields) for r in live]
        if stream.role is Role.ORGANIZATION:
            result = self.cdp.merge_organizations_page(self.source, records, self.settings.organizations)
        else:
            result = self.cdp.merge_people_page(self.source, records, self.settings.people)
        summary.counts.update(result.counts)
        if group is not None and self.settings.auto_archive:
            restored = housekeeping.restore(self.cdp, self.source.id, [r["Id"] for r in live])
            if restored:
                summary.counts["restored"] += restored  # archived, now matching again (rule 33)

    # -- helpers ----------------------------------------------------------------------------
    def _mapping(self, stream: Stream, summary: StreamSummary) -> dict[str, str]:
        """The mapped fields that exist in the org now (refetched every poll, rule 44)."""
        mapping = self.settings.mapping(stream.name)
        if stream.role is Role.ACTIVITY:
            return {}
        fields = self._describe(stream.name)["fields"]
        described = {f["name"] for f in fields}
        missing = [name for name in mapping if name not in described]
        if missing:
            summary.skipped_fields = missing
            log.warning("%s: fields not in the org, skipped: %s", stream.name, ", ".join(missing))
        # A mapped address or location field is read as its parts (and so stays Bulk-readable).
        return compound.expand({k: v for k, v in mapping.items() if k in described}, fields,
                               keep_names=stream.role is Role.CUSTOM_OBJECT)

    def _describe(self, sobject: str) -> dict:
        """An object's describe, fetched once per poll (new fields show up next poll, rule 44)."""
        if sobject not in self._described:
            self._described[sobject] = self.client.describe(sobject)
        return self._described[sobject]

    def _permission_fields(self, stream: Stream) -> tuple[str, ...]:
        if stream.role is not Role.PERSON or stream.custom:  # Contact/Lead fields
            return ()
        return tuple(self.settings.permission_fields.values())

    def _connected_at(self) -> datetime:
        stamp = (self.source.settings or {}).get("connected_at")
        return datetime.fromisoformat(stamp) if stamp else self.server_now or datetime.now(timezone.utc)

    def _save(self, stream: Stream, cursor: state.Cursor) -> None:
        self.bookmarks[stream.name] = cursor.to_json()
        self.cdp.update_data_source(self.source.id, bookmarks=dict(self.bookmarks))

    def _check_budget(self) -> None:
        allocation = self.settings.api_allocation_percent / 100
        if self.client.usage.limit and self.client.usage.fraction >= allocation:
            raise ApiLimitError(f"{self.client.usage.used}/{self.client.usage.limit} calls used, "
                                f"allocation {self.settings.api_allocation_percent:g}%")
