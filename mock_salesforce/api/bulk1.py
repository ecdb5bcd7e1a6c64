"""Bulk API 1.0 (``/services/async/{ver}/job…``): query and ingest jobs, batches and results.

Every call passes :func:`before_async_request`: armed faults, the version (``59.0``, no ``v``),
the session from ``X-SFDC-Session`` (or ``Authorization: Bearer``), then the org's daily API
limit. Errors come back in Bulk 1.0's own shape (``app.py`` renders them): a bad session is
HTTP 400 ``InvalidSessionId``. A job create or state change answers in the request's format (a
real org answered a JSON close of a CSV job in JSON: BulkMaster's pasted response); every other
call answers in the job's ``contentType`` (JSON jobs in JSON, CSV jobs in XML). Job and batch
creates answer 201 Created, a batch with its ``Location``. The state and rules live in
:mod:`mock_salesforce.backend.bulk1`.
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, g, request

from .. import errors
from ..backend.bulk1 import Job, JobSpec
from . import bulk1_wire as wire
from .common import org, user_id
from .data import apply_faults, authenticate, bearer_token

bp = Blueprint("bulk1", __name__, url_prefix="/services/async/<version>")

VERSION = re.compile(r"^\d{2,3}\.\d$")


@bp.before_request
def before_async_request() -> None:
    """Faults, version, session, API limit — as the data API checks its calls."""
    # Read the (often chunked) body first: answering before it is read makes the server drop
    # the connection, and jsforce's retry after a session refresh then fails with EPIPE.
    request.get_data(cache=True)
    apply_faults()
    version = (request.view_args or {}).get("version", "")
    if not VERSION.match(version):
        raise errors.InvalidUrl(f"Invalid API version: {version}")
    g.version = f"v{version}"
    authenticate(request.headers.get("X-SFDC-Session") or bearer_token())
    org().usage.hit(org().clock.now())
    g.api_cost = 1


def _jobs():
    return org().bulk_jobs


def _json_job(job: Job) -> bool:
    return job.spec.content_type == "JSON"


@bp.post("/job")
def create_job(version):
    """Open a job from a ``jobInfo`` (operation, object, contentType, concurrencyMode)."""
    job = _jobs().create(JobSpec.from_fields(wire.read_job_fields()), user_id(), version)
    response = wire.info("jobInfo", job.info(), wire.request_is_json(), job.api_version)
    response.status_code = 201
    return response


@bp.get("/job/<job_id>")
def job_info(version, job_id):
    """A job's info, with its batch counts."""
    job = _jobs().get(job_id)
    return wire.info("jobInfo", job.info(), _json_job(job), job.api_version)


@bp.post("/job/<job_id>")
def change_job_state(version, job_id):
    """``<state>Closed</state>`` or ``Aborted`` (XML or JSON body)."""
    state = wire.read_job_fields().get("state")
    job = _jobs().change_state(job_id, state)
    return wire.info("jobInfo", job.info(), wire.request_is_json() or _json_job(job),
                     job.api_version)


@bp.post("/job/<job_id>/batch")
def add_batch(version, job_id):
    """Add a batch: one SOQL query (sent as text/csv or, by JSON jobs, JSON), or the CSV / JSON
    records of an ingest job."""
    data = request.get_data(cache=True)
    job = _jobs().get(job_id)
    if job.spec.operation not in ("query", "queryAll"):  # ingest: CSV or JSON records
        batch = _jobs().add_batch(job_id, data.decode("utf-8", "replace"), data)
    else:
        try:
            soql = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise errors.InvalidBatch("The batch body is not UTF-8") from None
        if not soql:
            raise errors.InvalidBatch("The batch body is empty: a query batch needs a SOQL query")
        batch = _jobs().add_batch(job_id, soql)
    # The answer describes the batch as added (Queued), however fast the mock then runs it.
    response = wire.info("batchInfo", batch.info(as_added=True), _json_job(job), job.api_version)
    response.status_code = 201
    response.headers["Location"] = f"/services/async/{version}/job/{job.id}/batch/{batch.id}"
    return response


@bp.get("/job/<job_id>/batch")
def list_batches(version, job_id):
    """Every batch of the job (``batchInfoList``)."""
    job = _jobs().get(job_id)
    return wire.batch_list([b.info() for b in job.batches.values()], _json_job(job), job.api_version)


@bp.get("/job/<job_id>/batch/<batch_id>")
def batch_info(version, job_id, batch_id):
    """A batch's state: Queued, InProgress, Completed, Failed (with stateMessage), NotProcessed."""
    batch = _jobs().batch(job_id, batch_id)
    job = _jobs().get(job_id)
    return wire.info("batchInfo", batch.info(), _json_job(job), job.api_version)


@bp.get("/job/<job_id>/batch/<batch_id>/request")
def batch_request(version, job_id, batch_id):
    """The batch's SOQL as it was sent."""
    batch = _jobs().batch(job_id, batch_id, wait=0)
    return current_app.response_class(batch.soql, headers={"Content-Type": "text/plain"})


@bp.get("/job/<job_id>/batch/<batch_id>/result")
def result_list(version, job_id, batch_id):
    """The result ids of a completed query batch (InvalidBatch before then); an ingest batch's
    row results: CSV ``"Id","Success","Created","Error"`` or a JSON array."""
    job = _jobs().get(job_id)
    if job.spec.operation not in ("query", "queryAll"):
        content_type = wire.JSON if _json_job(job) else "text/csv"
        return current_app.response_class(_jobs().ingest_result(job_id, batch_id),
                                          headers={"Content-Type": content_type})
    result_ids = _jobs().result_ids(job_id, batch_id)
    return wire.result_list(result_ids, _json_job(_jobs().get(job_id)))


@bp.get("/job/<job_id>/batch/<batch_id>/result/<result_id>")
def result(version, job_id, batch_id, result_id):
    """One result file, streamed: CSV (exactly ``text/csv``) or a JSON array of records."""
    job = _jobs().get(job_id)
    chunks = _jobs().result(job_id, batch_id, result_id)
    content_type = wire.JSON if _json_job(job) else "text/csv"
    return current_app.response_class(chunks, headers={"Content-Type": content_type})
