"""Bulk API 1.0 jobs of one org: jobs, their batches (one SOQL or a data set each) and results.

A job is created ``Open`` for one object, takes batches (each body is one SOQL query), is then
``Closed`` or ``Aborted``. A batch compiles its SOQL when it is added and snapshots the matching
Ids in the background, as Bulk API 2.0 does (:mod:`.bulk_query`); it answers ``Queued`` when
added, then ``InProgress`` / ``Completed`` (a status call waits up to ``STATUS_WAIT`` seconds
for the snapshot, so a client polling every 20 s sees ``Completed`` at once). A query Salesforce
would refuse does not refuse the batch: the batch is ``Failed`` with a ``stateMessage``
(``InvalidBatch : Failed to process query: <code>: <message>``), as real Bulk 1.0 query batches
fail. ``queryAll`` sees deleted records. Each ``Completed`` batch has one result id per
``RESULT_RECORDS`` rows; a result is CSV (all values quoted, as Bulk 2.0 writes it) for CSV
jobs and a JSON array of REST-shaped records for JSON jobs. Every batch counts against
``DailyBulkApiBatches`` (ExceededQuota once used up).

Best guesses, not checked against a real org: the wording of InvalidJob / InvalidBatch /
InvalidJobState messages, FUNCTIONALITY_NOT_ENABLED as the code of a refused compound field or
subquery, the refusal of a query on another object than the job's, NotProcessed for the
unfinished batches of an aborted job, and CSV as the default ``contentType`` (Salesforce's is
XML). Ingest jobs (insert, update, upsert, delete, hardDelete) take CSV or JSON batches written
by :mod:`.bulk1_ingest`. Not emulated: XML and ZIP content types, PK chunking
(``Sforce-Enable-PKChunking`` is ignored), retries. JSON results give datetimes as epoch
milliseconds (:mod:`.bulk1_json`).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field as dc_field
from datetime import datetime

from .. import errors
from . import bulk1_ingest, ids
from .bulk1_json import epoch_record
from .bulk_csv import CsvFormat
from .bulk_query import BulkQuery, compile_bulk, row_chunks, start_snapshot
from .jobs import JobTable, external_id_field
from .soql import snapshots

QUERY_OPERATIONS = ("query", "queryAll")
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
CONTENT_TYPES = ("CSV", "JSON")
RESULT_RECORDS = 1_000_000  # rows per result file (Salesforce splits results at about 1 GB)
STATUS_WAIT = 2.0  # seconds a status call waits for a batch's snapshot to finish
NO_RECORDS = "Records not found for this query"  # the CSV result of a query that matched nothing
FINISHED = ("Completed", "Failed", "NotProcessed")


@dataclass(frozen=True)
class JobSpec:
    """What a client asks for when it creates a job."""

    operation: str
    sobject: str
    content_type: str = "CSV"
    concurrency_mode: str = "Parallel"
    external_id_field: str | None = None

    @classmethod
    def from_fields(cls, fields: dict) -> "JobSpec":
        """Validate the ``jobInfo`` of a create call (given as a dict of its elements)."""
        operation = fields.get("operation")
        if operation not in QUERY_OPERATIONS + INGEST_OPERATIONS:
            raise errors.InvalidJob(f"Invalid operation: {operation}")
        sobject = fields.get("object")
        if not isinstance(sobject, str) or not sobject:
            raise errors.InvalidJob("The job must name an object")
        content_type = fields.get("contentType") or "CSV"
        if content_type not in CONTENT_TYPES:
            raise errors.InvalidJob(f"contentType {content_type} is not emulated by this mock "
                                    "(CSV and JSON are)")
        # simple-salesforce sends 0 / 1 for Parallel / Serial.
        mode = {"0": "Parallel", "1": "Serial"}.get(str(fields.get("concurrencyMode", "")),
                                                    fields.get("concurrencyMode") or "Parallel")
        if mode not in ("Parallel", "Serial"):
            raise errors.InvalidJob(f"Invalid concurrencyMode: {mode}")
        external_id = fields.get("externalIdFieldName") or None
        if operation == "upsert" and not external_id:
            raise errors.InvalidJob(f"External ID was blank for {sobject}. An External ID must "
                                    "be specified for upsert.")
        return cls(operation, sobject, content_type, mode, external_id)


@dataclass
class Batch:
    """One query batch: its SOQL, its Id snapshot (or why it failed) and its result ids."""

    id: str
    job_id: str
    soql: str
    created: datetime
    query: BulkQuery | None = dc_field(default=None, repr=False)
    snapshot: snapshots.Snapshot | None = dc_field(default=None, repr=False)
    failure: str | None = None
    not_processed: bool = False
    modstamp: datetime | None = None
    processing_ms: int = 0
    result_ids: list[str] = dc_field(default_factory=list)
    rows: list | None = dc_field(default=None, repr=False)  # ingest: one RowResult a row
    _started: float = dc_field(default_factory=time.monotonic, repr=False)
    _state: str = "Queued"

    @property
    def state(self) -> str:
        """The state last observed."""
        return self._state

    def observe(self, now: datetime) -> str:
        """Move the state on from the snapshot's progress; stamp the change."""
        state = self._state
        if state in FINISHED:
            return state
        if self.not_processed:
            state = "NotProcessed"
        elif self.failure is not None:
            state = "Failed"
        elif self.rows is not None:
            state = "Completed"
        elif self.snapshot is not None and self.snapshot.done:
            if self.snapshot.error is not None:
                state, self.failure = "Failed", _failed(self.snapshot.error)
            else:
                state = "Completed"
        else:
            state = "InProgress"
        if state != self._state:
            self._state, self.modstamp = state, now
            if state in FINISHED:
                self.processing_ms = int((time.monotonic() - self._started) * 1000)
        return state

    @property
    def processed(self) -> int:
        """Records the batch found or wrote (0 until it completes)."""
        if self.rows is not None:
            return len(self.rows)
        if self._state != "Completed" or self.snapshot is None:
            return 0
        return self.snapshot.total or 0

    @property
    def failed(self) -> int:
        """Ingest rows that failed."""
        return sum(1 for row in self.rows or [] if row.failure is not None)

    def info(self, as_added: bool = False) -> dict:
        """The ``batchInfo`` elements in Salesforce's order (datetimes as datetimes);
        ``as_added``: as the batch stood when it was added (Queued, nothing processed)."""
        state = "Queued" if as_added else self._state
        body: dict = {"id": self.id, "jobId": self.job_id, "state": state}
        if self.failure is not None and state == "Failed":
            body["stateMessage"] = self.failure
        body.update({"createdDate": self.created,
                     "systemModstamp": self.created if as_added else self.modstamp or self.created,
                     "numberRecordsProcessed": 0 if as_added else self.processed,
                     "numberRecordsFailed": 0 if as_added else self.failed,
                     "totalProcessingTime": 0 if as_added else self.processing_ms,
                     "apiActiveProcessingTime": 0, "apexProcessingTime": 0})
        return body


@dataclass
class Job:
    """One job: its definition, its state and its batches."""

    id: str
    spec: JobSpec
    created_by: str
    created: datetime
    api_version: float
    state: str = "Open"
    modstamp: datetime | None = None
    batches: OrderedDict[str, Batch] = dc_field(default_factory=OrderedDict, repr=False)

    @property
    def include_deleted(self) -> bool:
        """queryAll jobs see recycle-bin rows."""
        return self.spec.operation == "queryAll"

    def info(self) -> dict:
        """The ``jobInfo`` elements in Salesforce's order (datetimes as datetimes)."""
        states = [batch.state for batch in self.batches.values()]
        key = {"externalIdFieldName": self.spec.external_id_field} \
            if self.spec.external_id_field else {}
        return {"id": self.id, "operation": self.spec.operation, "object": self.spec.sobject,
                **key, "createdById": self.created_by, "createdDate": self.created,
                "systemModstamp": self.modstamp or self.created, "state": self.state,
                "concurrencyMode": self.spec.concurrency_mode,
                "contentType": self.spec.content_type,
                "numberBatchesQueued": states.count("Queued"),
                "numberBatchesInProgress": states.count("InProgress"),
                "numberBatchesCompleted": states.count("Completed"),
                "numberBatchesFailed": states.count("Failed"),
                "numberBatchesTotal": len(states),
                "numberRecordsProcessed": sum(b.processed for b in self.batches.values()),
                "numberRetries": 0, "apiVersion": self.api_version, "numberRecordsFailed": sum(b.failed for b in self.batches.values()),
                "totalProcessingTime": sum(b.processing_ms for b in self.batches.values()),
                "apiActiveProcessingTime": 0, "apexProcessingTime": 0}


class BulkJobs:
    """The Bulk API 1.0 jobs of one org (thread-safe; dropped with the org on reset)."""

    def __init__(self, org) -> None:
        self._org = org
        self._jobs: JobTable[Job] = JobTable()
        self._lock = threading.Lock()  # a job's batches

    def create(self, spec: JobSpec, user_id: str, version: str) -> Job:
        """Open a job on an existing object (InvalidJob for an unknown one)."""
        org = self._org
        sobject = org.schema.get(spec.sobject)
        if sobject is None:
            raise errors.InvalidJob(f"Unable to find object: {spec.sobject}")
        now = org.clock.now()
        key = spec.external_id_field
        if key is not None:
            key = external_id_field(sobject, key, errors.InvalidJob)
        return self._jobs.add(Job(self._jobs.new_id(), JobSpec(
            spec.operation, sobject.name, spec.content_type, spec.concurrency_mode, key),
            user_id, now, float(version)), now)

    def get(self, job_id: str) -> Job:
        """A job, its batches brought up to date (InvalidJob when unknown or expired)."""
        now = self._org.clock.now()
        job = self._jobs.find(job_id, now)
        if job is None:
            raise errors.InvalidJob(f"Invalid job id: {job_id}")
        for batch in list(job.batches.values()):
            batch.observe(now)
        return job

    def change_state(self, job_id: str, state: object) -> Job:
        """Close or abort a job (InvalidJobState for any other change)."""
        job = self.get(job_id)
        if state not in ("Closed", "Aborted"):
            raise errors.InvalidJobState(f"Invalid state: {state}; a job can only be Closed or "
                                         "Aborted")
        if state == job.state:
            return job
        if job.state == "Aborted" or (job.state == "Closed" and state != "Aborted"):
            raise errors.InvalidJobState(f"Cannot change the state of job {job.id} from "
                                         f"{job.state} to {state}")
        now = self._org.clock.now()
        job.state, job.modstamp = state, now
        if state == "Aborted":
            for batch in job.batches.values():
                if batch.state not in FINISHED:
                    batch.not_processed = True
                    batch.observe(now)
        return job

    def add_batch(self, job_id: str, soql: str, data: bytes | None = None) -> Batch:
        """Add a batch to an open job: a SOQL query (a bad one makes a Failed batch, not an
        error), or the CSV / JSON data of an ingest job, written at once."""
        job = self.get(job_id)
        if job.state != "Open":
            raise errors.InvalidJobState(f"Job {job.id} is not open: it is {job.state}")
        org = self._org
        now = org.clock.now()
        if org.usage.bulk_batches.take(now) is None:
            raise errors.ExceededQuota("ApiBatchItems Limit exceeded.")
        batch = Batch(self._jobs.new_id("751"), job.id, soql, now)
        if job.spec.operation in INGEST_OPERATIONS:
            self._ingest(job, batch, data or soql.encode())
            return batch
        try:
            batch.query = compile_bulk(org, soql, job.include_deleted, typeof=True)
            if batch.query.sobject != job.spec.sobject:
                batch.failure = (f"InvalidBatch : The query's object {batch.query.sobject} does "
                                 f"not match the job's object {job.spec.sobject}")
            else:
                batch.snapshot = start_snapshot(org, batch.query.plan)
        except errors.SalesforceError as error:
            batch.failure = _failed(error)
        with self._lock:
            job.batches[batch.id] = batch
        return batch

    def _ingest(self, job: Job, batch: Batch, data: bytes) -> None:
        org = self._org
        batch.rows, batch.failure = bulk1_ingest.run(
            org, org.sobject(job.spec.sobject), job.spec.operation, job.created_by,
            job.spec.external_id_field, job.spec.content_type, data)
        with self._lock:
            job.batches[batch.id] = batch
        batch.observe(org.clock.now())

    def ingest_result(self, job_id: str, batch_id: str) -> bytes:
        """The row results of an ingest batch, in the job's content type."""
        job = self.get(job_id)
        batch = self.batch(job_id, batch_id, wait=0)
        if batch.state != "Completed":
            raise errors.InvalidBatch("Batch not completed")
        return bulk1_ingest.result_body(batch.rows or [], job.spec.content_type == "JSON")

    def batches(self, job_id: str) -> list[Batch]:
        """Every batch of a job, oldest first."""
        return list(self.get(job_id).batches.values())

    def batch(self, job_id: str, batch_id: str, wait: float = STATUS_WAIT) -> Batch:
        """A batch, its state up to date after waiting up to ``wait`` s for its snapshot."""
        job = self.get(job_id)
        batch = job.batches.get(ids.to18(batch_id) if ids.is_valid(batch_id) else batch_id)
        if batch is None:
            raise errors.InvalidBatch(f"Invalid batch id: {batch_id}")
        if batch.snapshot is not None and wait > 0:
            batch.snapshot.wait_done(wait)
        batch.observe(self._org.clock.now())
        return batch

    def result_ids(self, job_id: str, batch_id: str) -> list[str]:
        """The result ids of a completed batch (InvalidBatch before it completes)."""
        batch = self.batch(job_id, batch_id, wait=0)
        if batch.state != "Completed":
            raise errors.InvalidBatch("Batch not completed")
        with self._lock:
            if not batch.result_ids:
                parts = max(1, -(-batch.processed // RESULT_RECORDS))
                batch.result_ids = [self._jobs.new_id("752") for _ in range(parts)]
        return batch.result_ids

    def result(self, job_id: str, batch_id: str, result_id: str) -> Iterator[bytes]:
        """One result file of a completed batch: CSV or JSON chunks, by the job's contentType."""
        job = self.get(job_id)
        result_ids = self.result_ids(job_id, batch_id)
        wanted = ids.to18(result_id) if ids.is_valid(result_id) else result_id
        if wanted not in result_ids:
            raise errors.InvalidBatch(f"Invalid result id: {result_id}")
        batch = self.batch(job_id, batch_id, wait=0)
        part = result_ids.index(wanted)
        start = part * RESULT_RECORDS
        stop = min(batch.processed, start + RESULT_RECORDS)
        if job.spec.content_type == "JSON":
            return self._json(job, batch, start, stop)
        return self._csv(batch, start, stop)

    def _csv(self, batch: Batch, start: int, stop: int) -> Iterator[bytes]:
        if start >= stop:
            yield NO_RECORDS.encode()
            return
        csv = CsvFormat(batch.query.columns)
        yield csv.header().encode()
        for rows in row_chunks(self._org, batch.query.plan, batch.snapshot, start, stop):
            yield csv.lines(rows).encode()

    def _json(self, job: Job, batch: Batch, start: int, stop: int) -> Iterator[bytes]:
        version = f"v{job.api_version}"
        yield b"["
        first = True
        for rows in row_chunks(self._org, batch.query.plan, batch.snapshot, start, stop):
            records = [epoch_record(record, self._org.schema)
                       for record in batch.query.plan.shaper.records_json(rows, version)]
            if records:
                yield (("" if first else ",") + ",".join(records)).encode()
                first = False
        yield b"]"


def _failed(error: BaseException) -> str:
    """The ``stateMessage`` of a query batch that failed."""
    if isinstance(error, errors.SalesforceError):
        code = "FUNCTIONALITY_NOT_ENABLED" if error.error_code == "API_ERROR" else error.error_code
        return f"InvalidBatch : Failed to process query: {code}: {error.message}"
    return f"InvalidBatch : Failed to process query: UNKNOWN_EXCEPTION: {error}"
