"""Bulk API 2.0 query jobs of one org: create, poll, abort, delete and read results as CSV.

A job compiles its SOQL when it is created (so a bad query is refused then, with the SOQL
engine's own error codes) and snapshots the matching Ids in the background: the job is
``InProgress`` until every Id is read and the rows are written out as CSV (:mod:`.bulk_results`,
in the background from the job's creation, a chunk as soon as the snapshot has its Ids: as in a
real org, no poll is needed to move the job on), then ``JobComplete`` with
``numberRecordsProcessed``. A state is stamped (``systemModstamp``) from the org's clock when a
client first sees it. Aborting a job, deleting it, its being dropped or a reset of the mock
stops the writing before the next chunk is read. Results are read back from that file, so they
are fixed when the job completes, as a real org's are: re-reading them after records changed
returns what they returned before. Pages are generators of CSV chunks, never one string.
``queryAll`` jobs see deleted records.

What Salesforce refuses in a Bulk query is refused at creation with ``API_ERROR``: child
subqueries, aggregate functions, GROUP BY, OFFSET, compound fields. (The compound message is the
one airbyte matches; the other messages follow its wording.) The daily job limit (10,000, in
``/limits`` as ``DailyBulkV2QueryJobs``) answers LIMIT_EXCEEDED. Best guesses, not checked
against a real org: INVALIDJOB for a bad job definition or ``maxRecords``, INVALIDJOBSTATE for
results of an unfinished job or aborting a finished one, INVALID_QUERY_LOCATOR for a locator
that is not ours. Not emulated: PK chunking, ``retries`` (always 0), the results' 1 GB size
split (pages are split by ``maxRecords`` only), and the job list's paging (an org keeps at most
``jobs.MAX_JOBS`` jobs and ``MAX_BYTES`` of their Id snapshots, the oldest dropped first, and
every job for ``jobs.RETENTION`` of the org clock).
"""
from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field as dc_field
from datetime import datetime

from .. import errors
from ..clock import format_datetime
from .bulk_csv import CsvFormat, check_format, job_text
from .bulk_query import compile_bulk, row_chunks, start_snapshot
from .bulk_results import Spool
from .jobs import JobTable
from .soql import snapshots
from .soql.compiler import RecordPlan

OPERATIONS = ("query", "queryAll")
DEFAULT_MAX_RECORDS = 100_000  # Salesforce picks its own default "based on the service"
MAX_BYTES = 512 * 1024 * 1024  # of Id snapshots (18 bytes an Id): about 30 million Ids


@dataclass(frozen=True)
class JobRequest:
    """What a client asks for when it creates a query job."""

    operation: str
    query: str
    content_type: str = "CSV"
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"

    @classmethod
    def from_body(cls, body: object) -> "JobRequest":
        """Validate a ``POST jobs/query`` body (INVALIDJOB for a bad job definition)."""
        if not isinstance(body, dict):
            raise errors.INVALIDJOB("The request body must be a JSON object")
        operation = body.get("operation")
        if operation not in OPERATIONS:
            raise errors.INVALIDJOB(f"Invalid operation: {operation}; a query job's operation "
                                    "must be query or queryAll")
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            raise errors.INVALIDJOB("A query job needs a query")
        request = cls(operation, query, job_text(body, "contentType", "CSV"),
                      job_text(body, "columnDelimiter", "COMMA"), job_text(body, "lineEnding", "LF"))
        check_format(request.content_type, request.column_delimiter, request.line_ending)
        return request


@dataclass
class QueryJob:
    """One query job: its definition, its Id snapshot and how far it got."""

    id: str
    request: JobRequest
    sobject: str
    created_by: str
    created: datetime
    api_version: float
    plan: RecordPlan = dc_field(repr=False)
    csv: CsvFormat = dc_field(repr=False)
    snapshot: snapshots.Snapshot = dc_field(repr=False)
    modstamp: datetime | None = None
    aborted: bool = False
    processing_ms: int = 0
    spool: Spool = dc_field(default_factory=Spool, repr=False)
    _started: float = dc_field(default_factory=time.monotonic, repr=False)
    _state: str = "UploadComplete"

    @property
    def state(self) -> str:
        """The state last observed (:meth:`observe` moves it on)."""
        return self._state

    def observe(self, now: datetime) -> str:
        """Move the state on from the snapshot's progress; stamp the change."""
        state = self._state
        if self.aborted:
            state = "Aborted"
        elif self.snapshot.error is not None or self.spool.error is not None:
            state = "Failed"
        elif self.spool.done.is_set():
            state = "JobComplete"
        elif state == "UploadComplete":
            state = "InProgress"
        if state != self._state:
            self._state, self.modstamp = state, now
            if state in ("JobComplete", "Failed", "Aborted"):
                self.processing_ms = int((time.monotonic() - self._started) * 1000)
        return state

    def summary(self, job_type: bool = False) -> dict:
        """The job info of the create and abort calls; with ``jobType`` that of the job list."""
        body = {"id": self.id, "operation": self.request.operation, "object": self.sobject,
                "createdById": self.created_by, "createdDate": format_datetime(self.created),
                "systemModstamp": format_datetime(self.modstamp or self.created),
                "state": self._state, "concurrencyMode": "Parallel",
                "contentType": self.request.content_type, "apiVersion": self.api_version}
        if job_type:
            body["jobType"] = "V2Query"
        body.update({"lineEnding": self.request.line_ending,
                     "columnDelimiter": self.request.column_delimiter})
        return body

    def info(self) -> dict:
        """The job info of ``GET jobs/query/{id}``, in Salesforce's key order."""
        body = self.summary(job_type=True)
        # Recorded (v53.0): no isPkChunkingSupported in a job's info.
        body.update({"numberRecordsProcessed": self.processed, "retries": 0,
                     "totalProcessingTime": self.processing_ms})
        if self._state == "Failed":
            error = self.snapshot.error or self.spool.error
            body["errorMessage"] = f"Query failed: {error}"
        return body

    @property
    def processed(self) -> int:
        """Records the job wrote to its results (0 until it completes)."""
        return self.spool.rows if self._state == "JobComplete" else 0


@dataclass
class ResultPage:
    """One page of a job's results: its CSV chunks, its record count and the next locator."""

    number_of_records: int
    locator: str | None
    chunks: Iterator[bytes] = dc_field(repr=False)


class QueryJobs:
    """The Bulk API 2.0 query jobs of one org (thread-safe; dropped with the org on reset)."""

    def __init__(self, org) -> None:
        self._org = org
        self._jobs: JobTable[QueryJob] = JobTable(lambda job: job.snapshot.size, MAX_BYTES,
                                                  self._stop)

    def create(self, request: JobRequest, user_id: str, version: str) -> QueryJob:
        """Compile the query, start its snapshot and the writing of its results, and register
        the job (UploadComplete)."""
        org = self._org
        include_deleted = request.operation == "queryAll"
        query = compile_bulk(org, request.query, include_deleted)
        plan = query.plan
        csv = CsvFormat(query.columns, request.column_delimiter, request.line_ending)
        now = org.clock.now()
        jobs_limit = org.usage.bulk_query_jobs
        if jobs_limit.take(now) is None:
            # The wording airbyte looks for before it falls back to the REST API.
            raise errors.LIMIT_EXCEEDED(f"Max bulk v2 query jobs ({jobs_limit.limit}) per 24 hrs "
                                        f"has been reached ({jobs_limit.used(now) + 1})")
        snapshot = start_snapshot(org, plan)
        job = QueryJob(self._jobs.new_id(), request, plan.sobject.name, user_id, now,
                       float(version.lstrip("v")), plan, csv, snapshot)
        threading.Thread(target=job.spool.write, args=(csv.header(), self._lines(job)),
                         daemon=True, name=f"bulk-results-{job.id}").start()
        return self._jobs.add(job, now)

    def get(self, job_id: str) -> QueryJob:
        """A job, its state brought up to date (NOT_FOUND when unknown, deleted or expired)."""
        now = self._org.clock.now()
        job = self._jobs.find(job_id, now)
        if job is None:
            raise errors.NOT_FOUND("The requested resource does not exist")
        job.observe(now)
        return job

    def _lines(self, job: QueryJob) -> Iterator[list[str]]:
        """The CSV lines of the job's rows, a chunk at a time, each read as soon as the snapshot
        has its Ids: a real org works through a job on its own, so no poll moves it on."""
        total = job.snapshot.wait_total()
        chunks = row_chunks(self._org, job.plan, job.snapshot, 0, total)
        while not job.spool.cancelled:  # asked before each read: a stopped job reads no more
            rows = next(chunks, None)
            if rows is None:
                return
            yield job.csv.row_lines(rows)

    def stop_all(self) -> None:
        """Stop writing the results of every job: the org is being dropped (``Registry.reset``)."""
        for job in self._jobs.all(self._org.clock.now()):
            self._stop(job)

    @staticmethod
    def _stop(job: QueryJob) -> None:
        """Stop writing the results of a job aborted, deleted or dropped."""
        job.spool.cancel()

    def all(self) -> list[QueryJob]:
        """Every job, oldest first, states brought up to date."""
        now = self._org.clock.now()
        jobs = self._jobs.all(now)
        for job in jobs:
            job.observe(now)
        return jobs

    def abort(self, job_id: str) -> QueryJob:
        """Abort a job that is still running (INVALIDJOBSTATE once it has finished)."""
        job = self.get(job_id)
        if job.state in ("JobComplete", "Failed", "Aborted"):
            raise errors.INVALIDJOBSTATE(f"Aborting already {_past(job.state)} Job not allowed")
        job.aborted = True
        self._stop(job)
        job.observe(self._org.clock.now())
        return job

    def delete(self, job_id: str) -> None:
        """Forget a job and its results (INVALIDJOBSTATE while it is still running)."""
        job = self.get(job_id)
        if job.state == "InProgress":
            raise errors.INVALIDJOBSTATE("Job is in progress; abort it before deleting it")
        self._jobs.remove(job.id)

    def results(self, job_id: str, locator: str | None, max_records: int | None) -> ResultPage:
        """A page of a completed job's results from ``locator`` (the first page without one)."""
        job = self.get(job_id)
        if job.state != "JobComplete":
            raise errors.INVALIDJOBSTATE(f"Job {job.id} is {job.state}; its results are "
                                         "available once it is JobComplete")
        size = DEFAULT_MAX_RECORDS if max_records is None else max_records
        if size <= 0:
            raise errors.INVALIDJOB("maxRecords must be a positive number")
        total = job.spool.rows
        start = parse_locator(locator) if locator else 0
        if start > total:
            raise errors.INVALID_QUERY_LOCATOR("invalid query locator")
        stop = min(total, start + size)
        next_locator = make_locator(stop) if stop < total else None
        return ResultPage(stop - start, next_locator, job.spool.page(start, stop))


def make_locator(position: int) -> str:
    """The opaque ``Sforce-Locator`` of a position: base64 of the number, as Salesforce's look."""
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def parse_locator(text: str) -> int:
    """The position of a locator (INVALID_QUERY_LOCATOR when it is not one of ours)."""
    try:
        decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    if not decoded.isdigit():
        raise errors.INVALID_QUERY_LOCATOR("invalid query locator")
    return int(decoded)


def _past(state: str) -> str:
    return {"JobComplete": "Completed"}.get(state, state)
