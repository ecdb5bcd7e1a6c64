"""Bulk API 2.0 query jobs: ``/jobs/query`` create, list, poll, abort, delete, CSV results.

Auth, API limits and faults apply as to every ``/services/data`` call (``data.before_data_request``).
The state and rules live in :mod:`mock_salesforce.backend.bulk`; this module only translates HTTP.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..backend.bulk import JobRequest
from .common import json_body, org, user_id

bp = Blueprint("bulk", __name__, url_prefix="/services/data/<version>/jobs/query")


@bp.post("")
def create_job(version):
    """Create a query job from ``{"operation", "query", "columnDelimiter", "lineEnding"}``."""
    job = org().query_jobs.create(JobRequest.from_body(json_body()), user_id(), version)
    return jsonify(job.summary())


@bp.get("")
def list_jobs(version):
    """Every query job of the org (one page: ``done`` is always true)."""
    records = [job.summary(job_type=True) for job in org().query_jobs.all()]
    return jsonify({"done": True, "records": records, "nextRecordsUrl": None})


@bp.get("/<job_id>")
def job_info(version, job_id):
    """A job's info; its ``state`` moves to ``JobComplete`` once every record is found."""
    return jsonify(org().query_jobs.get(job_id).info())


@bp.patch("/<job_id>")
def abort_job(version, job_id):
    """``{"state": "Aborted"}`` aborts a running job (the only change a query job takes)."""
    body = json_body()
    state = body.get("state") if isinstance(body, dict) else None
    if state != "Aborted":
        raise errors.INVALIDJOBSTATE(f"Invalid state change to {state} for a query job; "
                                     "only Aborted is allowed")
    return jsonify(org().query_jobs.abort(job_id).summary())


@bp.delete("/<job_id>")
def delete_job(version, job_id):
    """Delete a finished job and its results: 204, no body."""
    org().query_jobs.delete(job_id)
    return "", 204


@bp.get("/<job_id>/results")
def results(version, job_id):
    """A page of CSV (``?maxRecords=&locator=``) with ``Sforce-Locator`` and
    ``Sforce-NumberOfRecords``; the locator is the literal ``null`` on the last page."""
    page = org().query_jobs.results(job_id, request.args.get("locator") or None,
                                    _max_records(request.args.get("maxRecords")))
    # Exactly "text/csv": some clients compare the header with ==.
    return current_app.response_class(page.chunks, content_type="text/csv", headers={
        "Sforce-Locator": page.locator or "null",
        "Sforce-NumberOfRecords": str(page.number_of_records)})


def _max_records(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    if not text.strip().isdigit():
        raise errors.INVALIDJOB(f"maxRecords must be a positive number, not {text!r}")
    return int(text)
