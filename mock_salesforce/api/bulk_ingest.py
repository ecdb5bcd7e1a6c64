"""Bulk API 2.0 ingest jobs: ``/jobs/ingest`` create, list, upload, close/abort, poll, delete,
and the result CSVs.

Auth, API limits and faults apply as to every ``/services/data`` call (``data.before_data_request``).
The state and rules live in :mod:`mock_salesforce.backend.bulk_ingest`; this module only
translates HTTP.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..backend.bulk_ingest import IngestRequest
from .common import json_body, org, user_id

bp = Blueprint("bulk_ingest", __name__, url_prefix="/services/data/<version>/jobs/ingest")


@bp.post("")
def create_job(version):
    """Open a job from ``{"object", "operation", "externalIdFieldName", "contentType",
    "columnDelimiter", "lineEnding"}``; it answers ``state: Open``."""
    job = org().ingest_jobs.create(IngestRequest.from_body(json_body()), user_id(), version)
    return jsonify(job.summary())


@bp.get("")
def list_jobs(version):
    """Every ingest job of the org (one page: ``done`` is always true; ``?jobType=`` filters)."""
    wanted = request.args.get("jobType")
    records = [job.summary(job_type=True) for job in org().ingest_jobs.all()]
    if wanted:
        records = [record for record in records if record["jobType"] == wanted]
    return jsonify({"done": True, "records": records, "nextRecordsUrl": None})


@bp.get("/<job_id>")
def job_info(version, job_id):
    """A job's info with ``numberRecordsProcessed``, ``numberRecordsFailed`` and, when it
    failed, ``errorMessage``."""
    return jsonify(org().ingest_jobs.get(job_id).info())


@bp.put("/<job_id>/batches")
def upload(version, job_id):
    """Upload CSV data (``Content-Type: text/csv``, often chunked): 201 with no body."""
    data = request.get_data(cache=True)  # read first: answering early drops the connection
    if request.mimetype != "text/csv":
        raise errors.UNSUPPORTED_MEDIA_TYPE(
            f"Unsupported Content-Type {request.mimetype or 'none'}: upload job data as text/csv")
    org().ingest_jobs.upload(job_id, data)
    return "", 201


@bp.patch("/<job_id>")
def change_state(version, job_id):
    """``{"state": "UploadComplete"}`` closes the upload and starts processing;
    ``{"state": "Aborted"}`` stops the job."""
    body = json_body()
    state = body.get("state") if isinstance(body, dict) else None
    return jsonify(org().ingest_jobs.change_state(job_id, state))


@bp.delete("/<job_id>")
def delete_job(version, job_id):
    """Delete a job that is not Open or InProgress, and its results: 204, no body."""
    org().ingest_jobs.delete(job_id)
    return "", 204


@bp.get("/<job_id>/<kind>")
def results(version, job_id, kind):
    """``successfulResults``, ``failedResults`` or ``unprocessedrecords`` (any case) as CSV."""
    chunks = org().ingest_jobs.results(job_id, kind)
    # Exactly "text/csv": some clients compare the header with ==.
    return current_app.response_class(chunks, content_type="text/csv")
