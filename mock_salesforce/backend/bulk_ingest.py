"""Bulk API 2.0 ingest jobs of one org: create, upload CSV, close, process, abort, delete, results.

A job is created ``Open`` for one object and operation (insert, update, upsert by
``externalIdFieldName``, delete, hardDelete), takes one or more CSV uploads (up to 150 MB each),
and is closed with ``UploadComplete``. It is then processed in the background — ``InProgress``,
each row judged as its own DML call and the rows written 2,000 at a time through
:mod:`.bulk_ingest_rows` (an insert's rows checked a column at a time first,
:mod:`.bulk_ingest_fast`) — and ends ``JobComplete`` with ``numberRecordsProcessed`` /
``numberRecordsFailed``, or ``Failed`` with an ``errorMessage`` when the CSV cannot be used
(unknown column, wrong line ending, ragged rows, no data), or ``Aborted``. Results are CSV:
``successfulResults`` (``sf__Id``, ``sf__Created``, then the row),
``failedResults`` (``sf__Id``, ``sf__Error``, then the row) and ``unprocessedrecords`` (the rows
never written: those of an aborted or failed job). Every 10,000 rows count as one batch against
``DailyBulkApiBatches``, which Bulk API 2.0 ingest shares with Bulk API 1.0; once it is used up
the job fails with ExceededQuota and the rest of its rows are unprocessed.

Best guesses, not checked against a real org: the error codes and wording of a bad job
definition (INVALIDJOB), of a state change that is not allowed (INVALIDJOBSTATE), of an unknown
object (INVALIDENTITY) and of the job failures other than ``Field name not found`` and the line
ending message; results in the job's delimiter and line ending; results of an unfinished job
refused with INVALIDJOBSTATE. Not emulated: parallel processing (rows are written in upload
order), ``retries`` (always 0), the multipart create-and-upload request, Apex and triggers.
"""
from __future__ import annotations

import csv
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field as dc_field
from datetime import datetime

from .. import errors
from ..clock import format_datetime
from .bulk_csv import DELIMITERS, check_format, job_text
from .bulk_ingest_rows import JobFailure, RowResult, RowWriter, csv_lines, parse
from .jobs import JobTable, external_id_field, gc_paused

log = logging.getLogger("mock_salesforce")

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
MAX_UPLOAD_BYTES = 150 * 1024 * 1024
BATCH_RECORDS = 10_000  # rows Salesforce counts as one batch against DailyBulkApiBatches
WRITE_ROWS = 2_000  # rows validated and written together (a divisor of BATCH_RECORDS)
FINISHED = ("JobComplete", "Failed", "Aborted")
RESULT_KINDS = ("successfulresults", "failedresults", "unprocessedrecords")


@dataclass(frozen=True)
class IngestRequest:
    """What a client asks for when it creates an ingest job."""

    operation: str
    sobject: str
    external_id_field: str | None = None
    content_type: str = "CSV"
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"

    @classmethod
    def from_body(cls, body: object) -> "IngestRequest":
        """Validate a ``POST jobs/ingest`` body (INVALIDJOB for a bad job definition)."""
        if not isinstance(body, dict):
            raise errors.INVALIDJOB("The request body must be a JSON object")
        operation = body.get("operation")
        if operation not in OPERATIONS:
            raise errors.INVALIDJOB(f"Invalid operation: {operation}; an ingest job's operation "
                                    f"must be one of {', '.join(OPERATIONS)}")
        sobject = body.get("object")
        if not isinstance(sobject, str) or not sobject:
            raise errors.INVALIDJOB("An ingest job needs an object")
        request = cls(operation, sobject, job_text(body, "externalIdFieldName"),
                      job_text(body, "contentType", "CSV"),
                      job_text(body, "columnDelimiter", "COMMA"), job_text(body, "lineEnding", "LF"))
        check_format(request.content_type, request.column_delimiter, request.line_ending)
        if operation == "upsert" and not request.external_id_field:
            raise errors.INVALIDJOB(f"External ID was blank for {sobject}. An External ID must "
                                    "be specified for upsert.")
        return request


@dataclass
class IngestJob:
    """One ingest job: its definition, its uploads, its state and its row results."""

    id: str
    request: IngestRequest
    created_by: str
    created: datetime
    api_version: float
    state: str = "Open"
    modstamp: datetime | None = None
    error_message: str | None = None
    uploads: list[bytes] = dc_field(default_factory=list, repr=False)
    header: list[str] = dc_field(default_factory=list, repr=False)
    rows: list[list[str]] = dc_field(default_factory=list, repr=False)
    results: list[RowResult] = dc_field(default_factory=list, repr=False)
    processing_ms: int = 0
    aborting: bool = False
    done: threading.Event = dc_field(default_factory=threading.Event, repr=False)

    @property
    def processed(self) -> int:
        """Rows written or failed so far."""
        return len(self.results)

    @property
    def failed(self) -> int:
        """Rows that failed so far."""
        return sum(1 for result in self.results if result.error is not None)

    def summary(self, job_type: bool = False, change: bool = False) -> dict:
        """The job info of the create call (and, with ``jobType``, of the list); ``change``:
        of a close or abort, which carries no ``contentUrl``, ``lineEnding`` or
        ``columnDelimiter`` (recorded at v53.0). Only an Open job gives its ``contentUrl`` (a
        failed job's recorded info has none; when it goes is a guess)."""
        body = {"id": self.id, "operation": self.request.operation,
                "object": self.request.sobject, "createdById": self.created_by,
                "createdDate": format_datetime(self.created),
                "systemModstamp": format_datetime(self.modstamp or self.created),
                "state": self.state}
        if self.request.external_id_field:
            body["externalIdFieldName"] = self.request.external_id_field
        body.update({"concurrencyMode": "Parallel", "contentType": self.request.content_type,
                     "apiVersion": self.api_version})
        if change:
            return body
        if job_type:
            body["jobType"] = "V2Ingest"
        if self.state == "Open":
            body["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        body.update({"lineEnding": self.request.line_ending,
                     "columnDelimiter": self.request.column_delimiter})
        return body

    def info(self) -> dict:
        """The job info of ``GET jobs/ingest/{id}``, with its record counts."""
        body = self.summary(job_type=True)
        body.update({"numberRecordsProcessed": self.processed,
                     "numberRecordsFailed": self.failed, "retries": 0,
                     "totalProcessingTime": self.processing_ms, "apiActiveProcessingTime": 0,
                     "apexProcessingTime": 0})
        if self.error_message is not None:
            body["errorMessage"] = self.error_message
        return body


class IngestJobs:
    """The Bulk API 2.0 ingest jobs of one org (thread-safe; dropped with the org on reset)."""

    def __init__(self, org) -> None:
        self._org = org
        self._jobs: JobTable[IngestJob] = JobTable()
        self._lock = threading.Lock()  # a job's uploads and state changes

    def create(self, request: IngestRequest, user_id: str, version: str) -> IngestJob:
        """Open a job on an existing object (INVALIDENTITY for an unknown one)."""
        org = self._org
        sobject = org.schema.get(request.sobject)
        if sobject is None:
            raise errors.INVALIDENTITY(f"sObject type '{request.sobject}' is not supported.")
        key = request.external_id_field
        if request.operation == "upsert":
            key = external_id_field(sobject, key, errors.INVALIDJOB)
        now = org.clock.now()
        return self._jobs.add(IngestJob(self._jobs.new_id(), IngestRequest(
            request.operation, sobject.name, key, request.content_type, request.column_delimiter,
            request.line_ending), user_id, now, float(version.lstrip("v"))), now)

    def get(self, job_id: str) -> IngestJob:
        """A job (NOT_FOUND when unknown, deleted or expired)."""
        now = self._org.clock.now()
        job = self._jobs.find(job_id, now)
        if job is None:
            raise errors.NOT_FOUND("The requested resource does not exist")
        return job

    def all(self) -> list[IngestJob]:
        """Every job, oldest first."""
        return self._jobs.all(self._org.clock.now())

    def upload(self, job_id: str, data: bytes) -> IngestJob:
        """Add CSV data to an open job (INVALIDJOBSTATE once it is closed)."""
        job = self.get(job_id)
        if job.state != "Open":
            raise errors.INVALIDJOBSTATE(f"Found Job in state {job.state}; data can only be "
                                         "uploaded to an Open job")
        if len(data) > MAX_UPLOAD_BYTES:
            raise errors.INVALIDJOB("The upload exceeds the 150 MB limit of one request")
        if not data.strip():
            raise errors.INVALIDJOB("The upload is empty: send CSV data with a header row")
        with self._lock:
            job.uploads.append(data)
        return job

    def change_state(self, job_id: str, state: object) -> dict:
        """``UploadComplete`` starts processing an open job; ``Aborted`` stops an unfinished one.
        Returns the job's summary as of the change (processing may already have moved it on)."""
        job = self.get(job_id)
        now = self._org.clock.now()
        if state == "UploadComplete":
            with self._lock:  # two concurrent PATCHes: one starts the processing, one is refused
                if job.state != "Open":
                    raise errors.INVALIDJOBSTATE(f"Invalid state change from {job.state} to "
                                                 "UploadComplete")
                job.state, job.modstamp = "UploadComplete", now
            summary = job.summary(change=True)
            threading.Thread(target=self._process, args=(job,), daemon=True,
                             name=f"ingest-{job.id}").start()
            return summary
        if state == "Aborted":
            if job.state in FINISHED:
                raise errors.INVALIDJOBSTATE(f"Invalid state change from {job.state} to Aborted")
            job.aborting = True
            if job.state == "Open":
                job.state, job.modstamp = "Aborted", now
                job.done.set()
            else:
                job.done.wait(30)
            return job.summary(change=True)
        raise errors.INVALIDJOBSTATE(f"Invalid state change to {state}; an ingest job can be "
                                     "set to UploadComplete or Aborted")

    def delete(self, job_id: str) -> None:
        """Forget a job and its results (INVALIDJOBSTATE while it is Open or InProgress)."""
        job = self.get(job_id)
        if job.state in ("Open", "InProgress"):
            raise errors.INVALIDJOBSTATE(f"Job {job.id} is {job.state}; only UploadComplete, "
                                         "JobComplete, Aborted or Failed jobs can be deleted")
        job.aborting = True
        self._jobs.remove(job.id)

    def wait(self, job_id: str, timeout: float = 30.0) -> IngestJob:
        """A job once it has finished processing (or after ``timeout`` seconds)."""
        job = self.get(job_id)
        job.done.wait(timeout)
        return job

    def results(self, job_id: str, kind: str) -> Iterator[bytes]:
        """A finished job's successful, failed or unprocessed rows as CSV chunks."""
        job = self.get(job_id)
        kind = kind.lower()
        if kind not in RESULT_KINDS:
            raise errors.NOT_FOUND("The requested resource does not exist")
        if job.state not in FINISHED:
            raise errors.INVALIDJOBSTATE(f"Job {job.id} is {job.state}; its results are "
                                         "available once it has finished")
        request = job.request
        if kind == "successfulresults":
            head = ["sf__Id", "sf__Created"]
            rows = ([r.id, "true" if r.created else "false", *r.row]
                    for r in job.results if r.error is None)
        elif kind == "failedresults":
            head = ["sf__Id", "sf__Error"]
            rows = ([r.id, r.error, *r.row] for r in job.results if r.error is not None)
        elif not job.header:  # the data was never read: give it back as sent
            return iter(job.uploads or [b""])
        else:
            head, rows = [], iter(job.rows[job.processed:])
        # A job that failed before its rows were read still names the uploaded columns.
        lines = csv_lines([[*head, *(job.header or uploaded_header(job.uploads, request))]],
                          request.column_delimiter, request.line_ending)
        return _chunks([*lines], csv_lines(rows, request.column_delimiter, request.line_ending))

    def _process(self, job: IngestJob) -> None:
        with gc_paused():
            self._run(job)

    def _run(self, job: IngestJob) -> None:
        org, started = self._org, time.monotonic()
        try:
            job.state, job.modstamp = "InProgress", org.clock.now()
            sobject = org.sobject(job.request.sobject)
            job.header, job.rows = parse(job.uploads, job.request.column_delimiter,
                                         job.request.line_ending, sobject)
            writer = RowWriter(org, sobject, job.request.operation, job.created_by,
                               job.request.external_id_field)
            for start in range(0, len(job.rows), WRITE_ROWS):
                if job.aborting:
                    job.state = "Aborted"
                    break
                if start % BATCH_RECORDS == 0 and org.usage.bulk_batches.take(
                        org.clock.now()) is None:
                    raise JobFailure("ExceededQuota : ApiBatchItems Limit exceeded.")
                job.results.extend(writer.apply(job.header, job.rows[start:start + WRITE_ROWS]))
            else:
                job.state = "JobComplete"
        except JobFailure as failure:
            job.state, job.error_message = "Failed", str(failure)
        except Exception as error:  # never leave a job InProgress for ever
            log.exception("ingest job %s failed", job.id)
            job.state, job.error_message = "Failed", f"UNKNOWN_EXCEPTION : {error}"
        finally:
            job.modstamp = org.clock.now()
            job.processing_ms = int((time.monotonic() - started) * 1000)
            job.done.set()


def uploaded_header(uploads: list[bytes], request: "IngestRequest") -> list[str]:
    """The column names of the first upload's header row, as sent."""
    if not uploads:
        return []
    first = uploads[0].decode("utf-8", "replace").splitlines()[:1]
    delimiter = DELIMITERS.get(request.column_delimiter, ",")
    return next(csv.reader(first, delimiter=delimiter), [])


def _chunks(first: list[str], rest: Iterator[str], size: int = 1000) -> Iterator[bytes]:
    yield "".join(first).encode()
    batch: list[str] = []
    for line in rest:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()
