"""Rule 43: initial loads and backfills above 2,000 rows read through Bulk API 2.0.

REST ``queryAll`` stays the API of incremental polls. When a stream's first window (or a
backfill) counts more than ``[sync] bulk_threshold`` rows (``SELECT COUNT()``, one call), it is
read as one Bulk API 2.0 query job instead — ``queryAll`` for a sync, which sees deleted records,
``query`` for a backfill — and its CSV results are read page by page through the job's locator.

Resumable without ORDER BY: Salesforce's docs warn that ORDER BY turns off a Bulk job's PK
chunking and invites QUERY_TIMEOUT, so the job is unordered and the *locator* is the checkpoint.
A results page (10,000 rows) is merged in chunks of 2,000 rows, and after each chunk is
committed the job id, the page's locator and the rows of that page committed so far are saved in
the stream's cursor; a killed sync fetches that page again and goes on after its last committed
row, in the same job (Salesforce keeps jobs and their results for seven days, and a locator
names the same rows each time it is read). A job that is gone, failed or aborted starts the
window again with a new job; merges are idempotent, so re-reading committed records loses nothing.

A poll creates a stream's job ahead of its turn, before the stream ahead of it merges
(``engine.Poll.start_bulk_job``), and saves it in that stream's cursor: Salesforce runs the job
meanwhile, and the stream's turn reads it like any resumed job. Status polls start at 0.1 s and
grow to 2 s apart (``POLL_FIRST`` …).

REST is kept, with the reason logged and counted, for what Bulk cannot serve: a child subquery
(an opportunity's primary contact role), a compound address/location field or a base64 field in
the SELECT (a *mapped* compound never gets there: ``compound.py`` reads it as its parts), and a
job Salesforce refuses or fails.

CSV values are typed back into the REST shapes the merge already knows, from the describe:
booleans, numbers, nulls (an empty cell), datetimes (``…Z`` → ``…+0000``) and parent paths
(``Account.Name`` → ``{"Account": {"Name": …}}``, all-empty parents → null, as REST sends them).
"""
from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from ..salesforce import FatalError, SalesforceClient

log = logging.getLogger("syncer")
THRESHOLD = 2000          # Airbyte's docs: Bulk for "more than 2,000 records"
RESULT_PAGE = 10_000      # rows per results call (merged and saved in chunks of the sync's page size)
# Job status polls: 0.1 s first, 25% longer each time, at most 2 s apart — the cap of
# simple-salesforce's bulk2 client and airbyte-source-salesforce, which start at 0.5 s. A job is
# seen done at most a quarter of the wait so far (+ 0.1 s) after it completes; doubling up to
# 10 s, as before, could add as much as the whole wait (a 1.1 s job was seen at 1.5 s).
POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.1, 1.25, 2.0
_NUMBER = {"int", "double", "currency", "percent", "long"}
_REST_ONLY = {"address": "compound address field", "location": "compound location field",
              "base64": "base64 field"}
Describe = Callable[[str], dict]


class BulkUnavailable(Exception):
    """Salesforce refused or failed the job: read the window through REST instead."""


def rest_only_reason(sobject: str, select: list[str], describe: Describe) -> str | None:
    """Why this SELECT must be read through REST, or None when Bulk can serve it."""
    types = {f["name"]: f["type"] for f in describe(sobject)["fields"]}
    for name in select:
        if name.startswith("("):
            child = re.search(r"\bFROM\s+(\w+)", name, re.IGNORECASE)
            return f"child subquery {child.group(1) if child else name}"
        if "." not in name and types.get(name) in _REST_ONLY:
            return f"{_REST_ONLY[types[name]]} {name}"
    return None


def converter(sobject: str, header: list[str], describe: Describe) -> Callable[[list[str]], dict]:
    """A function from one CSV row to the record REST would have sent (without ``attributes``)."""
    columns = [_column(sobject, name.split("."), describe) for name in header]
    if all(len(path) == 1 for path, _ in columns):
        flat = [(path[0], fn) for path, fn in columns]
        return lambda row: {key: (fn(value) if fn else value) if value else None
                            for (key, fn), value in zip(flat, row)}

    def nested(row: list[str]) -> dict:
        record: dict = {}
        for (path, fn), value in zip(columns, row):
            node = record
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = (fn(value) if fn else value) if value else None
        return _null_parents(record)

    return nested


def parse(text: str, convert_for: Callable[[list[str]], Callable[[list[str]], dict]]) -> list[dict]:
    """The records of one CSV results page (header row first)."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        return []
    convert = convert_for(header)
    return [convert(row) for row in rows if row]


class BulkRead:
    """One window read through a Bulk API 2.0 query job, page by page, resumable by locator."""

    def __init__(self, client: SalesforceClient, sobject: str, soql: str, describe: Describe,
                 operation: str = "queryAll", position: dict | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client, self.sobject, self.soql, self.describe = client, sobject, soql, describe
        self.operation, self.position, self.sleep = operation, dict(position or {}), sleep
        self._converters: dict[tuple[str, ...], Callable[[list[str]], dict]] = {}

    def chunks(self, size: int) -> Iterator[tuple[list[dict], dict]]:
        """``(records, position after them)`` per chunk of at most ``size`` rows of a results page;
        save the position only once the records are committed. A position names the results page
        (its locator) and how many of its rows are committed, so a resumed read skips exactly
        those: the position never passes uncommitted rows and never falls behind committed ones.
        The next results page is fetched while the caller merges this one's chunks."""
        if self.position.get("done"):
            return  # every page was committed before a crash: nothing left to read
        job, new, info = self._start()
        if new:  # saved before the job is awaited: a stop before the first chunk goes on with it
            yield [], self._at(None, 0, False)
        self._await(job, info)
        locator, skip = self.position.get("locator"), self.position.get("offset", 0)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk") as pool:
            pending = pool.submit(self._fetch, job, locator)
            while pending is not None:
                records, following = pending.result()
                pending = pool.submit(self._fetch, job, following) if following else None
                start, skip = min(skip, len(records)), 0
                if start == len(records):  # an empty page (or one committed to its last row)
                    yield [], self._at(following, 0, following is None)
                while start < len(records):
                    chunk = records[start:start + size]
                    start += len(chunk)
                    self.position["rows"] = self.position.get("rows", 0) + len(chunk)
                    if start < len(records):
                        yield chunk, self._at(locator, start, False)
                    else:  # the page's last chunk: the position moves on to the next page
                        yield chunk, self._at(following, 0, following is None)
                locator = following

    def _at(self, locator: str | None, offset: int, done: bool) -> dict:
        """The position ``offset`` rows into the results page at ``locator`` (None: the first)."""
        self.position.update(locator=locator, offset=offset, done=done)
        return dict(self.position)

    def close(self) -> None:
        """Delete the finished job (Salesforce would after seven days); a failure is only logged."""
        if job := self.position.get("job"):
            try:
                self.client.bulk_delete(job)
            except FatalError as error:
                log.info("bulk job %s not deleted: %s", job, error)

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def fresh(job: str) -> dict:
        """The position of a job none of whose rows are read yet."""
        return {"job": job, "locator": None, "offset": 0, "rows": 0, "done": False}

    def _start(self) -> tuple[str, bool, dict | None]:
        """The job to read, whether it is new (an unusable one is replaced) and the state of a
        resumed one as just read."""
        job = self.position.get("job")
        if job:
            try:
                info = self.client.bulk_job(job)
            except FatalError as error:  # deleted or expired: this window starts again
                log.warning("bulk job %s gone (%s): reading %s's window again", job, error, self.sobject)
                info = None
            if info and info.get("state") in ("JobComplete", "InProgress", "UploadComplete"):
                return job, False, info
        try:
            job = self.client.bulk_create(self.soql, self.operation)
        except FatalError as error:
            raise BulkUnavailable(str(error)) from None
        self.position = self.fresh(job)
        return job, True, None

    def _await(self, job: str, info: dict | None = None) -> None:
        """Poll the job until it completes (``info``: its state just read, not asked again)."""
        delay = POLL_FIRST
        while True:
            info = info or self.client.bulk_job(job)
            state = info.get("state")
            if state == "JobComplete":
                return
            if state in ("Failed", "Aborted"):
                raise BulkUnavailable(f"job {job} {state.lower()}: {info.get('errorMessage') or 'no reason given'}")
            info = None
            self.sleep(delay)
            delay = min(delay * POLL_GROWTH, POLL_MAX)

    def _fetch(self, job: str, locator: str | None) -> tuple[list[dict], str | None]:
        text, following = self.client.bulk_results(job, locator, RESULT_PAGE)
        return parse(text, self._converter), following

    def _converter(self, header: list[str]) -> Callable[[list[str]], dict]:
        key = tuple(header)
        if key not in self._converters:
            self._converters[key] = converter(self.sobject, header, self.describe)
        return self._converters[key]


def _column(sobject: str, path: list[str], describe: Describe) -> tuple[list[str], Callable | None]:
    """A column's path and the function typing its non-empty cells (None: keep the string)."""
    field = _field(sobject, path, describe)
    kind = field.get("type") if field else None
    if kind == "boolean":
        return path, _boolean
    if kind in _NUMBER:
        return path, _number
    if kind == "datetime":
        return path, _datetime
    return path, None


def _field(sobject: str, path: list[str], describe: Describe) -> dict | None:
    """The describe entry of a (possibly dotted) column, following relationship names."""
    fields = describe(sobject)["fields"]
    for part in path[:-1]:
        parent = next((f for f in fields if f.get("relationshipName") == part), None)
        targets = (parent or {}).get("referenceTo") or []
        if len(targets) != 1:
            return None  # polymorphic or unknown: keep the text
        fields = describe(targets[0])["fields"]
    return next((f for f in fields if f["name"] == path[-1]), None)


def _boolean(value: str) -> bool:
    return value == "true"


def _number(value: str) -> int | float:
    try:
        return int(value)
    except ValueError:
        return float(value)


def _datetime(value: str) -> str:
    # Bulk CSV ends datetimes in "Z"; REST (and everything the CDP stored so far) in "+0000".
    return value[:-1] + "+0000" if value.endswith("Z") else value


def _null_parents(record: dict) -> dict:
    for key, value in record.items():
        if isinstance(value, dict):
            _null_parents(value)
            if all(v is None for v in value.values()):
                record[key] = None
    return record
