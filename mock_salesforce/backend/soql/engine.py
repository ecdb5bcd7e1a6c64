"""Run SOQL against an org: the first page of a query, and later pages by locator.

``query()`` parses, compiles, snapshots the matching Ids and answers the first batch;
``query_more()`` answers any later batch of an open cursor, usually already prepared by the
read-ahead. Both return a :class:`Page` in Salesforce's shape (``totalSize``, ``done``,
``nextRecordsUrl``, ``records``). Not emulated: child subqueries page inside their parent
(all children come in one result), and aggregate results are never split into pages.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field as dc_field

from ... import errors
from . import cursors, snapshots
from .aggregates import AggregateCompiler, AggregatePlan, CountPlan, is_aggregate
from .clauses import check_limits, key_list, sobject_of
from .compiler import RecordCompiler, RecordPlan
from .parser import parse
from .resolve import Context
from .results import child_result, encode

DEFAULT_BATCH = 2000
MIN_BATCH = 200


@dataclass(frozen=True)
class PageRequest:
    """Where a page is served from: API version, ``query``/``queryAll`` and batch size."""

    version: str
    endpoint: str = "query"
    batch_size: int | None = None


@dataclass
class Page:
    """One page of a query result, in Salesforce's shape; the records are kept as UTF-8 JSON.

    ``after_send`` (when set) starts preparing the next page: the API calls it once this page
    has been written to the client, so the work overlaps the client's parsing instead of
    competing with the send for the interpreter.
    """

    total_size: int
    done: bool
    records_json: bytes
    next_records_url: str | None = None
    after_send: Callable[[], None] | None = dc_field(default=None, repr=False, compare=False)

    @property
    def records(self) -> list[dict]:
        """The records as Python values (the API sends :attr:`records_json` as is)."""
        return json.loads(self.records_json)

    def as_dict(self) -> dict:
        """``{"totalSize", "done", ["nextRecordsUrl"], "records"}``."""
        page: dict = {"totalSize": self.total_size, "done": self.done}
        if self.next_records_url is not None:
            page["nextRecordsUrl"] = self.next_records_url
        page["records"] = self.records
        return page

    def to_json(self) -> bytes:
        """The response body (the key order of :meth:`as_dict`)."""
        head = f'{{"totalSize":{self.total_size},"done":{"true" if self.done else "false"}'
        if self.next_records_url is not None:
            head += f',"nextRecordsUrl":{json.dumps(self.next_records_url)}'
        # The records were encoded where they were read (often ahead of time): one copy here.
        return b"".join((f'{head},"records":'.encode(), self.records_json, b"}"))


def batch_size(header: str | None) -> int | None:
    """The batch size of a ``Sforce-Query-Options: batchSize=N`` header (clamped to 200..2000)."""
    for option in (header or "").split(","):
        name, _, value = option.partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH, min(DEFAULT_BATCH, int(value.strip())))
    return None


def compile_soql(org, text: str, include_deleted: bool):
    """Parse and compile a query into a record, aggregate or count plan."""
    query = parse(text)
    ctx = Context(org, text, org.store.engine.dialect.name, org.clock.now())
    sobject = sobject_of(ctx, query)
    check_limits(ctx, query)
    if is_aggregate(query):
        return AggregateCompiler(ctx, include_deleted).compile(query, sobject)
    return RecordCompiler(ctx, include_deleted).compile(query, sobject)


def query(org, text: str, include_deleted: bool, request: PageRequest) -> Page:
    """The first page of a query (``/query`` and ``/queryAll``)."""
    plan = compile_soql(org, text, include_deleted)
    if isinstance(plan, CountPlan):
        with org.store.engine.connect() as conn:
            count = conn.execute(plan.statement).scalar_one()
        if plan.limit is not None:
            count = min(count, plan.limit)
        return Page(count, True, b"[]")
    if isinstance(plan, AggregatePlan):
        with org.store.engine.connect() as conn:
            rows = conn.execute(plan.statement).all()
        records = [_aggregate_record(plan, row) for row in rows]
        return Page(len(records), True, encode(records).encode())
    size = request.batch_size or DEFAULT_BATCH
    # A query whose LIMIT fits in one page is read at once; bigger ones stream in the background.
    if plan.limit is not None and plan.limit <= size:
        snapshot = snapshots.read(org.store.engine, plan.ids)
    else:
        snapshot = snapshots.take(org.store.engine, plan.count, plan.ids, plan.limit, plan.offset,
                                  plan.id_chunks)
    # The first page is read while the snapshot's thread counts the matches.
    records = fetch(org, plan, snapshot.ids(0, size), request.version)
    total = snapshot.wait_total()
    if total <= size:
        return Page(total, True, records)
    cursor = cursors.store_for(org).open(plan, snapshot, size, org.clock.now())
    return _page(org, cursor, size, size, records, request)


def query_more(org, locator: str, request: PageRequest) -> Page:
    """A later page of an open cursor (INVALID_QUERY_LOCATOR when gone)."""
    cursor_id, position = cursors.parse_locator(locator)
    cursor = cursors.store_for(org).get(cursor_id, org.clock.now())
    if position > cursor.total:
        raise errors.INVALID_QUERY_LOCATOR("invalid query locator")
    size = request.batch_size or cursor.batch_size
    stop = min(cursor.total, position + size)
    records = cursor.take_ahead((position, stop, request.version))
    if records is None:
        records = fetch(org, cursor.plan, cursor.ids(position, stop), request.version)
    return _page(org, cursor, stop, size, records, request)


def _read_ahead(org, cursor: cursors.Cursor, start: int, size: int, version: str) -> None:
    if start >= cursor.total:
        return
    stop = min(cursor.total, start + size)
    cursor.read_ahead((start, stop, version),
                      lambda: fetch(org, cursor.plan, cursor.ids(start, stop), version))


def _page(org, cursor: cursors.Cursor, stop: int, size: int, records: bytes,
          request: PageRequest) -> Page:
    if stop >= cursor.total:
        return Page(cursor.total, True, records)
    next_url = \
        f"/services/data/{request.version}/{request.endpoint}/{cursors.locator(cursor, stop)}"
    return Page(cursor.total, False, records, next_url,
                lambda: _read_ahead(org, cursor, stop, size, request.version))


def fetch(org, plan: RecordPlan, ids: list[str], version: str) -> bytes:
    """The records of these Ids, in this order, with their child subqueries: a JSON array."""
    if not ids:
        return b"[]"
    keys = key_list(plan.dialect, ids)
    with org.store.engine.connect() as conn:
        rows = read_rows(conn, plan, ids, keys)
        children = {child.key: _children(conn, child, keys, version) for child in plan.children}
    return ("[" + ",".join(plan.shaper.records_json(rows, version, children)) + "]").encode()


def read_rows(conn, plan: RecordPlan, ids: list[str], keys: object = None) -> list[tuple]:
    """The selected columns of these Ids (non-empty), in this order, as plain tuples.

    A record purged since the snapshot is simply absent.
    """
    if plan.id_range is not None:
        # The Ids are in index order: read them as one range, less any row that entered
        # the range after the snapshot.
        rows = _tuples(conn, plan.id_range, {"first": ids[0], "last": ids[-1]})
        if [row[0] for row in rows] != ids:
            wanted = set(ids)
            rows = [row for row in rows if row[0] in wanted]
        return rows
    rows = _tuples(conn, plan.rows, {"ids": key_list(plan.dialect, ids) if keys is None else keys})
    if [row[0] for row in rows] != ids:
        # The database may return the rows in any order.
        by_id = {row[0]: row for row in rows}
        rows = [by_id[i] for i in ids if i in by_id]
    return rows


def _tuples(conn, statement, params: dict) -> list[tuple]:
    """The rows as the driver's plain tuples: a page skips building SQLAlchemy ``Row`` objects.

    The shapers only index rows and test values for truth, so the driver's own values (0/1
    booleans on SQLite) are written exactly like SQLAlchemy's processed ones.
    """
    result = conn.execute(statement, params)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _children(conn, child, parent_ids: object, version: str) -> dict:
    grouped: dict[str, list] = {}
    for row in _tuples(conn, child.statement, {"parents": parent_ids}):
        grouped.setdefault(row[0], []).append(row)
    results = {}
    for parent_id, rows in grouped.items():
        rows = rows[child.offset:]
        if child.limit is not None:
            rows = rows[:child.limit]
        results[parent_id] = child_result(child.shaper.records_json(rows, version))
    return results


def _aggregate_record(plan: AggregatePlan, row) -> dict:
    record: dict = {"attributes": {"type": "AggregateResult"}}
    for key, value, convert in zip(plan.keys, row, plan.converters, strict=True):
        record[key] = convert(value) if convert is not None and value is not None else value
    return record
