"""What a poll and a backfill share: the run of one data source, and the context of one stream.

A :class:`Run` holds what every stream of one poll (or backfill) uses — the CDP, the data source,
the settings, the Salesforce client, the describes fetched so far, the summary and the API budget.
``Run.open(stream)`` makes a :class:`StreamRun` once per stream: its field mapping, filter,
SELECT list and sink (what its records become in the CDP), so nothing is threaded through calls.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from ..salesforce import ApiLimitError, AuthError, SalesforceClient
from . import bulk, compound, custom, filters, state
from .sinks import Sink, sink_for
from .streams import Role, Stream, selected

if TYPE_CHECKING:  # the settings module imports the sync modules it validates against
    from ..cdp import CDP, DataSource
    from ..config import Settings

log = logging.getLogger("syncer")
PAGE_SIZE = 2000
Checkpoint = TypeVar("Checkpoint")


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


@dataclass(frozen=True)
class Query:
    """A stream's SOQL: its SELECT list and fixed conditions; a window or keyset adds its bounds."""

    sobject: str
    select: tuple[str, ...]
    conditions: tuple[str, ...]

    def where(self, bound: str = "", keyset: str = "") -> str:
        """The WHERE clause: ``bound`` first, the fixed conditions, ``keyset`` last."""
        return " AND ".join(part for part in (bound, *self.conditions, keyset) if part)

    def soql(self, bound: str = "", keyset: str = "", order: str = "", limit: int = 0) -> str:
        """The query; with ``order`` and ``limit`` a keyset page of it."""
        where = self.where(bound, keyset)
        return (f"SELECT {', '.join(self.select)} FROM {self.sobject}" + (f" WHERE {where}" if where else "")
                + (f" ORDER BY {order}" if order else "") + (f" LIMIT {limit}" if limit else ""))

    def count(self, bound: str = "") -> str:
        """``SELECT COUNT()`` of the same rows."""
        return f"SELECT COUNT() FROM {self.sobject} WHERE {self.where(bound)}"


class Run:
    """One poll or backfill of one data source: what all its streams share."""

    def __init__(self, cdp: CDP, source: DataSource, settings: Settings, client: SalesforceClient,
                 progress: Callable[[str, int], None] | None = None,
                 total: Callable[[str, int], None] | None = None) -> None:
        self.cdp, self.source, self.settings, self.client = cdp, source, settings, client
        self.progress = progress or (lambda stream, count: None)
        self.total = total or (lambda stream, count: None)  # a stream's size, when counted
        self.summary = PollSummary()
        self._described: dict[str, dict] = {}

    @contextmanager
    def stopping(self) -> Iterator[None]:
        """Stop cleanly on the API budget (rule 41) or an auth failure (rule 42); count calls."""
        calls_before = self.client.calls
        try:
            yield
        except ApiLimitError as error:
            self.summary.outcome, self.summary.note = "api-limit", f"paused: API limit ({error})"
        except AuthError as error:
            self.summary.outcome, self.summary.note = "needs-attention", str(error)
        finally:
            self.summary.api_calls = self.client.calls - calls_before

    def streams(self) -> list[Stream]:
        """The selected standard streams, then the custom objects the org can serve now; the
        custom objects it cannot are reported as skipped (in their summary and the poll's note)."""
        streams, skipped = custom.plan(self.settings.custom_objects, self.client.describe_global,
                                       self.describe, self.settings.filters)
        for item in skipped:
            self.summary.streams.setdefault(item.name, StreamSummary()).skipped = item.reason
            log.warning("custom object %s skipped: %s", item.name, item.reason)
        if skipped:
            notes = "; ".join(f"{item.name} skipped: {item.reason}" for item in skipped)
            self.summary.note = f"{self.summary.note}; {notes}" if self.summary.note else notes
        return selected(self.settings.objects) + streams

    def open(self, stream: Stream) -> StreamRun:
        """The context of one stream in this run (its mapping is read from the org now)."""
        summary = self.summary.streams.setdefault(stream.name, StreamSummary())
        mapping = self.mapping(stream, summary)
        group = None if stream.role is Role.ACTIVITY else self.settings.filters.get(stream.name)
        extra = self.permission_fields(stream) + tuple(sorted(group.fields() if group else ()))
        return StreamRun(self, stream, summary, mapping, group, stream.select_fields(mapping, extra))

    def mapping(self, stream: Stream, summary: StreamSummary) -> dict[str, str]:
        """The mapped fields that exist in the org now (refetched every poll, rule 44)."""
        mapping = self.settings.mapping(stream.name)
        if stream.role is Role.ACTIVITY:
            return {}
        fields = self.describe(stream.name)["fields"]
        described = {f["name"] for f in fields}
        missing = [name for name in mapping if name not in described]
        if missing:
            summary.skipped_fields = missing
            log.warning("%s: fields not in the org, skipped: %s", stream.name, ", ".join(missing))
        # A mapped address or location field is read as its parts (and so stays Bulk-readable).
        return compound.expand({k: v for k, v in mapping.items() if k in described}, fields,
                               keep_names=stream.role is Role.CUSTOM_OBJECT)

    def describe(self, sobject: str) -> dict:
        """An object's describe, fetched once per run (new fields show up next poll, rule 44)."""
        if sobject not in self._described:
            self._described[sobject] = self.client.describe(sobject)
        return self._described[sobject]

    def permission_fields(self, stream: Stream) -> tuple[str, ...]:
        """The Contact/Lead fields that carry the email and SMS permissions (rule 20)."""
        if stream.role is not Role.PERSON or stream.custom:
            return ()
        return tuple(self.settings.permission_fields.values())

    def check_budget(self) -> None:
        """Stop (``ApiLimitError``) once the run has used its share of the org's API calls."""
        allocation = self.settings.api_allocation_percent / 100
        if self.client.usage.limit and self.client.usage.fraction >= allocation:
            raise ApiLimitError(f"{self.client.usage.used}/{self.client.usage.limit} calls used, "
                                f"allocation {self.settings.api_allocation_percent:g}%")


@dataclass
class StreamRun:
    """One stream in one run: what it reads (mapping, filter, SELECT) and where it writes (sink)."""

    context: Run
    stream: Stream
    summary: StreamSummary
    mapping: dict[str, str]
    group: filters.Group | None    # the selective-sync filter (rules 30 and 53), if any
    select: list[str]
    sink: Sink = field(init=False)

    def __post_init__(self) -> None:
        self.sink = sink_for(self)

    @property
    def filtered_by_salesforce(self) -> bool:
        """The filter goes into the query: always for custom-object records, which have no
        archived state to move to [OD], else unless auto-archive must see the records that left."""
        return self.group is not None and (
            not self.context.settings.auto_archive or self.stream.role is Role.CUSTOM_OBJECT)

    def query(self, activity_since: datetime | None = None, select: tuple[str, ...] | None = None,
              filter_in_query: bool | None = None) -> Query:
        """The stream's query, for a poll's window, a backfill or a formula refresh: its fixed
        filter, the selective-sync filter when Salesforce applies it (``filter_in_query``: always),
        and how far back activities go."""
        stream = self.stream
        conditions = [stream.where] if stream.where else []
        if self.group is not None and (filter_in_query or self.filtered_by_salesforce):
            conditions.append(filters.to_soql(self.group))  # selective sync, done by Salesforce
        if activity_since is not None and stream.role is Role.ACTIVITY:
            conditions.append(f"{stream.activity_time} >= {state.soql_datetime(activity_since)}")
        return Query(stream.name, select or tuple(self.select), tuple(conditions))

    def drain(self, pages: Iterable[tuple[list[dict], Checkpoint | None]],
              commit: Callable[[Checkpoint], None]) -> None:
        """Write each page in one CDP transaction, then ``commit`` its checkpoint (None: nothing
        moved), then check the API budget."""
        for page, checkpoint in pages:
            if page:
                self.sink.write(page)
                self.summary.read += len(page)
                self.context.progress(self.stream.name, len(page))
            if checkpoint is not None:
                commit(checkpoint)
            self.context.check_budget()

    def bulk_fits(self, count: Callable[[], int]) -> bool:
        """More rows than the threshold (``count()``: one COUNT() call) and nothing Bulk cannot serve."""
        if count() <= self.context.settings.bulk_threshold:
            return False
        if (reason := bulk.rest_only_reason(self.stream.name, self.select, self.context.describe)) is not None:
            self.summary.api_note = f"REST: {reason} (Bulk API cannot serve it)"
            log.info("%s read through REST: %s", self.stream.name, self.summary.api_note)
            return False
        return True

    def read_bulk(self, soql: str, position: dict | None, operation: str,
                  commit: Callable[[dict], None]) -> bool:
        """Read one query job's results into the CDP, ``commit(position)`` after each chunk;
        False when Salesforce refused or failed the job (the caller reads through REST)."""
        def waiting(seconds: float) -> None:  # while the job runs: keep the run's lease alive
            time.sleep(seconds)
            self.context.progress(self.stream.name, 0)

        reader = bulk.BulkRead(self.context.client, self.stream.name, soql, self.context.describe, operation,
                               position, sleep=waiting)
        try:
            self.drain(reader.chunks(PAGE_SIZE), commit)
        except bulk.BulkUnavailable as error:
            self.summary.api_note = f"REST: Bulk job not usable ({error})"
            log.warning("%s: %s", self.stream.name, self.summary.api_note)
            return False
        self.summary.api = "Bulk API 2.0"
        reader.close()
        return True
